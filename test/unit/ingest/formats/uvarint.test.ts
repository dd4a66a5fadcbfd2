import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createByteReader, readUvarint } from '../../../../src/ingest/formats/uvarint.js';
import { FUZZ_RUNS, errorOf, onlyTypedErrors, uvarint } from './helpers.js';

describe('readUvarint', () => {
  it.each([
    [[0x00], 0],
    [[0x7f], 127],
    [[0x80, 0x01], 128],
    [[0xac, 0x02], 300],
    [[0xff, 0xff, 0xff, 0xff, 0x0f], 0xffffffff],
    [uvarint(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER],
    [[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], 0], // 10-byte non-canonical zero (Go accepts it)
  ])('%j -> %d', (bytes, value) => {
    expect(readUvarint(Uint8Array.from(bytes), 0, 'x')).toEqual({ value, next: bytes.length });
  });

  it('reads at an offset', () => {
    expect(readUvarint(Uint8Array.from([9, 9, 0xac, 0x02, 9]), 2, 'x')).toEqual({ value: 300, next: 4 });
  });

  it.each([
    [[], 'x: byte 0: truncated uvarint (count)'],
    [[0x80], 'x: byte 0: truncated uvarint (count)'],
    [Array(11).fill(0x80), 'x: byte 0: uvarint (count) longer than 10 bytes'],
    [uvarint(2n ** 53n), 'x: byte 0: uvarint (count) exceeds 2^53-1'],
    [uvarint(2n ** 64n - 1n), 'x: byte 0: uvarint (count) exceeds 2^53-1'],
  ])('rejects %j', (bytes, message) => {
    const e = errorOf(() => readUvarint(Uint8Array.from(bytes), 0, 'x', 'count'));
    expect(e.status).toBe(422);
    expect(e.message).toBe(message);
  });

  it('round-trips every safe integer it is given', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => {
        const b = Uint8Array.from(uvarint(n));
        expect(readUvarint(b, 0, 'x')).toEqual({ value: n, next: b.length });
      }),
      { numRuns: 2000 },
    );
  });

  it('only ever throws typed errors (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), (bytes) => onlyTypedErrors(() => readUvarint(bytes, 0, 'x'))),
      { numRuns: FUZZ_RUNS },
    );
  });
});

describe('createByteReader', () => {
  it('reads varints, strings and views, tracking the offset', () => {
    const body = Uint8Array.from([3, ...Buffer.from('abc'), 2, 0xc3, 0xbc, 0x80, 0x01, 2, 0xff, 0xfe]);
    const r = createByteReader(body, 'x');
    expect(r.utf8(r.uvarint('len'), 's')).toBe('abc');
    expect(r.utf8(r.uvarint('len'), 's')).toBe('\u00fc');
    expect(r.uvarint('n')).toBe(128);
    expect(r.offset).toBe(9);
    expect(r.remaining()).toBe(3);
    expect(r.latin1(r.uvarint('len'), 'raw')).toBe('\xff\xfe');
    expect(r.atEnd()).toBe(true);
  });

  it('rejects a length past the end with the offset', () => {
    const r = createByteReader(Uint8Array.from([5, 1, 2]), 'x');
    r.uvarint('len');
    expect(errorOf(() => r.bytes(5, 'name')).message).toBe('x: byte 1: name of 5 bytes runs past the end of the body (2 bytes left)');
    expect(r.fail('boom').message).toBe('x: byte 1: boom');
  });

  it('works on a view into a larger buffer', () => {
    const backing = Buffer.from([0xff, 0xff, 1, 0x61, 0xff]);
    const r = createByteReader(backing.subarray(2, 4), 'x');
    expect(r.utf8(r.uvarint('len'), 's')).toBe('a');
    expect(r.atEnd()).toBe(true);
  });
});
