import { describe, expect, it } from 'vitest';
import { Tree } from '../../../src/model/tree.js';
import { encodeCollapsed } from '../../../src/query/collapsed.js';

describe('encodeCollapsed', () => {
  it('prints one sorted line per stack with self', () => {
    const t = Tree.fromStacks([
      [['b', 'c'], 3],
      [['a'], 1],
      [['a', 'z'], 2],
      [['a', 'b'], 5],
    ]);
    expect(encodeCollapsed(t)).toBe('a 1\na;b 5\na;z 2\nb;c 3\n');
  });
  it('is empty for an empty tree', () => {
    expect(encodeCollapsed(new Tree())).toBe('');
  });
});
