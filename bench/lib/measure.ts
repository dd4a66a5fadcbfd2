// The shared measurement steps: warm up (JIT, connection pools), then one timed load run; and the floor and
// nginx baselines, memoized per run so every scenario compares against the same numbers.
import { join } from 'node:path';
import type { Workload } from './bodies.js';
import type { BenchContext } from './context.js';
import { runLoad, type LoadResult } from './load.js';
import { findNginx, startNginxMirror } from './nginx.js';
import { startPyrelay } from './pyrelay.js';
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

/**
 * pyrelay with its local store and two healthy targets, at full speed: the remote-write tax measurement, and the
 * capacity the fixed-rate target-down scenario takes half of. Memoized so both use the same number.
 */
export function localPlusTwoTargets(ctx: BenchContext, w: Workload): Promise<Measured> {
  return ctx.memo(`local+2:${w.id}`, async () => {
    const [a, b] = await Promise.all([startSink(), startSink()]);
    const server = await startPyrelay({
      dir: join(ctx.dir, `local-plus-2-${w.id}`),
      config: { 'remote-write': { enabled: true, targets: twoTargets(a, b) } },
      cpuProfDir: ctx.cpuProfDir,
    });
    try {
      ctx.log(`  pyrelay local + 2 targets (${w.id})`);
      const r = await measureIngest(ctx, server.url, w);
      const atEnd = await Promise.all([a.count(), b.count()]);
      const drainMs = await Promise.all([a, b].map((s) => waitForCount(s, r.totalOk, ctx.smoke ? 10_000 : 120_000)));
      ctx.note(
        'rw-tax',
        `local + 2 targets acked ${n0(r.totalOk)} requests (warm-up included); when the load ended the targets had ${n0(atEnd[0])} / ${n0(atEnd[1])}, ` +
          `all of them ${drainMs.map((d) => (d === undefined ? 'never (timeout)' : `${n0(d)} ms`)).join(' / ')} later.`,
      );
      return r;
    } finally {
      await server.stop();
      await Promise.all([a.stop(), b.stop()]);
    }
  });
}
