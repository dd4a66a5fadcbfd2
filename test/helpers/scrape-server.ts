// An in-process pyrelay whose config file the test can rewrite and reload (pull-mode tests).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import type { Clock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { createPyrelay, type Pyrelay } from '../../src/main.js';

export interface ScrapeTestServer {
  url: string;
  dir: string;
  pyrelay: Pyrelay;
  /** Rewrites the config file (raw YAML text or an object). */
  writeConfig(config: Record<string, unknown> | string): void;
  targets(): Promise<TargetJson[]>;
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

export interface TargetJson {
  job: string;
  url: string;
  discoveredLabels: Record<string, string>;
  labels: Record<string, string>;
  health: string;
  lastScrape: string | null;
  lastError: string;
  lastScrapeDuration: string;
}

export async function startScrapeServer(config: Record<string, unknown>, opts: { clock?: Clock } = {}): Promise<ScrapeTestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'pyrelay-scrape-'));
  const file = join(dir, 'server.yml');
  const base = { 'api-bind-addr': '127.0.0.1:0', 'storage-path': join(dir, 'data'), 'log-level': 'silent' };
  const write = (c: Record<string, unknown> | string) => writeFileSync(file, typeof c === 'string' ? c : stringify({ ...base, ...c }));
  write(config);
  const load = () => loadConfig({ file, env: {}, flags: {} }).config;
  const cfg = load();
  const pyrelay = await createPyrelay(cfg, { clock: opts.clock, logger: createLogger(cfg.logLevel), loadConfig: load });
  const { url } = await pyrelay.start();
  return {
    url,
    dir,
    pyrelay,
    writeConfig: write,
    targets: async () => (await (await fetch(`${url}/targets`)).json()) as TargetJson[],
    metrics: async () => (await fetch(`${url}/metrics`)).text(),
    async stop() {
      await pyrelay.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
