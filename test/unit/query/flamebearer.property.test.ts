import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tree } from '../../../src/model/tree.js';
import { encodeDiff } from '../../../src/query/diff.js';
import { encodeFlamebearer } from '../../../src/query/flamebearer.js';

const stacksArb = fc.array(fc.tuple(fc.array(fc.constantFrom('a', 'b', 'c', 'other', 'z'), { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 50 })), { maxLength: 30 });

/** Absolute [x, total, self, name] tuples per level. */
function decode(levels: number[][], step: number, xAt: number): number[][][] {
  return levels.map((l) => {
    const out: number[][] = [];
    let prevEnd = 0;
    for (let i = 0; i < l.length; i += step) {
      const t = l.slice(i, i + step);
      t[xAt] += prevEnd;
      prevEnd = t[xAt] + t[xAt + 1];
      out.push(t);
    }
    return out;
  });
}

/** Every tuple lies inside one tuple of the level above, after that parent's self, and siblings do not overlap. */
function checkNesting(levels: number[][][], xAt: number): void {
  for (let d = 1; d < levels.length; d++) {
    let prevEnd = -Infinity;
    for (const t of levels[d]) {
      const [x, total] = [t[xAt], t[xAt + 1]];
      expect(x).toBeGreaterThanOrEqual(prevEnd);
      prevEnd = x + total;
      const parent = levels[d - 1].find((p) => p[xAt] + p[xAt + 2] <= x && x + total <= p[xAt] + p[xAt + 1]);
      expect(parent, `depth ${d} x ${x}`).toBeDefined();
    }
  }
}

describe('flamebearer layout properties', () => {
  it('single: nesting holds, self sums to numTicks, and truncation never loses ticks', () => {
    fc.assert(
      fc.property(stacksArb, fc.constantFrom(-1, 1, 2, 3, 5, 8), (stacks, maxNodes) => {
        const fb = encodeFlamebearer(Tree.fromStacks(stacks), maxNodes);
        const levels = decode(fb.levels, 4, 0);
        checkNesting(levels, 0);
        const selfSum = levels.flat().reduce((s, t) => s + t[2], 0);
        expect(selfSum).toBe(fb.numTicks);
        expect(fb.names[0]).toBe('total');
        for (const t of levels.flat()) expect(t[3]).toBeLessThan(fb.names.length);
        // at most maxNodes nodes of the tree are shown (ties included), plus `other`s
        const shown = levels.flat().filter((t) => fb.names[t[3]] !== 'other').length;
        if (maxNodes > 0) expect(shown).toBeLessThanOrEqual(maxNodes);
      }),
    );
  });

  it('diff: each side nests and sums to its own total', () => {
    fc.assert(
      fc.property(stacksArb, stacksArb, fc.constantFrom(-1, 2, 4), (l, r, maxNodes) => {
        const fb = encodeDiff(Tree.fromStacks(l), Tree.fromStacks(r), maxNodes);
        for (const [xAt, ticks] of [
          [0, fb.leftTicks],
          [3, fb.rightTicks],
        ] as const) {
          const levels = decode(fb.levels, 7, xAt);
          checkNesting(levels, xAt);
          expect(levels.flat().reduce((s, t) => s + t[xAt + 2], 0)).toBe(ticks);
        }
      }),
    );
  });
});
