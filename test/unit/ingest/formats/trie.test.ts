import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeTrie } from '../../../../src/ingest/formats/trie.js';
import { FUZZ_RUNS, encodeTrie, errorOf, folded, input, node, onlyTypedErrors } from './helpers.js';

const decode = (bytes: number[] | Uint8Array, limits = {}) => decodeTrie(input(Uint8Array.from(bytes), limits));

describe('decodeTrie', () => {
  it('decodes the spec vectors exactly', () => {
    const a = decodeTrie(input('\x00\x00\x01' + '\x06foo;ba\x00\x02' + '\x01r\x02\x00' + '\x01z\x03\x00'));
    expect(folded(a)).toEqual({ 'foo;bar': 2, 'foo;baz': 3 });
    expect(a[0].tree.total).toBe(5);
    expect(a[0].tree.root.children.get('foo')!.total).toBe(5);
    expect(a[0].metadata).toEqual({ spyName: 'gospy', sampleRate: 99, units: 'samples', aggregation: 'average' });
    expect(a[0].key).toEqual({ appName: 'app.cpu', labels: { env: 'test' } });
    const b = decodeTrie(input('\x00\x00\x01\x06foo;ba\x00\x02\x01r\x01\x00\x01z\x01\x00'));
    expect(folded(b)).toEqual({ 'foo;bar': 1, 'foo;baz': 1 });
  });

  it('returns nothing for an empty body', () => {
    expect(decode([])).toEqual([]);
  });

  it('concatenates fragments without a separator; `;` belongs to the fragments', () => {
    const body = [...node('', 0, 1), ...node('ma', 0, 2), ...node('in;a', 1, 1), ...node(';b', 2, 0), ...node('x', 3, 0)];
    expect(folded(decode(body))).toEqual({ 'main;a': 1, 'main;a;b': 2, max: 3 });
  });

  it('keeps a trailing `;` as an empty last frame, like a plain split', () => {
    expect(folded(decode([...node('', 0, 1), ...node('a;', 4, 0)]))).toEqual({ 'a;': 4 });
  });

  it('ignores a value on the empty root key', () => {
    expect(folded(decode([...node('', 7, 1), ...node('a', 1, 0)]))).toEqual({ a: 1 });
  });

  it('reassembles UTF-8 characters split across fragments', () => {
    const u = Buffer.from('\u00fc\u6f22', 'utf8'); // c3 bc e6 bc a2
    const body = [...node('', 0, 1), ...node(u.subarray(0, 1), 0, 1), ...node(u.subarray(1, 3), 0, 1), ...node(u.subarray(3), 5, 0)];
    expect(folded(decode(body))).toEqual({ '\u00fc\u6f22': 5 });
  });

  it('reads several top-level tries until EOF, as OG does', () => {
    const body = [...node('', 0, 1), ...node('a', 1, 0), ...node('', 0, 1), ...node('b', 2, 0)];
    expect(folded(decode(body))).toEqual({ a: 1, b: 2 });
  });

  it.each([
    ['truncated fragment', [...node('', 0, 1), 5, 0x66, 0x67], 'trie: byte 4: fragment of 5 bytes runs past the end of the body (2 bytes left)'],
    ['truncated uvarint', [...node('', 0, 1), 1, 0x66, 0x80], 'trie: byte 5: truncated uvarint (value)'],
    ['missing children', [...node('', 0, 3), ...node('a', 1, 0), ...node('b', 1, 0)], 'trie: byte 0: child count 3 needs at least 9 more bytes, 8 left'],
    ['child count too large', [...node('', 0, 1), ...node('a', 1, 2 ** 40)], 'trie: byte 3: child count 1099511627776 needs at least 3298534883328 more bytes, 0 left'],
    ['uvarint over 10 bytes', [...Array(10).fill(0x80), 0], 'trie: byte 0: uvarint (fragment length) longer than 10 bytes'],
    ['uvarint above 2^53', [0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10, 0], 'trie: byte 1: uvarint (value) exceeds 2^53-1'],
    ['value overflow', [...node('', 0, 2), ...node('a', 2 ** 53 - 1, 0), ...node('b', 1, 0)], 'trie: byte 0: sum of values exceeds 2^53-1'],
  ])('rejects %s with 422 and the byte offset', (_what, bytes, message) => {
    const e = errorOf(() => decode(bytes as number[]));
    expect(e.code).toBe('malformed_body');
    expect(e.status).toBe(422);
    expect(e.message).toBe(message);
  });

  it('rejects stacks deeper than maxStackDepth, without recursion for deep nesting', () => {
    const chain = (depth: number, fragment: string) => {
      const out = [...node('', 0, 1)];
      for (let i = 1; i <= depth; i++) out.push(...node(fragment, i === depth ? 1 : 0, i === depth ? 0 : 1));
      return out;
    };
    expect(folded(decode(chain(4, 'f;'), { maxStackDepth: 5 }))).toEqual({ 'f;f;f;f;': 1 });
    expect(errorOf(() => decode(chain(5, 'f;'), { maxStackDepth: 5 })).message).toBe('trie: byte 23: stack deeper than 5 frames');
    // 100,000 nested nodes in one frame: no stack overflow, and the key is not rebuilt per node.
    const [p] = decode(chain(100_000, 'x'));
    expect(p.tree.root.children.get('x'.repeat(100_000))?.self).toBe(1);
  });

  it('charges expansion against maxDecompressedBytes (413)', () => {
    // A 2,000-byte unfinished frame shared by 1,000 children that each complete it: ~2 MB of names from ~10 KB.
    const body = [...node('', 0, 1), ...node('x'.repeat(2000), 0, 1000)];
    for (let i = 0; i < 1000; i++) body.push(...node(';', 1, 0));
    expect(folded(decode(body, { maxDecompressedBytes: 4 << 20 }))).toEqual({ [`${'x'.repeat(2000)};`]: 1000 });
    const e = errorOf(() => decode(body, { maxDecompressedBytes: 1 << 20 }));
    expect(e.code).toBe('decompressed_too_large');
    expect(e.status).toBe(413);
    expect(e.message).toMatch(/^trie: byte \d+: stack keys expand past the decompressed limit of 1048576 bytes$/);
  });

  it('round-trips random stacks, byte-per-node and radix-compressed', () => {
    const frame = fc.constantFrom('a', 'ab', 'main', '\u00fc', '\u6f22', 'x y', '');
    const stacks = fc.dictionary(
      fc.array(frame, { minLength: 1, maxLength: 6 }).map((fs) => fs.join(';')),
      fc.integer({ min: 1, max: 1_000_000 }),
      { maxKeys: 20 },
    );
    fc.assert(
      fc.property(stacks, fc.boolean(), (raw, radix) => {
        const want = Object.fromEntries(Object.entries(raw).filter(([k]) => k !== ''));
        expect(folded(decodeTrie(input(encodeTrie(want, radix))))).toEqual(want);
      }),
      { numRuns: 500 },
    );
  });

  it('only ever throws typed errors (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => onlyTypedErrors(() => decodeTrie(input(bytes, { maxStackDepth: 8, maxDecompressedBytes: 256 })))),
      { numRuns: FUZZ_RUNS },
    );
    const small = fc.array(fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constant(0x3b), fc.integer({ min: 0, max: 255 })), { maxLength: 64 });
    fc.assert(
      fc.property(small, (bytes) => onlyTypedErrors(() => decodeTrie(input(Uint8Array.from(bytes), { maxStackDepth: 8, maxDecompressedBytes: 256 })))),
      { numRuns: FUZZ_RUNS },
    );
  });
});
