// The shared measurement steps: warm up (JIT, connection pools), then one timed load run; and the floor and
// nginx baselines, memoized per run so every scenario compares against the same numbers.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Workload } from './bodies.js';
import type { BenchContext } from './context.js';
import { runLoad, type LoadResult } from './load.js';
import { findNginx, startNginxMirror } from './nginx.js';
import { metricSum, startPyrelay, type PyrelayProcess } from './pyrelay.js';
import { n0, ms } from './report.js';
import { startSink, type Sink } from './sink.js';

export const VARIANTS = 32;

export interface Measured extends LoadResult {
  /** 2xx answers including the warm-up run. */
  totalOk: number;
  /**
   * CPU the server process used (all its threads, user + system) per 2xx answer in the timed run, when its pid
   * is known: unlike req/s it hardly moves when other processes share the machine, so A/B runs stay comparable.
   */
  cpuMsPerRequest?: number;
}

/** `server`: a URL, or a process (its CPU per request is measured too). */
export async function measureIngest(
  ctx: BenchContext,
  server: string | { url: string; pid: number },
  w: Workload,
  overallRate?: number,
  durationSec = ctx.durationSec,
): Promise<Measured> {
  const url = typeof server === 'string' ? server : server.url;
  const pid = typeof server === 'string' ? undefined : server.pid;
  const requests = w.requests(VARIANTS);
  let warm = 0;
  if (ctx.warmupSec > 0) warm = (await runLoad({ url, connections: ctx.connections, durationSec: ctx.warmupSec, overallRate, requests, dir: ctx.dir })).ok;
  const cpu0 = pid === undefined ? undefined : cpuMsOf(pid);
  const r = await runLoad({ url, connections: ctx.connections, durationSec, overallRate, requests, dir: ctx.dir });
  const cpu1 = pid === undefined ? undefined : cpuMsOf(pid);
  const cpuMsPerRequest = cpu0 !== undefined && cpu1 !== undefined && r.ok > 0 ? (cpu1 - cpu0) / r.ok : undefined;
  return { ...r, totalOk: warm + r.ok, ...(cpuMsPerRequest === undefined ? {} : { cpuMsPerRequest }) };
}

/**
 * utime + stime of a live process and its child processes (nginx's worker, a cluster's servers) from /proc
 * (Linux), in ms; undefined elsewhere.
 */
function cpuMsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) start after the last ')'; utime and stime are 14th and 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    let ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
    for (const child of childrenOf(pid)) ms += cpuMsOf(child) ?? 0;
    return ms;
  } catch {
    return undefined;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
// USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK).
const CLOCK_TICKS = 100;

export const describeLoad = (r: Measured | LoadResult) =>
  `${n0(r.rps)} req/s, p99 ${ms(r.latencyMs.p99)}${'cpuMsPerRequest' in r && r.cpuMsPerRequest !== undefined ? `, ${r.cpuMsPerRequest.toFixed(2)} ms CPU/req` : ''}`;

/** The floor: a minimal node:http server that reads the body and answers 200. */
export function floor(ctx: BenchContext, w: Workload): Promise<Measured> {
  return ctx.memo(`floor:${w.id}`, async () => {
    const sink = await startSink();
    try {
      ctx.log(`  floor (${w.id})`);
      return await measureIngest(ctx, sink, w);
    } finally {
      await sink.stop();
    }
  });
}

export interface NginxBaseline {
  result?: Measured;
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
      const result = await measureIngest(ctx, nginx, w);
      return { result };
    } finally {
      await nginx.stop();
      await Promise.all([a.stop(), b.stop()]);
    }
  });
}

export interface Drain {
  /** ms until every sink had `expected` requests, or until nothing was left to send. */
  ms: number;
  /** Requests each sink had at the end. */
  counts: number[];
  /** True when every sink got `expected`; false when the server had nothing left to send (or time ran out) first. */
  complete: boolean;
  timedOut: boolean;
}

/**
 * Waits until every sink has read `expected` requests, or until the server reports nothing pending for its
 * targets (then what is missing was dropped, not late), or `timeoutMs`.
 */
export async function waitForDrain(server: PyrelayProcess, sinks: Sink[], expected: number, timeoutMs: number): Promise<Drain> {
  const t0 = performance.now();
  for (;;) {
    const counts = await Promise.all(sinks.map((s) => s.count()));
    const elapsed = performance.now() - t0;
    if (counts.every((c) => c >= expected)) return { ms: elapsed, counts, complete: true, timedOut: false };
    const pending = metricSum(await server.metrics(), 'pyroscope_remote_write_queue_pending');
    if (pending === 0 && elapsed > 1000) return { ms: elapsed, counts, complete: false, timedOut: false };
    if (elapsed > timeoutMs) return { ms: elapsed, counts, complete: false, timedOut: true };
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function describeDrain(d: Drain, expected: number): string {
  const got = d.counts.map(n0).join(' / ');
  if (d.complete) return `all ${n0(expected)} delivered to each target ${n0(d.ms)} ms after the load ended`;
  if (d.timedOut) return `only ${got} of ${n0(expected)} delivered after ${n0(d.ms)} ms (timeout)`;
  return `only ${got} of ${n0(expected)} delivered; the server had nothing left to send ${n0(d.ms)} ms after the load (the rest was dropped)`;
}

/**
 * `--send-thread=on|off`: sets remote-write.send-thread in every scenario that forwards (an A/B of the same
 * build); absent, the server's default applies.
 */
export function sendThreadConfig(ctx: BenchContext): { 'send-thread'?: boolean } {
  const v = ctx.options['send-thread'];
  if (v === undefined) return {};
  if (v !== 'on' && v !== 'off') throw new Error(`--send-thread must be on or off, not ${JSON.stringify(v)}`);
  return { 'send-thread': v === 'on' };
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
      config: { 'remote-write': { enabled: true, ...sendThreadConfig(ctx), targets: twoTargets(a, b) } },
      cpuProfDir: ctx.cpuProfDir,
    });
    try {
      ctx.log(`  pyrelay local + 2 targets (${w.id})`);
      const r = await measureIngest(ctx, server, w);
      const atEnd = await Promise.all([a.count(), b.count()]);
      const drain = await waitForDrain(server, [a, b], r.totalOk, ctx.smoke ? 10_000 : 120_000);
      const dropped = metricSum(await server.metrics(), 'pyroscope_remote_write_queue_dropped');
      ctx.note(
        'rw-tax',
        `local + 2 targets acked ${n0(r.totalOk)} requests (warm-up included); when the load ended the targets had ${n0(atEnd[0])} / ${n0(atEnd[1])}; ` +
          `${describeDrain(drain, r.totalOk)}. Queue drops (pyroscope_remote_write_queue_dropped): ${n0(dropped)}.`,
      );
      return r;
    } finally {
      await server.stop();
      await Promise.all([a.stop(), b.stop()]);
    }
  });
}
