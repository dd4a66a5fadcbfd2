// The store ingesting from the write-ahead log: a record is visible to reads as soon as its append resolved
// (head), survives close/reopen (flush + checkpoint), and the log forgets it only once the store wrote it.
import { afterEach, describe, expect, it } from 'vitest';
import { T0, folded } from './helpers.js';
import { clockAt, openPipeline, tempDir } from './ingest-helpers.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

const q = (name: string, fromSec: number, untilSec = fromSec + 10) => ({ name, from: String(fromSec), until: String(untilSec) });
const S0 = T0 / 1000;
const all = (appName: string) => ({ appName, matchers: [] });
const DAY = { startMs: T0, endMs: T0 + 86_400_000 };

describe('store ingester', () => {
  it('shows a logged profile to reads right after its append resolves, before any flush', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    // Flushes every minute at most: what reads see comes from the head.
    const p = await openPipeline(dir, clockAt(T0), { flushIntervalMs: 60_000 });
    cleanups.unshift(() => p.close());
    for (let i = 0; i < 20; i++) await p.append(q('app.cpu{host=a}', S0 + i * 10), `main;work ${i + 1}\nmain;idle 1\n`);
    const r = await p.store.select(all('app.cpu'), DAY);
    expect(folded(r.tree)).toEqual({ 'main;idle': 20, 'main;work': 210 });
    expect(r.timeline.samples.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    expect(p.store.stats()).toMatchObject({ records: 20, flushes: 0 });
    expect(await p.store.labelValues('host')).toEqual(['a']);
    expect((await p.store.apps()).map((a) => a.name)).toEqual(['app.cpu']);
  });

  it('writes the head and the checkpoint together on close; the log then has nothing left for the store', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const clock = clockAt(T0);
    let p = await openPipeline(dir, clock, { flushIntervalMs: 60_000 });
    let last = 0;
    for (let i = 0; i < 30; i++) last = await p.append(q('app.cpu', S0 + i * 10), 'a;b 1\na;c 2\n');
    await p.close();
    p = await openPipeline(dir, clock, { flushIntervalMs: 60_000 });
    cleanups.unshift(() => p.close());
    expect(p.store.checkpoint()).toBe(last);
    expect(await p.log.readFrom('@store', 0, 100)).toEqual([]);
    expect(p.store.stats().records).toBe(0); // nothing replayed
    const r = await p.store.select(all('app.cpu'), DAY);
    expect(folded(r.tree)).toEqual({ 'a;b': 30, 'a;c': 60 });
  });

  it('decodes every format the log holds, not only folded (pprof through the tree path)', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const p = await openPipeline(dir, clockAt(T0));
    cleanups.unshift(() => p.close());
    const { readFile } = await import('node:fs/promises');
    const pprof = await readFile(new URL('../../fixtures/pprof/go-cpu.pb.gz', import.meta.url));
    await p.append({ ...q('lines.app', S0), format: 'lines' }, 'a;b\na;b\na;c\n');
    const lines = await p.store.select(all('lines.app'), DAY);
    expect(folded(lines.tree)).toEqual({ 'a;b': 2, 'a;c': 1 });
    await p.append({ ...q('go.app', S0), format: 'pprof' }, pprof);
    const cpu = await p.store.select(all('go.app.cpu'), DAY);
    expect(cpu.tree.total).toBeGreaterThan(0);
    expect(cpu.metadata?.units).toBe('samples');
  });
});

describe('store metrics', () => {
  it('exposes the ingester progress, the head and the lag behind the log', async () => {
    const { Registry } = await import('prom-client');
    const { registerStoreMetrics } = await import('../../../src/store/metrics.js');
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const p = await openPipeline(dir, clockAt(T0), { flushIntervalMs: 60_000 });
    cleanups.unshift(() => p.close());
    const registry = new Registry();
    registerStoreMetrics(registry, { stats: () => p.store.stats(), lastLogSeq: () => p.log.lastSeq });
    for (let i = 0; i < 3; i++) await p.append(q('m.cpu', S0 + i * 10), 'a;b 1\n');
    await p.store.select(all('m.cpu'), DAY); // replies carry the worker's stats
    const text = await registry.metrics();
    expect(text).toMatch(/^pyrelay_store_log_records_total 3$/m);
    expect(text).toMatch(/^pyrelay_store_log_lag_records 3$/m);
    expect(text).toMatch(/^pyrelay_store_head_entries [1-9]/m);
    await p.store.settle();
    const after = await registry.metrics();
    expect(after).toMatch(/^pyrelay_store_log_lag_records 0$/m);
    expect(after).toMatch(/^pyrelay_store_flushes_total [1-9]/m);
    expect(after).toMatch(/^pyrelay_store_head_entries 0$/m);
  });
});

describe('store ingester: a failed write', () => {
  it('drops the head, replays the log from the checkpoint and ends with every record exactly once', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const warnings: string[] = [];
    const p = await openPipeline(dir, clockAt(T0), {
      flushIntervalMs: 30,
      pauseAt: { point: 'flush', nth: 3, fail: true },
      logger: { info: () => {}, warn: (_o, m) => warnings.push(m), error: (_o, m) => warnings.push(m) },
    });
    cleanups.unshift(() => p.close());
    let last = 0;
    for (let i = 0; i < 60; i++) {
      last = await p.append(q('f.cpu', S0 + i * 10), `main;r${i} 1\n`);
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 40)); // let flushes happen between appends
    }
    // The failure's retry waits at least 0.5 s; then the log is replayed and flushed.
    await expect.poll(() => p.store.stats().checkpoint, { timeout: 10_000 }).toBe(last);
    expect(
      warnings.some((m) => /write failed/.test(m)),
      JSON.stringify([warnings, p.store.stats()]),
    ).toBe(true);
    const r = await p.store.select(all('f.cpu'), DAY);
    const stacks = folded(r.tree);
    expect(Object.keys(stacks)).toHaveLength(60);
    expect(Object.entries(stacks).filter(([, v]) => v !== 1)).toEqual([]);
    expect(r.timeline.samples.reduce((a, b) => a + b, 0)).toBe(60);
  });
});

describe('store ingester: a slow store', () => {
  it('holds at most the in-flight budget in the worker queue, catches up from the log, and reads still see every 200', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const infos: string[] = [];
    const logger = { info: (_o: object, m: string) => infos.push(m), warn: (_o: object, m: string) => infos.push(m) };
    const p = await openPipeline(dir, clockAt(T0), {}, { maxInFlightBytes: 64, logger }); // ~3 records in flight
    cleanups.unshift(() => p.close());
    const body = (i: number) => `main;work;r${i} 1\n`;
    await Promise.all(Array.from({ length: 80 }, (_, i) => p.append(q('s.cpu', S0 + (i % 30) * 10), body(i))));
    // Read right after the last 200: the barrier waits until every durable record was posted.
    const r = await p.store.select(all('s.cpu'), DAY);
    expect(r.tree.total).toBe(80);
    expect(Object.keys(folded(r.tree))).toHaveLength(80);
    expect(infos).toContain('store ingester: the store is behind; reading the log from disk until it catches up');
    expect(p.store.stats().records).toBe(80);
  });
});

describe('store ingester: decoder events', () => {
  it('reports a raw cumulative pprof upload that only became a baseline, for the ingest discard metric', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const p = await openPipeline(dir, clockAt(T0));
    cleanups.unshift(() => p.close());
    const reasons: string[] = [];
    p.store.onDecoderEvent((r) => reasons.push(r));
    const { readFile } = await import('node:fs/promises');
    const heap = await readFile(new URL('../../fixtures/pprof/go-heap.pb', import.meta.url));
    await p.append({ ...q('heap.app', S0), format: 'pprof', spyName: 'gospy' }, heap);
    await p.store.apps(); // a read after the append: the worker has applied it
    expect(reasons.length).toBeGreaterThan(0);
    expect(new Set(reasons)).toEqual(new Set(['cumulative_without_prev']));
  });
});
