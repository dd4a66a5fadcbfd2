// Starts a real pyrelay on 127.0.0.1 port 0 in this process, configured through the real loader from a YAML file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import type { Clock } from '../../src/lib/clock.js';
import { createLogger, type Logger } from '../../src/lib/logger.js';
import { createPyrelay, type Pyrelay } from '../../src/main.js';

export interface TestServer {
  url: string;
  storagePath: string;
  pyrelay: Pyrelay;
  stop(): Promise<void>;
  /** Text of /metrics. */
  metrics(): Promise<string>;
}

/** `storagePath` restarts on the data of an earlier server (default: a fresh temp dir). */
export async function startTestServer(
  opts: { config?: Record<string, unknown>; env?: Record<string, string>; clock?: Clock; storagePath?: string; logger?: Logger } = {},
): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'pyrelay-test-'));
  const raw: Record<string, unknown> = { 'api-bind-addr': '127.0.0.1:0', 'storage-path': opts.storagePath ?? join(dir, 'data'), 'log-level': 'silent', ...opts.config };
  const file = join(dir, 'server.yml');
  writeFileSync(file, stringify(raw));
  const { config } = loadConfig({ file, env: opts.env ?? {}, flags: {} });
  const pyrelay = await createPyrelay(config, { clock: opts.clock, logger: opts.logger ?? createLogger(config.logLevel) });
  const { url } = await pyrelay.start();
  return {
    url,
    storagePath: config.storagePath,
    pyrelay,
    stop: () => pyrelay.stop(),
    metrics: async () => (await fetch(`${url}/metrics`)).text(),
  };
}

/** Reads one metric sample value from Prometheus text, or 0 when absent. `labels` must match exactly as printed. */
export function metricValue(text: string, name: string, labels = ''): number {
  const wanted = labels ? `${name}{${labels}}` : name;
  for (const line of text.split('\n')) {
    if (line.startsWith(wanted + ' ')) return Number(line.slice(wanted.length + 1));
  }
  return 0;
}
