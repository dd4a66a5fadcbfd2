import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { T0, folded, profile, tempStore } from './helpers.js';

// 24 h of 10-second profiles in one series: the segment tree must answer with O(log n) trees.
describe('lmdb store: 24 h of 10 s profiles', () => {
  const PUTS = 8640;
  let env: Awaited<ReturnType<typeof tempStore>>;
  afterAll(() => env?.cleanup());

  it('stores 8,640 puts and reads them back with few trees', { timeout: 60_000 }, async () => {
    env = await tempStore();
    const { store } = env;
    const t0 = performance.now();
    const CHUNK = 1000; // concurrent puts share one write transaction
    for (let i = 0; i < PUTS; i += CHUNK) {
      const batch = [];
      for (let j = i; j < Math.min(PUTS, i + CHUNK); j++) {
        batch.push(store.put(profile('day.cpu', { host: 'h1' }, { 'a;b': 1, 'a;c': 2 }, T0 + j * 10_000)));
      }
      await Promise.all(batch);
    }
    const putMs = performance.now() - t0;

    const s0 = performance.now();
    const day = await store.select({ appName: 'day.cpu', matchers: [] }, { startMs: T0, endMs: T0 + 86_400_000 });
    const selectMs = performance.now() - s0;
    expect(day.tree.total).toBe(PUTS * 3);
    expect(folded(day.tree)).toEqual({ 'a;b': PUTS, 'a;c': PUTS * 2 });
    expect(day.treesRead).toBeLessThan(60);
    expect(day.treesRead).toBe(18); // 8 x 10^4 s + 6 x 1000 s + 4 x 100 s
    expect(day.timeline.samples).toHaveLength(8640);
    expect(day.timeline.samples.every((v) => v === 3)).toBe(true);

    const hour = await store.select({ appName: 'day.cpu', matchers: [] }, { startMs: T0 + 3_600_000, endMs: T0 + 7_200_000 });
    expect(hour.tree.total).toBe(360 * 3);
    expect(hour.treesRead).toBeLessThanOrEqual(12);

    // an unaligned 5 h window: partial edges at 10 s, coarse nodes in the middle
    const odd = await store.select({ appName: 'day.cpu', matchers: [] }, { startMs: T0 + 1_234_567, endMs: T0 + 19_234_567 });
    expect(odd.tree.total).toBe(((19_240 - 1_230) / 10) * 3);
    expect(odd.treesRead).toBeLessThan(60);

    let bytes = 0;
    for (const f of await readdir(env.dir)) bytes += (await stat(join(env.dir, f))).size;
    console.log(
      `8640 puts: ${putMs.toFixed(0)} ms; 24 h select: ${selectMs.toFixed(1)} ms (${day.treesRead} trees); ` +
        `disk: ${bytes} bytes = ${(bytes / PUTS).toFixed(0)} B/put; stats ${JSON.stringify(store.stats())}`,
    );
  });
});
