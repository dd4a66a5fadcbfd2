// Diff flamebearer: both trees aligned name by name (a node missing on one side counts as 0),
// 7-tuples [lx, ltotal, lself, rx, rtotal, rself, nameIndex], delta x per side. Pure and iterative.
import { bytewise } from '../model/series-key.js';
import type { Tree, TreeNode } from '../model/tree.js';
import { createKeepRule } from '../model/truncate.js';
import { OTHER, createNameTable, deltaEncode, reverseTuples } from './flamebearer.js';

export interface DiffFlamebearer {
  names: string[];
  levels: number[][];
  /** Left total + right total. */
  numTicks: number;
  maxSelf: number;
  leftTicks: number;
  rightTicks: number;
}

interface Side {
  self: number;
  total: number;
}

interface PairNode {
  name: string;
  left: Side;
  right: Side;
  leftNode?: TreeNode;
  rightNode?: TreeNode;
}

const ZERO: Side = { self: 0, total: 0 };

/** Children of a pair, aligned by name and sorted bytewise. */
function pairChildren(p: PairNode): PairNode[] {
  const names = new Set<string>();
  for (const n of p.leftNode?.children.keys() ?? []) names.add(n);
  for (const n of p.rightNode?.children.keys() ?? []) names.add(n);
  return [...names].sort(bytewise).map((name) => {
    const l = p.leftNode?.children.get(name);
    const r = p.rightNode?.children.get(name);
    return { name, left: l ?? ZERO, right: r ?? ZERO, leftNode: l, rightNode: r };
  });
}

const rootPair = (left: Tree, right: Tree): PairNode => ({
  name: '',
  left: left.root,
  right: right.root,
  leftNode: left.root,
  rightNode: right.root,
});

interface Frame {
  pair: PairNode;
  lx: number;
  rx: number;
  level: number;
}

/** Encodes the diff of `left` and `right`; truncation ranks nodes by max(left, right) totals, as the single view (-1 = no truncation). */
export function encodeDiff(left: Tree, right: Tree, maxNodes: number): DiffFlamebearer {
  const wider = (p: PairNode) => Math.max(p.left.total, p.right.total);
  const rule = createKeepRule<PairNode>(rootPair(left, right), maxNodes, wider, pairChildren);
  const names = createNameTable();
  const levels: number[][] = [];
  let maxSelf = 0;
  const root = rootPair(left, right);
  rule.keep(root); // always shown, and counted in the budget
  const stack: Frame[] = [{ pair: root, lx: 0, rx: 0, level: 0 }];
  while (stack.length > 0) {
    const { pair, lx, rx, level } = stack.pop()!;
    if (level === levels.length) levels.push([]);
    const { left: l, right: r } = pair;
    levels[level].push(lx, l.total, l.self, rx, r.total, r.self, names.index(pair.name));
    maxSelf = Math.max(maxSelf, l.self, r.self);
    let clx = lx + l.self;
    let crx = rx + r.self;
    let otherL = 0;
    let otherR = 0;
    for (const child of pairChildren(pair)) {
      // Existing `other` children are folded like in the single view, so one `other` per parent.
      if (child.name === OTHER || !rule.keep(child)) {
        otherL += child.left.total;
        otherR += child.right.total;
        continue;
      }
      stack.push({ pair: child, lx: clx, rx: crx, level: level + 1 });
      clx += child.left.total;
      crx += child.right.total;
    }
    if (otherL > 0 || otherR > 0) {
      const synthetic: PairNode = {
        name: OTHER,
        left: { self: otherL, total: otherL },
        right: { self: otherR, total: otherR },
      };
      stack.push({ pair: synthetic, lx: clx, rx: crx, level: level + 1 });
    }
  }
  const out = reverseTuples(levels, 7);
  deltaEncode(out, 0, 7);
  deltaEncode(out, 3, 7);
  return {
    names: names.names,
    levels: out,
    numTicks: left.total + right.total,
    maxSelf,
    leftTicks: left.total,
    rightTicks: right.total,
  };
}
