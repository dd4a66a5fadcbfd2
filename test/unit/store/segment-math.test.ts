import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { alignRange, levelDuration, readCover, timelineLevel, writeTargets } from '../../../src/store/segment-math.js';

describe('segment math', () => {
  it('aligns start down and end up to 10 s (OG normalize)', () => {
    expect(alignRange(1_000_005_000, 1_000_015_000)).toEqual({ st: 1_000_000, et: 1_000_020 });
    expect(alignRange(1_000_000_000, 1_000_020_000)).toEqual({ st: 1_000_000, et: 1_000_020 });
    expect(alignRange(1_000_000_000, 1_000_000_000)).toEqual({ st: 1_000_000, et: 1_000_010 });
  });

  it('spreads a write over every level with overlap ratios summing to 1 per level', () => {
    const targets = writeTargets({ st: 90, et: 110 }, 2);
    expect(targets).toEqual([
      { level: 0, t: 90, ratio: 0.5 },
      { level: 0, t: 100, ratio: 0.5 },
      { level: 1, t: 0, ratio: 0.5 },
      { level: 1, t: 100, ratio: 0.5 },
      { level: 2, t: 0, ratio: 1 },
    ]);
  });

  it('covers a range exactly with O(log n) nodes', () => {
    fc.assert(
      fc.property(fc.nat(1e6), fc.nat(2e5), (a, len) => {
        const range = { st: a * 10, et: (a + len + 1) * 10 };
        const cover = readCover(range, 6);
        let t = range.st;
        for (const n of cover) {
          expect(n.t).toBe(t);
          expect(n.t % levelDuration(n.level)).toBe(0);
          t += levelDuration(n.level);
        }
        expect(t).toBe(range.et);
        expect(cover.length).toBeLessThanOrEqual(2 * 9 * 6 + 9);
      }),
    );
  });

  it('picks the 24 h cover from coarse nodes', () => {
    const st = 1_700_000_000; // aligned to 10^5 s
    const cover = readCover({ st, et: st + 86_400 }, 6);
    expect(cover.filter((n) => n.level === 3)).toHaveLength(8);
    expect(cover).toHaveLength(8 + 6 + 4);
  });

  it('timeline delta: the largest 10 s x 10^k below range/1024, else 10 s', () => {
    expect(timelineLevel({ st: 0, et: 3600 }, 6)).toBe(0);
    expect(timelineLevel({ st: 0, et: 86_400 }, 6)).toBe(0);
    expect(timelineLevel({ st: 0, et: 7 * 86_400 }, 6)).toBe(1); // 590 s -> 100 s
    expect(timelineLevel({ st: 0, et: 365 * 86_400 }, 6)).toBe(3); // 30800 s -> 10000 s
    expect(timelineLevel({ st: 0, et: 365 * 86_400 }, 2)).toBe(2);
  });
});
