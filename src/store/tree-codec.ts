// Binary layout of a stored tree (our own, version 1):
//   byte 1 (version)
//   root:  value(self) uvarint(childCount)
//   child: uvarint(symbolId) value(self) uvarint(childCount), pre-order
// value(v) = uvarint(2v) for integers up to 2^52, else uvarint(1) + float64 LE: scaled partial-overlap
// writes produce fractions, and rounding them would break "children sum to the parent" across levels.
// Totals are not stored: they are the sum of self values below a node, recomputed on decode.
import { Tree, newNode, type TreeNode } from '../model/tree.js';
import { ByteReader, ByteWriter } from './varint.js';

export const TREE_CODEC_VERSION = 1;
const MAX_EXACT = 2 ** 52;

function writeValue(w: ByteWriter, v: number): void {
  if (Number.isInteger(v) && v >= 0 && v <= MAX_EXACT) w.uvarint(v * 2);
  else {
    w.uvarint(1);
    w.float64(v);
  }
}

function readValue(r: ByteReader): number {
  const n = r.uvarint();
  if (n === 1) return r.float64();
  if (n % 2 !== 0) throw new RangeError(`bad value tag ${n} at byte ${r.pos}`);
  return n / 2;
}

/** Serializes `tree`; `idOf` maps a frame name to its per-app symbol id (assigning new ids as needed). */
export function encodeTree(tree: Tree, idOf: (name: string) => number): Uint8Array {
  const w = new ByteWriter();
  w.byte(TREE_CODEC_VERSION);
  writeValue(w, tree.root.self);
  w.uvarint(tree.root.children.size);
  const stack: TreeNode[] = [...tree.root.children.values()].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    w.uvarint(idOf(node.name));
    writeValue(w, node.self);
    w.uvarint(node.children.size);
    const kids = [...node.children.values()];
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
  }
  return w.bytes();
}

/**
 * Decodes `buf` and merges it into `into`, multiplying every value by `scale`. Decoding straight into
 * the accumulator avoids one intermediate tree per stored node on the read path.
 * Returns the number of nodes decoded. Throws RangeError on a corrupt buffer.
 */
export function decodeTreeInto(into: Tree, buf: Uint8Array, names: readonly string[], scale = 1): number {
  const r = new ByteReader(buf);
  const version = r.byte();
  if (version !== TREE_CODEC_VERSION) throw new RangeError(`unknown tree codec version ${version}`);
  let count = 0;
  const readChildren = (target: TreeNode, n: number): number => {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const id = r.uvarint();
      const name = names[id];
      if (name === undefined) throw new RangeError(`unknown symbol id ${id} at byte ${r.pos}`);
      let child = target.children.get(name);
      if (child === undefined) {
        child = newNode(name);
        target.children.set(name, child);
      }
      count++;
      const self = readValue(r) * scale;
      const total = self + readChildren(child, r.uvarint());
      child.self += self;
      child.total += total;
      sum += total;
    }
    return sum;
  };
  const rootSelf = readValue(r) * scale;
  const total = rootSelf + readChildren(into.root, r.uvarint());
  into.root.self += rootSelf;
  into.root.total += total;
  if (!r.done) throw new RangeError(`trailing bytes at ${r.pos}`);
  return count;
}

export function decodeTree(buf: Uint8Array, names: readonly string[]): Tree {
  const t = new Tree();
  decodeTreeInto(t, buf, names);
  return t;
}

/** Node count excluding the root (what `maxNodes` limits). */
export function countNodes(tree: Tree): number {
  let n = 0;
  const stack: TreeNode[] = [tree.root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (const c of node.children.values()) {
      n++;
      stack.push(c);
    }
  }
  return n;
}
