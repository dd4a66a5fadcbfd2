import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StackHashSet } from '../../../../../src/ingest/formats/pprof/stack-hash-set.js';

describe('StackHashSet', () => {
  it('answers "new" exactly once per distinct pair of lanes, through growth', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: -8, max: 8 }), fc.integer()), { maxLength: 3000 }), (pairs) => {
        const set = new StackHashSet();
        const oracle = new Set<string>();
        for (const [a, b] of pairs) {
          // Few distinct first lanes: many keys share a slot and must still be told apart by the second.
          const fresh = !oracle.has(`${a},${b}`);
          oracle.add(`${a},${b}`);
          expect(set.add(a, b)).toBe(fresh);
        }
        expect(set.size).toBe(oracle.size);
      }),
      { numRuns: 50 },
    );
  });

  it('keeps both lanes whole: pairs equal in one lane only are distinct', () => {
    const set = new StackHashSet();
    for (let i = 0; i < 5000; i++) expect(set.add(7, i)).toBe(true);
    for (let i = 0; i < 5000; i++) expect(set.add(i, 7)).toBe(i === 7 ? false : true);
    expect(set.add(-1, -1)).toBe(true);
    expect(set.add(-1, -1)).toBe(false);
    expect(set.size).toBe(9_999 + 1);
  });
});
