// The shared measurement steps: warm up (JIT, connection pools), then one timed load run; and the floor and
// nginx baselines, memoized per run so every scenario compares against the same numbers.
import { join } from 'node:path';
import type { Workload } from './bodies.js';
import type { BenchContext } from './context.js';
import { runLoad, type LoadResult } from './load.js';
import { findNginx, startNginxMirror } from './nginx.js';
import { n0, ms } from './report.js';
import { startSink, type Sink } from './sink.js';

export const VARIANTS = 32;

export interface Measured extends LoadResult {
  /** 2xx answers including the warm-up run. */
  totalOk: number;
}

export async function measureIngest(ctx: BenchContext, url: string, w: Workload, overallRate?: number, durationSec = ctx.durationSec): Promise<Measured> {
  const requests = w.requests(VARIANTS);
  let warm = 0;
  if (ctx.warmupSec > 0) warm = (await runLoad({ url, connections: ctx.connections, durationSec: ctx.warmupSec, overallRate, requests, dir: ctx.dir })).ok;
  const r = await runLoad({ url, connections: ctx.connections, durationSec, overallRate, requests, dir: ctx.dir });
  return { ...r, totalOk: warm + r.ok };
}

export const describeLoad = (r: LoadResult) => `${n0(r.rps)} req/s, p99 ${ms(r.latencyMs.p99)}`;

/** The floor: a minimal node:http server that reads the body and answers 200. */
export function floor(ctx: BenchContext, w: Workload): Promise<LoadResult> {
  return ctx.memo(`floor:${w.id}`, async () => {
    const sink = await startSink();
    try {
      ctx.log(`  floor (${w.id})`);
      return await measureIngest(ctx, sink.url, w);
    } finally {
      await sink.stop();
    }
  });
}

export interface NginxBaseline {
  result?: LoadResult;
  skipped?: string;
}

/** nginx mirror to two fresh sinks; skipped (with the reason) when nginx is not installed. */
export function nginxMirror(ctx: BenchContext, w: Workload): Promise<NginxBaseline> {
  return ctx.memo(`nginx:${w.id}`, async () => {
    const bin = findNginx();
    if (!bin) return { skipped: 'nginx not installed' };
    const [a, b] = await Promise.all([startSink(), startSink()]);
    const nginx = await startNginxMirror(bin, join(ctx.dir, `nginx-${w.id}`), a.url, b.url);
    try {
      ctx.log(`  nginx mirror (${w.id})`);
      const result = await measureIngest(ctx, nginx.url, w);
      return { result };
    } finally {
      await nginx.stop();
      await Promise.all([a.stop(), b.stop()]);
    }
  });
}

/** Polls until `sink` has read at least `n` requests; resolves with the ms it took, or undefined on timeout. */
export async function waitForCount(sink: Sink, n: number, timeoutMs: number): Promise<number | undefined> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    if ((await sink.count()) >= n) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}

export const twoTargets = (a: Sink, b: Sink, extra: Record<string, unknown> = {}) => ({
  a: { address: a.url, ...extra },
  b: { address: b.url, ...extra },
});
