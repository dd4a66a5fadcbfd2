// The web UI's first flamegraph: Debian's chromium opens the single view of an 8,192-node profile on a real
// pyrelay, and the time from navigation to the first painted flamegraph is compared with the floor: the same
// /render JSON fetched and parsed by a blank page on the same server (what any UI needs before drawing).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Scenario } from '../lib/context.js';
import { repoRoot } from '../lib/child.js';
import { startPyrelay } from '../lib/pyrelay.js';
import { ms, type Row } from '../lib/report.js';
import { CHROMIUM, buildWeb, launchBrowser } from '../../test/browser/browser.js';

const APP = 'bench.ui.cpu';

/** root + 63 modules + 8,128 functions = 8,192 nodes. */
function bigProfile(): string {
  const lines: string[] = [];
  for (let i = 0; i < 8128; i++) lines.push(`mod_${i % 63};fn_${i} ${1 + (i % 7)}`);
  return lines.join('\n');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export const uiFirstRender: Scenario = {
  name: 'ui-first-render',
  title: 'web UI: first flamegraph of an 8,192-node profile in chromium',
  async run(ctx) {
    if (!existsSync(CHROMIUM)) return [{ scenario: 'ui-first-render', case: 'first flamegraph paint', measured: '', baseline: '', skipped: `${CHROMIUM} not installed` }];
    buildWeb();
    const server = await startPyrelay({ dir: join(ctx.dir, 'ui'), config: { 'max-nodes-serialization': 16384 } });
    const browser = await launchBrowser();
    try {
      const from = Math.floor(Date.now() / 1000) - 600;
      const res = await fetch(`${server.url}/ingest?name=${APP}&from=${from}&until=${from + 10}&spyName=gospy`, { method: 'POST', body: bigProfile() });
      if (res.status !== 200) throw new Error(`ingest: ${res.status} ${await res.text()}`);
      const query = new URLSearchParams({ query: `${APP}{}`, from: 'now-1h', until: 'now' });
      const runs = ctx.smoke ? 1 : 7;
      const paint: number[] = [];
      const floor: number[] = [];
      for (let i = 0; i < runs + 1; i++) {
        // The first round warms the server and the browser's caches; it is not counted.
        const { page } = await browser.page();
        await page.goto(`${server.url}/?${query}`);
        await page.waitForFunction(() => (window.__pyrelayFlamegraphPaints?.length ?? 0) > 0, undefined, { timeout: 30_000 });
        const p = await page.evaluate(() => window.__pyrelayFlamegraphPaints![0]);
        // The floor: a page on the same origin that only fetches and parses the same JSON.
        await page.goto(`${server.url}/healthz`);
        const f = await page.evaluate(async (q) => {
          const t0 = performance.now();
          const body = await (await fetch(`/render?${q}&format=json`)).text();
          JSON.parse(body);
          return performance.now() - t0;
        }, query.toString());
        await page.close();
        if (i > 0) {
          paint.push(p);
          floor.push(f);
        }
      }
      const assets = join(repoRoot, 'dist', 'web', 'assets');
      const js = readdirSync(assets).find((f) => /^app-.*\.js$/.test(f))!;
      const raw = readFileSync(join(assets, js));
      ctx.note(
        'ui-first-render',
        `first paint in ms since navigation over ${runs} runs: ${paint.map((x) => Math.round(x)).join(', ')}; floor (fetch + parse of the same /render JSON in a blank page): ${floor.map((x) => Math.round(x)).join(', ')}. The first paint includes loading and compiling the ${Math.round(raw.length / 1024)} KiB bundle (${Math.round(gzipSync(raw).length / 1024)} KiB gzip), from the browser cache after the first run.`,
      );
      const m = median(paint);
      const rows: Row[] = [
        { scenario: 'ui-first-render', case: 'first flamegraph paint (median)', measured: ms(m), baseline: `${ms(median(floor))} fetch+parse`, ratio: m / median(floor) },
        { scenario: 'ui-first-render', case: 'first flamegraph paint vs the 1 s target', measured: ms(m), baseline: ms(1000), ratio: m / 1000, goal: { op: '<=', value: 1 } },
      ];
      return rows;
    } finally {
      await browser.close();
      await server.stop();
    }
  },
};
