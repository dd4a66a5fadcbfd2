import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Tree } from '../../../src/model/tree.js';
import { countNodes, decodeTree, decodeTreeInto, encodeTree, TREE_CODEC_VERSION } from '../../../src/store/tree-codec.js';

const tree = (m: Record<string, number>) => Tree.fromStacks(Object.entries(m).map(([k, v]) => [k.split(';'), v] as const));

function dictFor() {
  const names: string[] = [];
  const ids = new Map<string, number>();
  const idOf = (n: string) => {
    let id = ids.get(n);
    if (id === undefined) {
      id = names.length;
      names.push(n);
      ids.set(n, id);
    }
    return id;
  };
  return { names, idOf };
}

describe('tree codec', () => {
  it('round-trips a tree with totals recomputed, starting with the version byte', () => {
    const t = tree({ 'a;b': 1, 'a;c': 2, d: 4, a: 5 });
    const { names, idOf } = dictFor();
    const buf = encodeTree(t, idOf);
    expect(buf[0]).toBe(TREE_CODEC_VERSION);
    const back = decodeTree(buf, names);
    expect(Object.fromEntries(back.toFoldedMap())).toEqual({ 'a;b': 1, 'a;c': 2, d: 4, a: 5 });
    expect(back.total).toBe(12);
    expect(back.root.children.get('a')!.total).toBe(8);
    expect(names.sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('keeps fractional values exactly and large integers compactly', () => {
    const t = new Tree();
    t.insertStack(['x'], 1 / 3);
    t.insertStack(['y'], 2 ** 40);
    const { names, idOf } = dictFor();
    const buf = encodeTree(t, idOf);
    const back = decodeTree(buf, names);
    expect(back.toFoldedMap().get('x')).toBe(1 / 3);
    expect(back.toFoldedMap().get('y')).toBe(2 ** 40);
    expect(buf.length).toBeLessThan(1 + 2 + 2 + 9 + 1 + 7 + 1 + 2);
  });

  it('decodes into an accumulator with a scale', () => {
    const { names, idOf } = dictFor();
    const buf = encodeTree(tree({ 'a;b': 4 }), idOf);
    const acc = tree({ 'a;b': 1, c: 1 });
    expect(decodeTreeInto(acc, buf, names, 0.5)).toBe(2);
    expect(Object.fromEntries(acc.toFoldedMap())).toEqual({ 'a;b': 3, c: 1 });
    expect(acc.total).toBe(4);
  });

  it('rejects corrupt input', () => {
    const { names, idOf } = dictFor();
    const buf = encodeTree(tree({ 'a;b': 4 }), idOf);
    expect(() => decodeTree(Uint8Array.of(9, 0, 0), names)).toThrow(/version 9/);
    expect(() => decodeTree(buf.subarray(0, buf.length - 1), names)).toThrow(RangeError);
    expect(() => decodeTree(buf, [])).toThrow(/unknown symbol id/);
    expect(() => decodeTree(Uint8Array.of(...buf, 0), names)).toThrow(/trailing/);
  });

  it('round-trips arbitrary trees (property)', () => {
    const stack = fc.array(fc.constantFrom('a', 'b', 'c', 'other', 'ü'), { minLength: 0, maxLength: 5 });
    fc.assert(
      fc.property(fc.array(fc.tuple(stack, fc.nat(1e9)), { maxLength: 30 }), (stacks) => {
        const t = Tree.fromStacks(stacks);
        const { names, idOf } = dictFor();
        const back = decodeTree(encodeTree(t, idOf), names);
        expect(back.toFoldedMap()).toEqual(t.toFoldedMap());
        expect(back.total).toBe(t.total);
        expect(countNodes(back)).toBe(countNodes(t));
      }),
    );
  });
});
