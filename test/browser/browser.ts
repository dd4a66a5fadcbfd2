// Debian's chromium driven by playwright-core (no browser download is possible here), with a fresh profile
// directory per launch, plus a page wrapper that collects console and page errors for the tests to assert on.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

declare global {
  interface Window {
    /** Set by web/src/components/Flamegraph.tsx: ms since navigation of each flamegraph's first paint. */
    __pyrelayFlamegraphPaints?: number[];
  }
}

export const CHROMIUM = process.env.PYRELAY_CHROMIUM ?? '/usr/bin/chromium';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Browser {
  context: BrowserContext;
  /** A new page whose console errors and uncaught exceptions land in `errors`. */
  page(viewport?: { width: number; height: number }): Promise<{ page: Page; errors: string[] }>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium); .ci/run does`);
  const profile = mkdtempSync(join(tmpdir(), 'pyrelay-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
  return {
    context,
    async page(viewport) {
      const page = await context.newPage();
      if (viewport) await page.setViewportSize(viewport);
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
      return { page, errors };
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const root = new URL('../..', import.meta.url).pathname;

/** Newest modification time under `dir` (ms). */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Bundles web/ as `npm run build:web` does when the build is missing or older than the source (npm test builds first). */
export function buildWeb(): void {
  const index = join(root, 'dist', 'web', 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newest(join(root, 'web'))) return;
  execFileSync(process.execPath, [join(root, 'web', 'build.mjs')], { cwd: root, stdio: 'pipe' });
}
