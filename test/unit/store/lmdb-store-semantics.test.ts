import { afterEach, describe, expect, it } from 'vitest';
import { isPyrelayError } from '../../../src/model/errors.js';
import { T0, folded, profile, tempStore } from './helpers.js';

const DAY = 86_400_000;
const all = (appName: string) => ({ appName, matchers: [] });
let cleanup: () => Promise<void> = async () => {};
afterEach(() => cleanup());

async function open(over: Parameters<typeof tempStore>[0] = {}) {
  const env = await tempStore(over);
  cleanup = env.cleanup;
  return env;
}

describe('lmdb store: write spreading and aggregation', () => {
  it('scales a profile by overlap when it spans several buckets', async () => {
    const { store } = await open();
    // 20 s profile over [T0+90 s, T0+110 s): half in each 10 s bucket, and split across the 100 s boundary
    await store.put(profile('p.cpu', {}, { 'a;b': 4, c: 2 }, T0 + 90_000, T0 + 110_000));
    const first = await store.select(all('p.cpu'), { startMs: T0 + 90_000, endMs: T0 + 100_000 });
    expect(folded(first.tree)).toEqual({ 'a;b': 2, c: 1 });
    const secondHundred = await store.select(all('p.cpu'), { startMs: T0 + 100_000, endMs: T0 + 200_000 });
    expect(folded(secondHundred.tree)).toEqual({ 'a;b': 2, c: 1 });
    expect(secondHundred.treesRead).toBe(1); // the level-1 node alone
    const whole = await store.select(all('p.cpu'), { startMs: T0, endMs: T0 + 1_000_000 });
    expect(folded(whole.tree)).toEqual({ 'a;b': 4, c: 2 });
    expect(whole.treesRead).toBe(1); // the level-2 node alone
    // thirds stay exact: values are stored as floats when they are not integers
    await store.put(profile('q.cpu', {}, { x: 1 }, T0, T0 + 30_000));
    const third = await store.select(all('q.cpu'), { startMs: T0 + 10_000, endMs: T0 + 20_000 });
    expect(third.tree.total).toBeCloseTo(1 / 3, 12);
    expect((await store.select(all('q.cpu'), { startMs: T0, endMs: T0 + 30_000 })).tree.total).toBeCloseTo(1, 12);
  });

  it('average aggregation divides the merged tree by the number of writes', async () => {
    const { store } = await open();
    await Promise.all([
      store.put(profile('heap.inuse_space', {}, { 'a;b': 100 }, T0, T0 + 10_000, 'average')),
      store.put(profile('heap.inuse_space', {}, { 'a;b': 300, c: 40 }, T0 + 10_000, T0 + 20_000, 'average')),
    ]);
    const r = await store.select(all('heap.inuse_space'), { startMs: T0, endMs: T0 + 20_000 });
    expect(r.metadata?.aggregation).toBe('average');
    expect(folded(r.tree)).toEqual({ 'a;b': 200, c: 20 });
    const wide = await store.select(all('heap.inuse_space'), { startMs: T0, endMs: T0 + 3_600_000 });
    expect(folded(wide.tree)).toEqual({ 'a;b': 200, c: 20 });
  });

  it('truncates stored trees to maxNodesPerTree, folding the rest into other', async () => {
    const { store } = await open({ maxNodesPerTree: 3 });
    await store.put(profile('t.cpu', {}, { big: 100, mid: 50, small: 1, tiny: 2 }, T0));
    const r = await store.select(all('t.cpu'), { startMs: T0, endMs: T0 + 10_000 });
    expect(folded(r.tree)).toEqual({ big: 100, mid: 50, other: 3 });
  });
});

describe('lmdb store: concurrency', () => {
  it('loses no update when puts to one series interleave across event turns', async () => {
    const { store } = await open({ maxBatch: 7 });
    const puts: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      puts.push(store.put(profile('c.cpu', { k: 'v' }, { 'a;b': 1, [`f${i % 5}`]: 2 }, T0 + (i % 3) * 10_000)));
      if (i % 13 === 0) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(puts);
    const r = await store.select(all('c.cpu'), { startMs: T0, endMs: T0 + 30_000 });
    expect(r.tree.total).toBe(600);
    expect(folded(r.tree)).toEqual({ 'a;b': 200, f0: 80, f1: 80, f2: 80, f3: 80, f4: 80 });
    const day = await store.select(all('c.cpu'), { startMs: T0, endMs: T0 + DAY });
    expect(day.tree.total).toBe(600);
    expect(store.stats().commits).toBeGreaterThan(1);
  });
});

describe('lmdb store: retention', () => {
  it('rejects writes older than the retention period', async () => {
    const { store, clock } = await open({ retentionMs: 3_600_000 });
    const old = clock.now() - 2 * 3_600_000;
    await expect(store.put(profile('r.cpu', {}, { a: 1 }, old))).rejects.toSatisfy(
      (e) => isPyrelayError(e) && e.code === 'invalid_parameter' && /older than the retention period/.test(e.message),
    );
    await store.put(profile('r.cpu', {}, { a: 1 }, clock.now() - 60_000));
  });

  it('sweeps data entirely older than now - retention; coarse nodes still overlapping the window stay', async () => {
    const { store, clock } = await open({ retentionMs: 3_600_000 });
    const w = clock.now() - 50 * 60_000; // aligned to 100 s
    for (let i = 0; i < 6; i++) await store.put(profile('r.cpu', { h: 'x' }, { a: 1 }, w + i * 10_000));
    await store.put(profile('gone.cpu', {}, { z: 1 }, w));
    await clock.advance(630_000); // boundary = w + 30 s
    // r.cpu: three level-0 trees end at or before the boundary; gone.cpu: all 7 levels of its only write
    expect(await store.sweepRetention()).toBe(3 + 7);
    expect(store.stats().treesSwept).toBe(10);
    const firstMinute = await store.select(all('r.cpu'), { startMs: w, endMs: w + 60_000 });
    expect(firstMinute.tree.total).toBe(3);
    expect(firstMinute.treesRead).toBe(3);
    expect(firstMinute.timeline.samples).toEqual([0, 0, 0, 1, 1, 1]);
    // the 100 s node [w, w + 100 s) ends after the boundary, so it keeps all six writes
    expect((await store.select(all('r.cpu'), { startMs: w, endMs: w + 100_000 })).tree.total).toBe(6);
    // gone.cpu had its only write before the boundary: series, labels and app are removed
    expect((await store.apps()).map((a) => a.name)).toEqual(['r.cpu']);
    expect(await store.labelValues('__name__')).toEqual(['r.cpu']);
    expect((await store.select(all('gone.cpu'), { startMs: w - DAY, endMs: w + DAY })).tree.total).toBe(0);
    expect(await store.sweepRetention()).toBe(0);
  });
});

describe('lmdb store: input limits', () => {
  it('refuses over-long spans and unindexable tags per put, without failing the rest of the batch', async () => {
    const { store } = await open({ maxWriteSpanMs: 3_600_000 });
    await expect(store.put(profile('l.cpu', {}, { a: 1 }, T0, T0 + 2 * 3_600_000))).rejects.toSatisfy(
      (e) => isPyrelayError(e) && e.code === 'invalid_parameter' && /spans/.test(e.message),
    );
    const longKey = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v'.repeat(60)]));
    const results = await Promise.allSettled([
      store.put(profile('l.cpu', { big: 'x'.repeat(3000) }, { a: 1 }, T0)),
      store.put(profile('l.cpu', longKey, { a: 2 }, T0)), // 2.6 KB normalized key: stored by digest
      store.put(profile('l.cpu', {}, { a: 4 }, T0)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect((results[0] as PromiseRejectedResult).reason.code).toBe('invalid_parameter');
    expect((await store.select(all('l.cpu'), { startMs: T0, endMs: T0 + 10_000 })).tree.total).toBe(6);
    await store.put(profile('l.cpu', longKey, { a: 8 }, T0));
    const r = await store.select({ appName: 'l.cpu', matchers: [{ name: 'k3', op: '=', value: 'v'.repeat(60) }] }, { startMs: T0, endMs: T0 + 10_000 });
    expect(r.tree.total).toBe(10);
  });
});
