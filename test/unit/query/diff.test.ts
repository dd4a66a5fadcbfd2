import { describe, expect, it } from 'vitest';
import { Tree } from '../../../src/model/tree.js';
import { encodeDiff } from '../../../src/query/diff.js';

const tree = (stacks: Record<string, number>) => Tree.fromStacks(Object.entries(stacks).map(([k, v]) => [k.split(';'), v] as const));

// Derived by hand: left = tree B, right = {a;b 3, e 2}. Root children in name order a, d, e are visited
// right to left (e, d, a), so their name indices are 1, 2, 3; under a, c then b.
const left = () => tree({ 'a;b': 1, 'a;c': 2, d: 4 });
const right = () => tree({ 'a;b': 3, e: 2 });

describe('encodeDiff', () => {
  it('aligns both trees and delta-encodes each side separately', () => {
    expect(encodeDiff(left(), right(), -1)).toEqual({
      names: ['total', 'e', 'd', 'a', 'c', 'b'],
      levels: [
        [0, 7, 0, 0, 5, 0, 0],
        [0, 3, 0, 0, 3, 0, 3, 0, 4, 4, 0, 0, 0, 2, 0, 0, 0, 0, 2, 2, 1],
        [0, 1, 1, 0, 3, 3, 5, 0, 2, 2, 0, 0, 0, 4],
      ],
      numTicks: 12,
      maxSelf: 4,
      leftTicks: 7,
      rightTicks: 5,
    });
  });

  it('truncates by max(left, right) totals to at most maxNodes nodes: 3 keeps total, d (4) and a (3); b ties a at 3 and folds', () => {
    expect(encodeDiff(left(), right(), 3)).toEqual({
      names: ['total', 'other', 'd', 'a'],
      levels: [
        [0, 7, 0, 0, 5, 0, 0],
        [0, 3, 0, 0, 3, 0, 3, 0, 4, 4, 0, 0, 0, 2, 0, 0, 0, 0, 2, 2, 1],
        [0, 3, 3, 0, 3, 3, 1],
      ],
      numTicks: 12,
      maxSelf: 4,
      leftTicks: 7,
      rightTicks: 5,
    });
  });

  it('diffs two empty trees', () => {
    expect(encodeDiff(new Tree(), new Tree(), 8192)).toMatchObject({
      names: ['total'],
      levels: [[0, 0, 0, 0, 0, 0, 0]],
      numTicks: 0,
    });
  });
});
