// Stored segment nodes as self values per call path (see path-dict.ts). Binary layout, version 2:
//   byte 2 (version), uvarint(entryCount), then per entry in ascending pathId order:
//   uvarint(pathId - previous pathId) value(self)
// value(v) = uvarint(2v) for integers 0..2^52, else uvarint(1) + float64 LE: scaled partial-overlap writes
// produce fractions, and rounding them would break "children sum to the parent" across levels.
// Totals are not stored: a node's total is the sum of self values on and below its path.
// Pure: the path dictionary is passed in.
import { Tree, newNode, type TreeNode } from '../model/tree.js';
import type { AppPaths } from './path-dict.js';
import { ByteReader, ByteWriter } from './varint.js';

export const PATH_CODEC_VERSION = 2;
const MAX_EXACT = 2 ** 52;

/** pathId -> self value: one segment node's content while it is being merged. */
export type Selfs = Map<number, number>;

/** A profile flattened to call paths once, then added to every node it touches. */
export interface Entries {
  ids: number[];
  values: number[];
}

/**
 * Flattens `tree` to (pathId, self) pairs, assigning path ids as needed. Leaves with no self value are
 * kept (with 0) so the node set survives the round trip; inner nodes are implied by their descendants.
 */
export function treeEntries(tree: Tree, paths: AppPaths): Entries {
  const ids: number[] = [];
  const values: number[] = [];
  if (tree.root.self !== 0) {
    ids.push(0);
    values.push(tree.root.self);
  }
  const nodes: TreeNode[] = [tree.root];
  const pids: number[] = [0];
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const pid = pids.pop()!;
    for (const child of node.children.values()) {
      const id = paths.childId(pid, child.name);
      if (child.self !== 0 || child.children.size === 0) {
        ids.push(id);
        values.push(child.self);
      }
      if (child.children.size > 0) {
        nodes.push(child);
        pids.push(id);
      }
    }
  }
  return { ids, values };
}

export function addEntries(into: Selfs, e: Entries, scale = 1): void {
  const { ids, values } = e;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    const v = scale === 1 ? values[i] : values[i] * scale;
    const old = into.get(id);
    into.set(id, old === undefined ? v : old + v);
  }
}

function writeValue(w: ByteWriter, v: number): void {
  if (Number.isInteger(v) && v >= 0 && v <= MAX_EXACT) w.uvarint(v * 2);
  else {
    w.uvarint(1);
    w.float64(v);
  }
}

export function encodeSelfs(selfs: Selfs): Uint8Array {
  const ids = Float64Array.from(selfs.keys()).sort();
  const values = new Array<number>(ids.length);
  for (let i = 0; i < ids.length; i++) values[i] = selfs.get(ids[i])!;
  return encodeSortedEntries({ ids: ids as unknown as number[], values });
}

/** Encodes entries whose ids are already ascending and unique (truncatedEntries' output). */
export function encodeSortedEntries(e: { readonly ids: ArrayLike<number>; readonly values: ArrayLike<number> }): Uint8Array {
  const { ids, values } = e;
  const w = new ByteWriter(16 + ids.length * 4);
  w.byte(PATH_CODEC_VERSION);
  w.uvarint(ids.length);
  let prev = 0;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    w.uvarint(id - prev);
    writeValue(w, values[i]);
    prev = id;
  }
  return w.bytes();
}

/** The entries of `buf` as arrays (for the decoded-node cache); same checks as decodeSelfsInto. */
export function decodeEntries(buf: Uint8Array, maxPathId: number): Entries {
  const acc: Selfs = new Map();
  decodeSelfsInto(acc, buf, maxPathId);
  return { ids: [...acc.keys()], values: [...acc.values()] };
}

/** Adds the entries of `buf` into `into`; `maxPathId` guards against ids the dictionary never stored. */
export function decodeSelfsInto(into: Selfs, buf: Uint8Array, maxPathId: number): void {
  const r = new ByteReader(buf);
  const version = r.byte();
  if (version !== PATH_CODEC_VERSION) throw new RangeError(`unknown segment node format version ${version}`);
  const n = r.uvarint();
  let id = 0;
  for (let i = 0; i < n; i++) {
    id += r.uvarint();
    if (id > maxPathId) throw new RangeError(`unknown path id ${id} at byte ${r.pos}`);
    const tag = r.uvarint();
    let v: number;
    if (tag === 1) v = r.float64();
    else if (tag % 2 !== 0) throw new RangeError(`bad value tag ${tag} at byte ${r.pos}`);
    else v = tag / 2;
    const old = into.get(id);
    into.set(id, old === undefined ? v : old + v);
  }
  if (!r.done) throw new RangeError(`trailing bytes at ${r.pos}`);
}

/** Tree nodes (root excluded) that `selfs` implies: its paths and all their ancestors. */
export function nodeCount(selfs: Selfs, paths: AppPaths, scratch: { mark: Uint32Array; gen: number }): number {
  let bound = 0;
  for (const id of selfs.keys()) bound += paths.depth[id];
  if (bound <= 0) return 0;
  if (scratch.mark.length < paths.parent.length) scratch.mark = new Uint32Array(paths.parent.length * 2);
  const mark = scratch.mark;
  const gen = (scratch.gen = (scratch.gen + 1) >>> 0 || 1);
  let n = 0;
  for (const start of selfs.keys()) {
    for (let p = start; p > 0 && mark[p] !== gen; p = paths.parent[p]) {
      mark[p] = gen;
      n++;
    }
  }
  return n;
}

/** Builds the call tree `selfs` describes, with totals summed bottom-up. */
export function selfsToTree(selfs: Selfs, paths: AppPaths): Tree {
  const tree = new Tree();
  const nodes = new Map<number, TreeNode>([[0, tree.root]]);
  const nodeOf = (id: number): TreeNode => {
    let node = nodes.get(id);
    if (node !== undefined) return node;
    // Create the missing part of the chain from the deepest existing ancestor down.
    const chain: number[] = [];
    let p = id;
    while (!nodes.has(p)) {
      chain.push(p);
      p = paths.parent[p];
    }
    let parent = nodes.get(p)!;
    for (let i = chain.length - 1; i >= 0; i--) {
      const name = paths.names[paths.sym[chain[i]]];
      node = newNode(name);
      parent.children.set(name, node);
      nodes.set(chain[i], node);
      parent = node;
    }
    return node!;
  };
  for (const [id, v] of selfs) {
    nodeOf(id).self += v;
    for (let p = id; p >= 0; p = paths.parent[p]) nodes.get(p)!.total += v;
  }
  return tree;
}
