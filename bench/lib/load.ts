// Runs autocannon in a separate node process at a fixed concurrency and duration (optionally a fixed rate)
// and returns its summary. Bodies go through files so large pprof bodies are not copied through argv.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnChild } from './child.js';

export interface LoadRequest {
  method: 'POST' | 'GET';
  /** Path with query string. */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Set by runLoad. */
  bodyFile?: string;
}

export interface LoadSpec {
  url: string;
  connections: number;
  durationSec: number;
  /** Requests per second over all connections; unset = as fast as possible. */
  overallRate?: number;
  timeoutSec?: number;
  requests: Omit<LoadRequest, 'body'>[];
}

export interface LoadResult {
  durationSec: number;
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** 2xx responses per second. */
  rps: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  statusCodes: Record<string, { count: number }>;
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationSec: number;
  overallRate?: number;
  /** Cycled in order by every connection. */
  requests: LoadRequest[];
  /** Where body and spec files go. */
  dir: string;
}

let seq = 0;

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const id = seq++;
  const requests = opts.requests.map((r, i) => {
    let bodyFile: string | undefined;
    if (r.body) {
      bodyFile = join(opts.dir, `load-${id}-body-${i}.bin`);
      writeFileSync(bodyFile, r.body);
    }
    return { method: r.method, path: r.path, headers: r.headers, bodyFile };
  });
  const spec: LoadSpec = { url: opts.url, connections: opts.connections, durationSec: opts.durationSec, overallRate: opts.overallRate, requests };
  const specFile = join(opts.dir, `load-${id}.json`);
  writeFileSync(specFile, JSON.stringify(spec));
  const child = await spawnChild({
    command: process.execPath,
    args: ['bench/lib/load-child.mjs', specFile],
    ready: (r) => r.msg === 'load done',
    timeoutMs: (opts.durationSec + 60) * 1000,
  });
  await child.stop();
  const res = child.ready.result as LoadResult;
  // Zero answers within the window is a (slow) measurement; only answers that are all failures mean it is broken.
  if (res.ok === 0 && (res.non2xx > 0 || res.errors > 0)) {
    throw new Error(`load against ${opts.url}: no 2xx responses (${JSON.stringify(res.statusCodes)}, errors ${res.errors})`);
  }
  return res;
}
