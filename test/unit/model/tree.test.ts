import { describe, expect, it } from 'vitest';
import { Tree } from '../../../src/model/tree.js';

describe('Tree', () => {
  it('inserts, totals and lists stacks in insertion order', () => {
    const t = Tree.fromStacks([
      [['a', 'b'], 1],
      [['a', 'c'], 2],
      [['a'], 3],
      [['d'], 4],
      [['x'], 0],
    ]);
    expect(t.total).toBe(10);
    expect([...t.stacks()]).toEqual([
      { frames: ['a'], value: 3 },
      { frames: ['a', 'b'], value: 1 },
      { frames: ['a', 'c'], value: 2 },
      { frames: ['d'], value: 4 },
    ]);
  });

  it('merges with a scale', () => {
    const t = Tree.fromStacks([[['a', 'b'], 2]]);
    t.merge(
      Tree.fromStacks([
        [['a', 'b'], 4],
        [['c'], 2],
      ]),
      0.5,
    );
    expect(Object.fromEntries(t.toFoldedMap())).toEqual({ 'a;b': 4, c: 1 });
    expect(t.total).toBe(5);
  });

  it('handles stacks far deeper than the JS call stack', () => {
    const frames = Array.from({ length: 100_000 }, (_, i) => `f${i}`);
    const t = Tree.fromStacks([[frames, 7]]);
    const copy = new Tree();
    copy.merge(t);
    const stacks = [...copy.stacks()];
    expect(stacks).toHaveLength(1);
    expect(stacks[0].frames).toHaveLength(100_000);
    expect(stacks[0].value).toBe(7);
  });
});
