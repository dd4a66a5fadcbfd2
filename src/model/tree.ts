// A call tree: the in-memory shape of every profile between decoding, storage and query.
// Children are kept in a Map for O(1) inserts; anything that needs an order sorts names bytewise.
import type { NodeBudget } from './node-budget.js';

export interface TreeNode {
  name: string;
  self: number;
  total: number;
  children: Map<string, TreeNode>;
}

export const newNode = (name: string): TreeNode => ({ name, self: 0, total: 0, children: new Map() });

export class Tree {
  readonly root: TreeNode = newNode('');

  /** `budget` is charged for every node insertStack creates (the per-request node limit of decoders). */
  constructor(private readonly budget?: NodeBudget) {}

  get total(): number {
    return this.root.total;
  }

  /** Adds `value` to the stack `frames` (root first). Zero and negative values are ignored. */
  insertStack(frames: readonly string[], value: number): void {
    if (!(value > 0)) return;
    let node = this.root;
    node.total += value;
    for (const frame of frames) {
      let child = node.children.get(frame);
      if (child === undefined) {
        this.budget?.take();
        child = newNode(frame);
        node.children.set(frame, child);
      }
      child.total += value;
      node = child;
    }
    node.self += value;
  }

  /** Merges `other` into this tree, multiplying its values by `scale` (used for partial time overlaps). */
  merge(other: Tree, scale = 1): void {
    mergeNode(this.root, other.root, scale);
  }

  /** Every stack with a self value, root first. Iterative, so arbitrarily deep trees cannot overflow the JS stack. */
  *stacks(): Generator<{ frames: string[]; value: number }> {
    const path: string[] = [];
    // Each entry is a node and the path depth it sits at; children are pushed in reverse to keep insertion order.
    const pending: [TreeNode, number][] = [[this.root, 0]];
    while (pending.length > 0) {
      const [node, depth] = pending.pop()!;
      path.length = depth;
      if (node !== this.root) path.push(node.name);
      if (node.self > 0) yield { frames: path.slice(), value: node.self };
      const children = [...node.children.values()];
      for (let i = children.length - 1; i >= 0; i--) pending.push([children[i], path.length]);
    }
  }

  /** `a;b;c` → value, handy in tests and the collapsed output. */
  toFoldedMap(separator = ';'): Map<string, number> {
    const out = new Map<string, number>();
    for (const { frames, value } of this.stacks()) {
      const key = frames.join(separator);
      out.set(key, (out.get(key) ?? 0) + value);
    }
    return out;
  }

  static fromStacks(stacks: Iterable<readonly [readonly string[], number]>): Tree {
    const t = new Tree();
    for (const [frames, value] of stacks) t.insertStack(frames, value);
    return t;
  }
}

function mergeNode(into: TreeNode, from: TreeNode, scale: number): void {
  const pending: [TreeNode, TreeNode][] = [[into, from]];
  while (pending.length > 0) {
    const [a, b] = pending.pop()!;
    a.self += b.self * scale;
    a.total += b.total * scale;
    for (const [name, child] of b.children) {
      let target = a.children.get(name);
      if (target === undefined) {
        target = newNode(name);
        a.children.set(name, target);
      }
      pending.push([target, child]);
    }
  }
}
