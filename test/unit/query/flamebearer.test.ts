import { describe, expect, it } from 'vitest';
import { Tree } from '../../../src/model/tree.js';
import { encodeFlamebearer } from '../../../src/query/flamebearer.js';

const tree = (stacks: Record<string, number>) => Tree.fromStacks(Object.entries(stacks).map(([k, v]) => [k.split(';'), v] as const));

/** Decodes delta x back to absolute x, to check layout invariants independently of the encoder. */
function absolute(levels: number[][]): number[][] {
  return levels.map((l) => {
    const out = [...l];
    let prevEnd = 0;
    for (let i = 0; i < out.length; i += 4) {
      out[i] += prevEnd;
      prevEnd = out[i] + out[i + 1];
    }
    return out;
  });
}

describe('encodeFlamebearer', () => {
  it('vector A', () => {
    expect(encodeFlamebearer(tree({ 'foo;bar': 2, 'foo;baz': 3 }), -1)).toEqual({
      names: ['total', 'foo', 'baz', 'bar'],
      levels: [
        [0, 5, 0, 0],
        [0, 5, 0, 1],
        [0, 2, 2, 3, 0, 3, 3, 2],
      ],
      numTicks: 5,
      maxSelf: 3,
    });
  });

  it('vector B', () => {
    expect(encodeFlamebearer(tree({ 'a;b': 1, 'a;c': 2, d: 4 }), 8192)).toEqual({
      names: ['total', 'd', 'a', 'c', 'b'],
      levels: [
        [0, 7, 0, 0],
        [0, 3, 0, 2, 0, 4, 4, 1],
        [0, 1, 1, 4, 0, 2, 2, 3],
      ],
      numTicks: 7,
      maxSelf: 4,
    });
  });

  it('vector C: tree B with maxNodes 4 (minVal 2) folds b into `other` after the kept children', () => {
    expect(encodeFlamebearer(tree({ 'a;b': 1, 'a;c': 2, d: 4 }), 4)).toEqual({
      names: ['total', 'd', 'a', 'other', 'c'],
      levels: [
        [0, 7, 0, 0],
        [0, 3, 0, 2, 0, 4, 4, 1],
        [0, 2, 2, 4, 0, 1, 1, 3],
      ],
      numTicks: 7,
      maxSelf: 4,
    });
  });

  it('keeps at most maxNodes nodes when totals tie: a chain a;b;c 1 with maxNodes 1 is the root and one other', () => {
    const chain = tree({ 'a;b;c': 1 });
    expect(encodeFlamebearer(chain, 1)).toEqual({
      names: ['total', 'other'],
      levels: [
        [0, 1, 0, 0],
        [0, 1, 1, 1],
      ],
      numTicks: 1,
      maxSelf: 1,
    });
    expect(encodeFlamebearer(chain, 2)).toEqual({
      names: ['total', 'a', 'other'],
      levels: [
        [0, 1, 0, 0],
        [0, 1, 0, 1],
        [0, 1, 1, 2],
      ],
      numTicks: 1,
      maxSelf: 1,
    });
    expect(encodeFlamebearer(chain, 4).names).toEqual(['total', 'a', 'b', 'c']);
    // ties among siblings: the first in layout order (the stack visits right to left) win the budget
    const flat = encodeFlamebearer(tree({ x: 1, y: 1, z: 1 }), 3);
    expect(flat.names.length - 1).toBe(3); // total + 2 kept + other
    expect(flat.names).toContain('other');
  });

  it('folds an existing `other` child into the synthetic one even without truncation', () => {
    const fb = encodeFlamebearer(tree({ 'a;other': 5, 'a;x': 1, b: 1 }), -1);
    const abs = absolute(fb.levels);
    // level 2 under a: x at 0, then other (5) after it, although `other` < `x` bytewise
    const level2 = abs[2];
    expect(level2.length).toBe(8);
    expect([fb.names[level2[3]], level2[0], level2[1]]).toEqual(['x', 0, 1]);
    expect([fb.names[level2[7]], level2[4], level2[5]]).toEqual(['other', 1, 5]);
  });

  it('places self before children and children inside their parent', () => {
    const t = tree({ a: 3, 'a;b': 2, 'a;b;c': 1, 'a;d': 4, e: 5 });
    const fb = encodeFlamebearer(t, -1);
    const abs = absolute(fb.levels);
    expect(fb.numTicks).toBe(15);
    // a starts at 0 with self 3: its first child b must start at 3
    const l1 = abs[1];
    const l2 = abs[2];
    expect(fb.names[l1[3]]).toBe('a');
    expect(fb.names[l2[3]]).toBe('b');
    expect(l2[0]).toBe(3);
    expect(fb.names[l2[7]]).toBe('d');
    expect(l2[4]).toBe(3 + 3); // b: self 2 + c 1
  });

  it('renders an empty tree as a zero root', () => {
    expect(encodeFlamebearer(new Tree(), 8192)).toEqual({ names: ['total'], levels: [[0, 0, 0, 0]], numTicks: 0, maxSelf: 0 });
  });

  it('handles very deep trees without recursion', () => {
    const frames = Array.from({ length: 50_000 }, (_, i) => `f${i}`);
    const fb = encodeFlamebearer(Tree.fromStacks([[frames, 7]]), -1);
    expect(fb.levels.length).toBe(50_001);
    expect(fb.levels[50_000]).toEqual([0, 7, 7, 50_000]);
  });
});
