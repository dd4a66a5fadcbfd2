import { afterEach, describe, expect, it } from 'vitest';
import { T0, folded, profile, tempStore } from './helpers.js';

let cleanup: () => Promise<void> = async () => {};
afterEach(() => cleanup());

// 24 h is covered by coarse nodes (level >= 2, 1,000 s and up), which the cache holds.
const DAY = { startMs: T0, endMs: T0 + 86_400_000 };
const all = { appName: 'app.cpu', matchers: [] };

describe('lmdb store: decoded coarse-node cache', () => {
  it('serves repeated long-range reads from the cache, and a put to a cached node invalidates it', async () => {
    const env = await tempStore();
    cleanup = env.cleanup;
    const { store } = env;
    for (let i = 0; i < 300; i++) await store.put(profile('app.cpu', { host: 'a' }, { 'main;work': 1, [`main;f${i % 7}`]: 2 }, T0 + i * 10_000));
    const first = await store.select(all, DAY);
    expect(store.stats().treesFromCache).toBe(0);
    const second = await store.select(all, DAY);
    expect(store.stats().treesFromCache).toBeGreaterThan(0);
    expect(folded(second.tree)).toEqual(folded(first.tree));
    expect(second.tree.total).toBe(300 * 3);

    await store.put(profile('app.cpu', { host: 'a' }, { 'main;late': 5 }, T0 + 100 * 10_000));
    const third = await store.select(all, DAY);
    expect(third.tree.total).toBe(300 * 3 + 5);
    expect(folded(third.tree)['main;late']).toBe(5);
  });

  it('forgets nodes removed by a delete', async () => {
    const env = await tempStore();
    cleanup = env.cleanup;
    const { store } = env;
    for (let i = 0; i < 200; i++) await store.put(profile('app.cpu', { host: 'a' }, { 'main;work': 1 }, T0 + i * 10_000));
    await store.select(all, DAY);
    expect(await store.deleteApp('app.cpu')).toBe(true);
    await store.put(profile('app.cpu', { host: 'b' }, { 'main;new': 1 }, T0));
    const after = await store.select(all, DAY);
    expect(folded(after.tree)).toEqual({ 'main;new': 1 });
  });

  it('reads the same trees with the cache disabled', async () => {
    const env = await tempStore({ decodedCacheEntries: 0 });
    cleanup = env.cleanup;
    const { store } = env;
    for (let i = 0; i < 200; i++) await store.put(profile('app.cpu', { host: 'a' }, { 'main;work': 1 }, T0 + i * 10_000));
    await store.select(all, DAY);
    const again = await store.select(all, DAY);
    expect(store.stats().treesFromCache).toBe(0);
    expect(folded(again.tree)).toEqual({ 'main;work': 200 });
  });
});
