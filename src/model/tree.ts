// A call tree: the in-memory shape of every profile between decoding, storage and query.
// Children are kept in a Map for O(1) inserts; anything that needs an order sorts names bytewise.

export interface TreeNode {
  name: string;
  self: number;
  total: number;
  children: Map<string, TreeNode>;
}

export const newNode = (name: string): TreeNode => ({ name, self: 0, total: 0, children: new Map() });

export class Tree {
  readonly root: TreeNode = newNode('');

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

  /** Every stack with a self value, root first. Order follows insertion; sort if you need a stable order. */
  *stacks(): Generator<{ frames: string[]; value: number }> {
    const path: string[] = [];
    function* walk(node: TreeNode): Generator<{ frames: string[]; value: number }> {
      if (node.self > 0) yield { frames: path.slice(), value: node.self };
      for (const child of node.children.values()) {
        path.push(child.name);
        yield* walk(child);
        path.pop();
      }
    }
    yield* walk(this.root);
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
  into.self += from.self * scale;
  into.total += from.total * scale;
  for (const [name, child] of from.children) {
    let target = into.children.get(name);
    if (target === undefined) {
      target = newNode(name);
      into.children.set(name, target);
    }
    mergeNode(target, child, scale);
  }
}
