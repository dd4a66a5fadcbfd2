// Flamebearer encoding: a tree → names + per-level delta-encoded 4-tuples. Pure and
// iterative (recursive stacks from real programs can be thousands of frames deep).
import { bytewise } from '../model/series-key.js';
import type { Tree, TreeNode } from '../model/tree.js';
import { createKeepRule } from '../model/truncate.js';

export interface Flamebearer {
  names: string[];
  levels: number[][];
  numTicks: number;
  maxSelf: number;
}

export const OTHER = 'other';

/** Children of `node` in bytewise name order. */
export const sortedChildren = (node: TreeNode): TreeNode[] => [...node.children.values()].sort((a, b) => bytewise(a.name, b.name));

/** A name table where the first name added (the root) is shown as `total`; later names keep first-visit order. */
export function createNameTable(): { index(name: string): number; names: string[] } {
  const names: string[] = [];
  const seen = new Map<string, number>();
  return {
    names,
    index(name) {
      let i = seen.get(name);
      if (i === undefined) {
        i = names.length;
        seen.set(name, i);
        names.push(i === 0 ? 'total' : name);
      }
      return i;
    },
  };
}

/**
 * Per level, turns absolute x into `x - prevEnd` (prevEnd = previous tuple's absolute x + total) for the
 * field at `start` in tuples of `step` numbers; `start + 1` must be that side's total.
 */
export function deltaEncode(levels: number[][], start: number, step: number): void {
  for (const level of levels) {
    let prevEnd = 0;
    for (let i = start; i < level.length; i += step) {
      const x = level[i];
      level[i] = x - prevEnd;
      prevEnd = x + level[i + 1];
    }
  }
}

/**
 * Tuples were appended right to left (OG's stack order); flips each level to left to right while keeping
 * each tuple's fields in order.
 */
export function reverseTuples(levels: number[][], step: number): number[][] {
  return levels.map((level) => {
    const out = new Array<number>(level.length);
    const n = level.length / step;
    for (let t = 0; t < n; t++) {
      for (let f = 0; f < step; f++) out[(n - 1 - t) * step + f] = level[t * step + f];
    }
    return out;
  });
}

interface Frame {
  node: TreeNode;
  x: number;
  level: number;
}

/**
 * Encodes `tree` truncated to at most `maxNodes` of its nodes (root included; -1 = all), the largest
 * totals first (ties: first in layout order), plus one `other` per parent holding what was folded.
 * `maxNodes = 1` gives the root and one `other`.
 */
export function encodeFlamebearer(tree: Tree, maxNodes: number): Flamebearer {
  const rule = createKeepRule<TreeNode>(
    tree.root,
    maxNodes,
    (n) => n.total,
    (n) => n.children.values(),
  );
  rule.keep(tree.root); // the root is always shown and takes its place in the budget
  const names = createNameTable();
  const levels: number[][] = [];
  let maxSelf = 0;
  const stack: Frame[] = [{ node: tree.root, x: 0, level: 0 }];
  while (stack.length > 0) {
    const { node, x, level } = stack.pop()!;
    const nameIndex = names.index(node.name);
    if (level === levels.length) levels.push([]);
    levels[level].push(x, node.total, node.self, nameIndex);
    if (node.self > maxSelf) maxSelf = node.self;
    // Children sit after the node's own self, in name order; pushing them in order makes the stack visit
    // them right to left, which is what gives OG its name-index order.
    let childX = x + node.self;
    let other = 0;
    for (const child of sortedChildren(node)) {
      if (child.name === OTHER || !rule.keep(child)) {
        other += child.total;
        continue;
      }
      stack.push({ node: child, x: childX, level: level + 1 });
      childX += child.total;
    }
    if (other > 0) {
      const synthetic: TreeNode = { name: OTHER, self: other, total: other, children: new Map() };
      stack.push({ node: synthetic, x: childX, level: level + 1 });
    }
  }
  const out = reverseTuples(levels, 4);
  deltaEncode(out, 0, 4);
  return { names: names.names, levels: out, numTicks: tree.total, maxSelf };
}
