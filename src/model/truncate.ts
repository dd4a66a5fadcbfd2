// Truncation into `other` the original's way: the flamebearer and diff encoders use the threshold
// (minValue), and truncateTree is the reference the store's path-truncate.ts must agree with.
import { Tree, newNode, type TreeNode } from './tree.js';

/**
 * Generic form of `minValue` for any tree shape (the diff encoder walks two aligned trees at once).
 * The root counts as a node, as in OG (its `iterateWithTotal` starts at the root), so `maxNodes = 4`
 * on tree {a;b 1, a;c 2, d 4} gives 2 (totals 7, 4, 3, 2). Subtrees are pruned once their total cannot
 * enter the top set (a child's total never exceeds its parent's).
 */
export function minValueBy<N>(root: N, maxNodes: number, total: (n: N) => number, children: (n: N) => Iterable<N>): number {
  if (maxNodes < 0) return 0;
  if (maxNodes === 0) return Infinity;
  // A min-heap of the best `maxNodes` totals seen so far.
  const heap: number[] = [];
  const push = (v: number) => {
    heap.push(v);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (heap[p] <= heap[i]) break;
      [heap[p], heap[i]] = [heap[i], heap[p]];
      i = p;
    }
  };
  const replaceTop = (v: number) => {
    heap[0] = v;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && heap[l] < heap[m]) m = l;
      if (r < heap.length && heap[r] < heap[m]) m = r;
      if (m === i) break;
      [heap[m], heap[i]] = [heap[i], heap[m]];
      i = m;
    }
  };
  const stack: N[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const t = total(node);
    if (heap.length < maxNodes) push(t);
    else if (t > heap[0]) replaceTop(t);
    else continue; // neither this node nor its descendants can enter the top set
    for (const child of children(node)) stack.push(child);
  }
  // Fewer nodes than maxNodes: nothing is truncated.
  return heap.length < maxNodes ? 0 : heap[0];
}

/**
 * Decides, node by node, what a `maxNodes` truncation keeps: every node whose total is above `minVal`,
 * and nodes whose total equals it only while the budget lasts (the first ones asked, in the caller's
 * traversal order), so at most `maxNodes` nodes (root included) are kept even when totals tie. Without
 * the budget a chain of equal totals (`a;b;c 1`) kept every node whatever `maxNodes` said.
 */
export function createKeepRule<N>(root: N, maxNodes: number, total: (n: N) => number, children: (n: N) => Iterable<N>): { minVal: number; keep(n: N): boolean } {
  const minVal = minValueBy(root, maxNodes, total, children);
  if (minVal === 0) return { minVal, keep: () => true };
  // Nodes strictly above minVal (fewer than maxNodes); their subtrees are pruned at the first node that is not.
  let above = 0;
  const stack: N[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (total(n) <= minVal) continue;
    above++;
    for (const c of children(n)) stack.push(c);
  }
  let ties = maxNodes - above;
  return {
    minVal,
    keep(n) {
      const t = total(n);
      if (t > minVal) return true;
      if (t < minVal || ties <= 0) return false;
      ties--;
      return true;
    },
  };
}

/**
 * The smallest total among the `maxNodes` largest node totals (the root included), or 0 when
 * `maxNodes` is negative (-1 = no truncation) or the tree has fewer nodes than that.
 */
export function minValue(tree: Tree, maxNodes: number): number {
  return minValueBy<TreeNode>(
    tree.root,
    maxNodes,
    (n) => n.total,
    (n) => n.children.values(),
  );
}

/**
 * Returns a copy of `tree` where, per parent, the children with `total < minVal` and any existing
 * `other` child are folded into one `other` leaf (self = total = their sum). Iterative: trees from
 * deep recursion can be thousands of frames deep.
 */
export function truncateTree(tree: Tree, maxNodes: number): Tree {
  const minVal = minValue(tree, maxNodes);
  const out = new Tree();
  if (minVal === 0) {
    out.merge(tree);
    return out;
  }
  const work: [TreeNode, TreeNode][] = [[tree.root, out.root]];
  while (work.length > 0) {
    const [from, into] = work.pop()!;
    into.self = from.self;
    into.total = from.total;
    let other = 0;
    for (const child of from.children.values()) {
      if (child.total < minVal || child.name === 'other') {
        other += child.total;
        continue;
      }
      const copy = newNode(child.name);
      into.children.set(child.name, copy);
      work.push([child, copy]);
    }
    if (other > 0) {
      const node = newNode('other');
      node.self = other;
      node.total = other;
      into.children.set('other', node);
    }
  }
  return out;
}
