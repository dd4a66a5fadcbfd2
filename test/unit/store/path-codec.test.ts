import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tree } from '../../../src/model/tree.js';
import { truncateTree } from '../../../src/model/truncate.js';
import {
  PATH_CODEC_VERSION,
  addEntries,
  decodeSelfsInto,
  encodeSelfs,
  encodeSortedEntries,
  nodeCount,
  selfsToTree,
  treeEntries,
  type Selfs,
} from '../../../src/store/path-codec.js';
import { createTruncateScratch, truncateSelfs, truncatedEntries } from '../../../src/store/path-truncate.js';
import type { AppPaths } from '../../../src/store/path-dict.js';

const tree = (m: Record<string, number>) => Tree.fromStacks(Object.entries(m).map(([k, v]) => [k.split(';'), v] as const));

/** The dictionary in memory, as path-dict keeps it after loading. */
function memoryPaths(): AppPaths {
  const parent = [-1];
  const sym = [-1];
  const depth = [0];
  const names: string[] = [];
  const symIds = new Map<string, number>();
  const kids = new Map<string, number>();
  return {
    parent,
    sym,
    depth,
    names,
    findChild: (p, s) => kids.get(`${p}:${s}`),
    childId(p, name) {
      let s = symIds.get(name);
      if (s === undefined) symIds.set(name, (s = names.push(name) - 1));
      let id = kids.get(`${p}:${s}`);
      if (id === undefined) {
        id = parent.push(p) - 1;
        sym.push(s);
        depth.push(depth[p] + 1);
        kids.set(`${p}:${s}`, id);
      }
      return id;
    },
  };
}

const selfsOf = (t: Tree, paths: AppPaths, scale = 1): Selfs => {
  const s: Selfs = new Map();
  addEntries(s, treeEntries(t, paths), scale);
  return s;
};
const scratch = () => ({ mark: new Uint32Array(4), gen: 0 });

describe('path codec', () => {
  it('round-trips a tree through paths and bytes, with totals recomputed', () => {
    const paths = memoryPaths();
    const t = tree({ 'a;b': 1, 'a;c': 2, d: 4, a: 5 });
    const buf = encodeSelfs(selfsOf(t, paths));
    expect(buf[0]).toBe(PATH_CODEC_VERSION);
    const back: Selfs = new Map();
    decodeSelfsInto(back, buf, paths.parent.length - 1);
    const out = selfsToTree(back, paths);
    expect(Object.fromEntries(out.toFoldedMap())).toEqual({ 'a;b': 1, 'a;c': 2, d: 4, a: 5 });
    expect(out.total).toBe(12);
    expect(out.root.children.get('a')!.total).toBe(8);
    // 4 entries (a, a;b, a;c, d): one small delta and one value byte each
    expect(buf.length).toBe(2 + 4 * 2);
  });

  it('merges by adding self values per path, scaled, and reuses path ids across trees', () => {
    const paths = memoryPaths();
    const s = selfsOf(tree({ 'a;b': 4, c: 1 }), paths, 0.5);
    addEntries(s, treeEntries(tree({ 'a;b': 1, 'a;x': 3 }), paths));
    expect(paths.parent.length).toBe(5); // root, a, a;b, c, a;x
    expect(Object.fromEntries(selfsToTree(s, paths).toFoldedMap())).toEqual({ 'a;b': 3, c: 0.5, 'a;x': 3 });
    const buf = encodeSelfs(s);
    const acc: Selfs = new Map([[2, 1]]); // path 2 is c (ids follow the walk: a, c, a;b)
    decodeSelfsInto(acc, buf, 4);
    expect(acc.get(2)).toBe(1.5);
  });

  it('keeps fractions exactly and the root self value', () => {
    const paths = memoryPaths();
    const t = new Tree();
    t.insertStack([], 7);
    t.insertStack(['x'], 1 / 3);
    t.insertStack(['y'], 2 ** 40);
    const back: Selfs = new Map();
    decodeSelfsInto(back, encodeSelfs(selfsOf(t, paths)), 10);
    const out = selfsToTree(back, paths);
    expect(out.root.self).toBe(7);
    expect(out.toFoldedMap().get('x')).toBe(1 / 3);
    expect(out.toFoldedMap().get('y')).toBe(2 ** 40);
    expect(out.total).toBe(7 + 1 / 3 + 2 ** 40);
  });

  it('counts implied tree nodes and truncates like the shared tree truncation', () => {
    const paths = memoryPaths();
    const t = tree({ big: 100, mid: 50, small: 1, tiny: 2, 'deep;er;still': 5 });
    const s = selfsOf(t, paths);
    expect(nodeCount(s, paths, scratch())).toBe(7);
    const cut = truncateSelfs(s, paths, 3);
    expect(Object.fromEntries(selfsToTree(cut, paths).toFoldedMap())).toEqual(Object.fromEntries(truncateTree(t, 3).toFoldedMap()));
    expect(nodeCount(cut, paths, scratch())).toBe(3);
  });

  it('truncates self values exactly as truncateTree does on the rebuilt tree (property)', () => {
    // Few frame names and small values: deep shared prefixes, existing `other` frames and many tied totals.
    const stack = fc.array(fc.constantFrom('a', 'b', 'c', 'other'), { minLength: 0, maxLength: 6 });
    const sorted = (m: Selfs) => [...m].sort((x, y) => x[0] - y[0]);
    const truncScratch = createTruncateScratch();
    fc.assert(
      fc.property(
        fc.array(fc.tuple(stack, fc.integer({ min: 1, max: 20 })), { maxLength: 40 }),
        fc.integer({ min: 0, max: 40 }),
        fc.boolean(),
        fc.boolean(),
        (stacks, maxNodes, half, sparse) => {
          const paths = memoryPaths();
          // Paths of other profiles first: the node's ids are then sparse in the dictionary (sorted, not scanned).
          if (sparse) for (let i = 0; i < 3000; i++) paths.childId(0, `pad${i}`);
          const t = Tree.fromStacks(stacks);
          const s = selfsOf(t, paths, half ? 0.5 : 1);
          const expected: Selfs = new Map();
          if (nodeCount(s, paths, scratch()) > maxNodes) addEntries(expected, treeEntries(truncateTree(selfsToTree(s, paths), maxNodes), paths));
          else for (const [k, v] of s) expected.set(k, v);
          expect(sorted(truncateSelfs(s, paths, maxNodes, truncScratch))).toEqual(sorted(expected));
          // The write path encodes the entries directly: they must already be in ascending, unique id order.
          const cut = truncatedEntries(s, paths, maxNodes, truncScratch);
          if (cut !== undefined) expect(encodeSortedEntries(cut)).toEqual(encodeSelfs(expected));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('rejects corrupt input with a RangeError saying where', () => {
    const paths = memoryPaths();
    const buf = encodeSelfs(selfsOf(tree({ 'a;b': 4 }), paths));
    const into = () => new Map<number, number>();
    expect(() => decodeSelfsInto(into(), Uint8Array.of(1, 0), 9)).toThrow(/version 1/);
    expect(() => decodeSelfsInto(into(), buf.subarray(0, buf.length - 1), 9)).toThrow(RangeError);
    expect(() => decodeSelfsInto(into(), buf, 1)).toThrow(/unknown path id 2/);
    expect(() => decodeSelfsInto(into(), Uint8Array.of(...buf, 0), 9)).toThrow(/trailing/);
    expect(() => decodeSelfsInto(into(), Uint8Array.of(2, 1, 1, 3), 9)).toThrow(/bad value tag 3/);
  });

  it('round-trips arbitrary trees, node counts included (property)', () => {
    const stack = fc.array(fc.constantFrom('a', 'b', 'c', 'other', 'ü'), { minLength: 0, maxLength: 5 });
    fc.assert(
      fc.property(fc.array(fc.tuple(stack, fc.nat(1e9)), { maxLength: 30 }), (stacks) => {
        const paths = memoryPaths();
        const t = Tree.fromStacks(stacks);
        const back: Selfs = new Map();
        decodeSelfsInto(back, encodeSelfs(selfsOf(t, paths)), paths.parent.length - 1);
        const out = selfsToTree(back, paths);
        expect(out.toFoldedMap()).toEqual(t.toFoldedMap());
        expect(out.total).toBe(t.total);
        let n = 0;
        const walk = [t.root];
        while (walk.length) {
          for (const c of walk.pop()!.children.values()) {
            n++;
            walk.push(c);
          }
        }
        expect(nodeCount(back, paths, scratch())).toBe(n);
      }),
    );
  });
});
