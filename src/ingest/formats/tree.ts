// Format `tree`: pre-order nodes `uvarint(len) name uvarint(self) uvarint(childCount)`, one
// frame per node, no header. The root's name is ignored whatever it holds (docs/compatibility.md#32). Nodes are built
// straight into a Tree with an explicit stack (deep input cannot overflow the JS stack), totals are summed
// once at the end, and every length and count is checked against the bytes that are left.
import { DEFAULT_MAX_STACK_DEPTH, type ProfileDecoder } from '../../model/profile.js';
import type { NodeBudget } from '../../model/node-budget.js';
import { Tree, newNode, type TreeNode } from '../../model/tree.js';
import { toProfile } from './folded.js';
import { createByteReader, type ByteReader } from './uvarint.js';

const FORMAT = 'tree';

/** The smallest encoding of a node: three one-byte uvarints (empty name, self, childCount). */
export const MIN_NODE_BYTES = 3;

export function childOf(parent: TreeNode, name: string, budget?: NodeBudget): TreeNode {
  let child = parent.children.get(name);
  if (child === undefined) {
    budget?.take();
    child = newNode(name);
    parent.children.set(name, child);
  }
  return child;
}

/**
 * Sets every node's total to self plus its children's totals, iteratively, and drops nodes whose total is 0
 * (they carry no samples; Tree.insertStack never creates them either). Returns false when a sum is not a safe integer.
 */
export function computeTotals(root: TreeNode): boolean {
  const order: TreeNode[] = [root];
  for (let i = 0; i < order.length; i++) for (const child of order[i].children.values()) order.push(child);
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i];
    let total = node.self;
    let empty = 0;
    for (const child of node.children.values()) {
      total += child.total;
      if (child.total === 0) empty++;
    }
    if (empty > 0) for (const child of [...node.children.values()]) if (child.total === 0) node.children.delete(child.name);
    node.total = total;
  }
  return Number.isSafeInteger(root.total);
}

/** Tracks children announced but not yet read, so a huge childCount fails at once instead of at EOF. */
export function createPendingCounter(r: ByteReader) {
  let pending = 0;
  return {
    add(count: number, at: number) {
      pending += count;
      if (pending * MIN_NODE_BYTES > r.remaining()) {
        throw r.fail(`child count ${count} needs at least ${pending * MIN_NODE_BYTES} more bytes, ${r.remaining()} left`, at);
      }
    },
    take() {
      pending--;
    },
    get value() {
      return pending;
    },
  };
}

export const decodeTree: ProfileDecoder = (input) => {
  if (input.body.length === 0) return [];
  const maxDepth = input.limits.maxStackDepth ?? DEFAULT_MAX_STACK_DEPTH;
  const r = createByteReader(input.body, FORMAT);
  const pending = createPendingCounter(r);
  const tree = new Tree();

  r.utf8(r.uvarint('root name length'), 'root name');
  r.uvarint('root self'); // a value on the root has no frame to belong to
  const rootChildren = r.uvarint('root child count');
  pending.add(rootChildren, 0);

  const stack: { node: TreeNode; remaining: number }[] = [{ node: tree.root, remaining: rootChildren }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.remaining === 0) {
      stack.pop();
      continue;
    }
    top.remaining--;
    pending.take();
    const at = r.offset;
    if (stack.length > maxDepth) throw r.fail(`node nested deeper than ${maxDepth} frames`, at);
    const name = r.utf8(r.uvarint('name length'), 'node name');
    const self = r.uvarint('self value');
    const childCount = r.uvarint('child count');
    const node = childOf(top.node, name, input.limits.nodeBudget);
    node.self += self;
    if (!Number.isSafeInteger(node.self)) throw r.fail('self value sum exceeds 2^53-1', at);
    if (childCount > 0) {
      pending.add(childCount, at);
      stack.push({ node, remaining: childCount });
    }
  }
  if (!r.atEnd()) throw r.fail(`${r.remaining()} unexpected bytes after the root node's subtree`);
  if (!computeTotals(tree.root)) throw r.fail('sum of self values exceeds 2^53-1', 0);
  return toProfile(input, tree, FORMAT);
};
