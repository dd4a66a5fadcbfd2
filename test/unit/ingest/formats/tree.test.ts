import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeTree } from '../../../../src/ingest/formats/tree.js';
import { FUZZ_RUNS, encodeTree, errorOf, folded, input, node, onlyTypedErrors } from './helpers.js';

const decode = (bytes: number[] | Uint8Array, limits = {}) => decodeTree(input(Uint8Array.from(bytes), limits));
const SPEC = '\x00\x00\x01' + '\x03foo\x00\x02' + '\x03bar\x02\x00' + '\x03baz\x03\x00';

describe('decodeTree', () => {
  it('decodes the spec vector exactly', () => {
    const [p] = decodeTree(input(SPEC));
    expect(Object.fromEntries(p.tree.toFoldedMap())).toEqual({ 'foo;bar': 2, 'foo;baz': 3 });
    expect(p.tree.total).toBe(5);
    const foo = p.tree.root.children.get('foo')!;
    expect(foo.total).toBe(5);
    expect(foo.self).toBe(0);
    expect(p.key.appName).toBe('app.cpu');
    expect(p.metadata).toEqual({ spyName: 'gospy', sampleRate: 99, units: 'samples', aggregation: 'average' });
  });

  it('returns nothing for an empty body', () => {
    expect(decode([])).toEqual([]);
  });

  it('ignores the root name whatever it holds (docs/compatibility.md#32)', () => {
    for (const root of ['', 'root', 'x'.repeat(300), '\u00fc;weird']) {
      expect(folded(decodeTree(input(encodeTree({ 'a;b': 1, c: 2 }, root))))).toEqual({ 'a;b': 1, c: 2 });
    }
  });

  it('counts self on inner nodes, merges duplicate siblings and ignores a value on the root', () => {
    const body = [...node('', 9, 2), ...node('a', 1, 1), ...node('b', 2, 0), ...node('a', 3, 0)];
    expect(folded(decode(body))).toEqual({ a: 4, 'a;b': 2 });
  });

  it('decodes UTF-8 names and large values', () => {
    const big = Number.MAX_SAFE_INTEGER - 1;
    expect(folded(decode([...node('', 0, 1), ...node('\u6f22\u5b57', big, 0)]))).toEqual({ '\u6f22\u5b57': big });
  });

  it.each([
    ['truncated name', [...node('', 0, 1), 5, 0x66, 0x67], 'tree: byte 4: node name of 5 bytes runs past the end of the body (2 bytes left)'],
    ['truncated uvarint', [...node('', 0, 1), 1, 0x66, 0x80], 'tree: byte 5: truncated uvarint (self value)'],
    ['missing child', [...node('', 0, 2), ...node('a', 1, 0)], 'tree: byte 0: child count 2 needs at least 6 more bytes, 4 left'],
    ['child count too large', [...node('', 0, 1), ...node('a', 1, 1000)], 'tree: byte 3: child count 1000 needs at least 3000 more bytes, 0 left'],
    ['uvarint over 10 bytes', [0, 0, 1, 1, 0x61, ...Array(10).fill(0x80), 0], 'tree: byte 5: uvarint (self value) longer than 10 bytes'],
    ['uvarint above 2^53', [0, 0, 1, 1, 0x61, ...[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x10], 0], 'tree: byte 5: uvarint (self value) exceeds 2^53-1'],
    ['trailing bytes', [...node('', 0, 1), ...node('a', 1, 0), 7, 7], "tree: byte 7: 2 unexpected bytes after the root node's subtree"],
    ['self sum overflow', [...node('', 0, 2), ...node('a', 2 ** 53 - 1, 0), ...node('a', 5, 0)], 'tree: byte 14: self value sum exceeds 2^53-1'],
    ['total overflow', [...node('', 0, 2), ...node('a', 2 ** 53 - 1, 0), ...node('b', 5, 0)], 'tree: byte 0: sum of self values exceeds 2^53-1'],
  ])('rejects %s with 422 and the byte offset', (_what, bytes, message) => {
    const e = errorOf(() => decode(bytes as number[]));
    expect(e.code).toBe('malformed_body');
    expect(e.status).toBe(422);
    expect(e.message).toBe(message);
  });

  it('rejects nesting deeper than maxStackDepth without recursion', () => {
    const chain = (depth: number) => {
      const out = [...node('', 0, 1)];
      for (let i = 1; i <= depth; i++) out.push(...node('f', i === depth ? 1 : 0, i === depth ? 0 : 1));
      return out;
    };
    expect(folded(decode(chain(5), { maxStackDepth: 5 }))).toEqual({ 'f;f;f;f;f': 1 });
    expect(errorOf(() => decode(chain(6), { maxStackDepth: 5 })).message).toBe('tree: byte 23: node nested deeper than 5 frames');
    // 200,000 levels: far past any JS stack, still a clean 422.
    expect(errorOf(() => decode(chain(200_000))).message).toContain('node nested deeper than 2048 frames');
  });

  it('round-trips random trees', () => {
    const frame = fc.constantFrom('a', 'b', 'main', '\u00fc', 'x y', '');
    const stacks = fc.dictionary(
      fc.array(frame, { minLength: 1, maxLength: 6 }).map((fs) => fs.join(';')),
      fc.integer({ min: 1, max: 1_000_000 }),
      { maxKeys: 20 },
    );
    fc.assert(
      fc.property(stacks, fc.string({ maxLength: 5 }), (want, rootName) => {
        const got = decodeTree(input(encodeTree(want, rootName)));
        expect(folded(got)).toEqual(want);
        expect(got[0].tree.total).toBe(Object.values(want).reduce((a, b) => a + b, 0));
      }),
      { numRuns: 500 },
    );
  });

  it('only ever throws typed errors (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => onlyTypedErrors(() => decodeTree(input(bytes, { maxStackDepth: 8 })))),
      { numRuns: FUZZ_RUNS },
    );
    // Mostly small varints, so more inputs get past the first node.
    const small = fc.array(fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 255 })), { maxLength: 64 });
    fc.assert(
      fc.property(small, (bytes) => onlyTypedErrors(() => decodeTree(input(Uint8Array.from(bytes), { maxStackDepth: 8 })))),
      { numRuns: FUZZ_RUNS },
    );
  });
});
