import { describe, expect, it } from 'vitest';
import { Tree } from '../../../src/model/tree.js';
import { minValue, truncateTree } from '../../../src/model/truncate.js';

const treeB = () =>
  Tree.fromStacks([
    [['a', 'b'], 1],
    [['a', 'c'], 2],
    [['d'], 4],
  ]);

describe('minValue', () => {
  it('counts the root among the nodes, as OG does (totals 7, 4, 3, 2, 1)', () => {
    expect(minValue(treeB(), 1)).toBe(7);
    expect(minValue(treeB(), 3)).toBe(3);
    expect(minValue(treeB(), 4)).toBe(2);
    expect(minValue(treeB(), 5)).toBe(1);
  });
  it('is 0 for -1, for trees with fewer nodes than maxNodes, and for empty trees', () => {
    expect(minValue(treeB(), -1)).toBe(0);
    expect(minValue(treeB(), 6)).toBe(0);
    expect(minValue(new Tree(), 8192)).toBe(0);
  });
});

describe('truncateTree', () => {
  it('vector C as a tree: b folds into a;other', () => {
    const t = truncateTree(treeB(), 4);
    expect(Object.fromEntries(t.toFoldedMap())).toEqual({ 'a;c': 2, 'a;other': 1, d: 4 });
    expect(t.total).toBe(7);
  });
  it('merges an existing other child into the synthetic one', () => {
    const t = truncateTree(
      Tree.fromStacks([
        [['a', 'other'], 2],
        [['a', 'x'], 1],
        [['a', 'y'], 9],
      ]),
      3,
    );
    expect(Object.fromEntries(t.toFoldedMap())).toEqual({ 'a;other': 3, 'a;y': 9 });
  });
  it('copies the tree unchanged without truncation', () => {
    const t = truncateTree(treeB(), -1);
    expect(Object.fromEntries(t.toFoldedMap())).toEqual({ 'a;b': 1, 'a;c': 2, d: 4 });
  });
});
