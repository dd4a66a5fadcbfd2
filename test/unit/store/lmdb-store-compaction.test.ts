// Head, flush and compaction: reads are exact whether data sits in the head, in level 0 under stale coarse
// nodes (windows still open, so not compacted), or in compacted coarse nodes; compaction happens once per
// closed window and a late write to a compacted window makes it stale again until recompacted.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/lib/clock.js';
import { T0, folded, profile, tempStore } from './helpers.js';

let cleanup: () => Promise<void> = async () => {};
afterEach(() => cleanup());

const all = { appName: 'c.cpu', matchers: [] };
const DAY = { startMs: T0, endMs: T0 + 86_400_000 };

describe('lmdb store: head, level 0 and compaction', () => {
  it('reads open windows through their children: exact, and nothing coarse is compacted while they are open', async () => {
    const env = await tempStore({ clock: new FakeClock(T0) }); // now = T0: every window of the data is open
    cleanup = env.cleanup;
    const { store } = env;
    for (let i = 0; i < 30; i++) await store.put(profile('c.cpu', { h: String(i % 3) }, { 'a;b': 1, [`a;c${i % 4}`]: 2 }, T0 + i * 10_000));
    const r = await store.select(all, DAY);
    expect(r.tree.total).toBe(90);
    expect(folded(r.tree)).toEqual({ 'a;b': 30, 'a;c0': 16, 'a;c1': 16, 'a;c2': 14, 'a;c3': 14 });
    expect(r.timeline.samples.slice(0, 31)).toEqual([...Array<number>(30).fill(3), 0]);
    expect(store.stats().compactions).toBe(0);
    expect(store.stats().dirtyNodes).toBeGreaterThan(0);
    // 30 level-0 trees read through stale coarse nodes: correct, but not logarithmic until windows close.
    expect(r.treesRead).toBe(30);
  });

  it('compacts closed windows once; a late write makes a compacted window stale, then it is rebuilt', async () => {
    const env = await tempStore(); // clock one day after T0: every window of the data below is closed
    cleanup = env.cleanup;
    const { store } = env;
    for (let i = 0; i < 100; i++) await store.put(profile('c.cpu', {}, { 'a;b': 1 }, T0 + i * 10_000));
    const first = await store.select(all, { startMs: T0, endMs: T0 + 1_000_000 });
    expect(first.tree.total).toBe(100);
    expect(first.treesRead).toBe(1); // one compacted 1,000 s node
    const compactions = store.stats().compactions;

    await store.put(profile('c.cpu', {}, { 'a;late': 7 }, T0 + 550_000));
    const second = await store.select(all, { startMs: T0, endMs: T0 + 1_000_000 });
    expect(folded(second.tree)).toEqual({ 'a;b': 100, 'a;late': 7 });
    expect(second.treesRead).toBe(1); // recompacted before the read: the 100 s and 1,000 s nodes it touched
    expect(store.stats().compactions - compactions).toBe(3); // 100 s, 1,000 s and 10^4 s nodes over it; 10^5 s is open
    expect(store.stats().dirtyNodes).toBeGreaterThan(0); // the open 10^4 s+ windows above stay stale
  });

  it('compaction keeps totals exact when children are truncated (other absorbs what is cut)', async () => {
    const env = await tempStore({ maxNodesPerTree: 8 });
    cleanup = env.cleanup;
    const { store } = env;
    let sum = 0;
    for (let i = 0; i < 50; i++) {
      const stacks: Record<string, number> = {};
      for (let k = 0; k < 12; k++) stacks[`m;f${(i + k) % 20};g${k}`] = k + 1;
      sum += 78;
      await store.put(profile('c.cpu', {}, stacks, T0 + i * 10_000));
    }
    await store.settle();
    const r = await store.select(all, DAY);
    expect(r.tree.total).toBe(sum);
    expect(r.timeline.samples.reduce((a, b) => a + b, 0)).toBe(sum);
    expect(r.treesRead).toBeLessThan(10);
  });
});
