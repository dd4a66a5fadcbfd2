import { describe, expect, it } from 'vitest';
import { createCumulativeBaselines } from '../../../../../src/ingest/formats/pprof/cumulative.js';
import { createPprofDecoder } from '../../../../../src/ingest/formats/pprof/decode.js';
import { indexProfile } from '../../../../../src/ingest/formats/pprof/profile-index.js';
import { ProtoReader } from '../../../../../src/ingest/formats/pprof/proto-reader.js';
import { walkSamples } from '../../../../../src/ingest/formats/pprof/sample-walker.js';
import { systemClock } from '../../../../../src/lib/clock.js';
import { PyrelayError } from '../../../../../src/model/errors.js';
import { input } from './reference.js';
import { encode, handProfile, varint, type Field } from './proto-writer.js';

const decode = createPprofDecoder({ baselines: createCumulativeBaselines({ clock: systemClock, windowMs: 1000, maxEntries: 10 }) });

function malformed(bytes: Uint8Array): string {
  try {
    decode(input(bytes));
  } catch (e) {
    expect(e).toBeInstanceOf(PyrelayError);
    expect((e as PyrelayError).status).toBe(422);
    return (e as PyrelayError).message;
  }
  throw new Error('expected a 422');
}

describe('ProtoReader varints', () => {
  it.each([0, 1, 127, 128, 300, 2 ** 28 - 1, 2 ** 28, 2 ** 31, 2 ** 32 + 5, 2 ** 53 - 1, -1, -2, -(2 ** 40)])('round-trips %d', (v) => {
    const r = new ProtoReader(Uint8Array.from(varint(v)));
    expect(r.varint()).toBe(v);
    expect(r.pos).toBe(r.end);
  });

  it('rejects varints longer than 10 bytes and truncated ones, with the offset', () => {
    expect(() => new ProtoReader(Uint8Array.from(Array(11).fill(0x80))).varint()).toThrow(/byte 0: varint longer than 10 bytes/);
    expect(() => new ProtoReader(Uint8Array.from([0x80, 0x80])).varint()).toThrow(/byte 2: truncated varint/);
  });
});

describe('pprof wire handling', () => {
  const stacksOf = (bytes: Uint8Array) => {
    const out: [string, number[], number[]][] = [];
    walkSamples(indexProfile(bytes), 'function', (s, v, l) => out.push([s.join(';'), [...v], [...l]]));
    return out;
  };

  it('packed and unpacked repeated fields decode the same', () => {
    const packed = stacksOf(handProfile({ packed: true }));
    expect(packed).toEqual([
      ['main;f', [7, 70], [7, 8]],
      ['main', [0, 5], []],
    ]);
    expect(stacksOf(handProfile({ packed: false }))).toEqual(packed);
  });

  it('skips unknown fields of every wire type, at top level and inside messages', () => {
    const unknown: Field[] = [
      { f: 100, varint: 2n ** 63n },
      { f: 101, i64: true },
      { f: 102, bytes: 'whatever' },
      { f: 103, i32: true },
    ];
    const got = stacksOf(handProfile({ packed: true, extra: unknown, sampleExtra: unknown }));
    expect(got).toEqual(stacksOf(handProfile({ packed: true })));
  });

  it('the decoder output for the hand-made profile: zero values add nothing', () => {
    const out = decode(input(handProfile({ packed: false })));
    expect(out.map((p) => [p.key.appName, p.key.labels, p.tree.total])).toEqual([['app.cpu', { k: 'v' }, 7]]);
  });

  it('a negative value or one past 2^53-1 is a 422 naming the sample and its type, as folded', () => {
    expect(malformed(handProfile({ packed: false, firstValue: -1 }))).toBe('pprof: sample #1: value -1 of sample type samples is negative');
    expect(malformed(handProfile({ packed: true, firstValue: -(2 ** 40) }))).toMatch(/sample #1: value -1099511627776 of sample type samples is negative/);
    expect(malformed(handProfile({ packed: false, firstValue: 2 ** 62 }))).toBe('pprof: sample #1: value of sample type samples exceeds 2^53-1');
  });

  it('rejects truncated bodies with the byte offset', () => {
    const good = handProfile({ packed: true });
    for (const cut of [1, 7, good.length - 1]) {
      expect(malformed(good.subarray(0, cut))).toMatch(/^pprof: byte \d+: /);
    }
  });

  it('rejects wrong wire types for known fields', () => {
    expect(malformed(encode([{ f: 1, varint: 3 }]))).toMatch(/Profile\.1 has wire type 0, expected 2/);
    expect(malformed(encode([{ f: 2, bytes: [{ f: 3, varint: 1 }] }]))).toMatch(/Sample\.3 has wire type 0, expected 2/);
    expect(malformed(encode([{ f: 2, bytes: [{ f: 1, i32: true }] }]))).toMatch(/Sample\.1 has wire type 5, expected 0 or 2/);
    expect(malformed(encode([{ f: 12, bytes: 'x' }]))).toMatch(/Profile\.12 has wire type 2, expected 0/);
  });

  it('rejects group wire types and lengths past the end', () => {
    expect(malformed(Uint8Array.from([(7 << 3) | 3]))).toMatch(/field 7 has unsupported wire type 3/);
    expect(malformed(Uint8Array.from([(2 << 3) | 2, 50, 1, 2]))).toMatch(/byte 1: length 50 runs past the end/);
    // A nested length that exceeds its parent message.
    expect(malformed(Uint8Array.from([(4 << 3) | 2, 3, (4 << 3) | 2, 9, 0]))).toMatch(/byte 3: length 9 runs past the end/);
  });

  it('rejects references out of range: strings, locations, functions, value counts', () => {
    const strs = (n: number): Field[] => ['', 'samples', 'count', 'f'].slice(0, n).map((s) => ({ f: 6, bytes: s }));
    const st: Field = {
      f: 1,
      bytes: [
        { f: 1, varint: 1 },
        { f: 2, varint: 2 },
      ],
    };
    const fn: Field = {
      f: 5,
      bytes: [
        { f: 1, varint: 1 },
        { f: 2, varint: 3 },
      ],
    };
    const loc: Field = {
      f: 4,
      bytes: [
        { f: 1, varint: 1 },
        { f: 4, bytes: [{ f: 1, varint: 1 }] },
      ],
    };
    const sample = (locId: number, values: number[]): Field => ({
      f: 2,
      bytes: [
        { f: 1, packed: [locId] },
        { f: 2, packed: values },
      ],
    });
    expect(decode(input(encode([st, fn, loc, sample(1, [4]), ...strs(4)])))[0].tree.total).toBe(4);
    expect(malformed(encode([st, fn, loc, sample(1, [4]), ...strs(3)]))).toMatch(/function #0 name: string index 3 out of range/);
    expect(malformed(encode([st, fn, loc, sample(2, [4]), ...strs(4)]))).toMatch(/sample #0: refers to unknown location id 2/);
    const badLoc: Field = {
      f: 4,
      bytes: [
        { f: 1, varint: 1 },
        { f: 4, bytes: [{ f: 1, varint: 9 }] },
      ],
    };
    expect(malformed(encode([st, fn, badLoc, sample(1, [4]), ...strs(4)]))).toMatch(/location #0: line refers to unknown function id 9/);
    expect(malformed(encode([st, fn, loc, sample(1, [4, 5]), ...strs(4)]))).toMatch(/sample #0: has 2 values but the profile has 1 sample types/);
    const badType: Field = { f: 1, bytes: [{ f: 1, varint: 77 }] };
    expect(malformed(encode([badType, ...strs(4)]))).toMatch(/sample_type #0 type: string index 77 out of range/);
    const labelled: Field = {
      f: 2,
      bytes: [
        { f: 1, packed: [1] },
        { f: 2, packed: [1] },
        {
          f: 3,
          bytes: [
            { f: 1, varint: 3 },
            { f: 2, varint: 40 },
          ],
        },
      ],
    };
    expect(malformed(encode([st, fn, loc, labelled, ...strs(4)]))).toMatch(/sample label f: string index 40 out of range/);
  });

  it('handles large, sparse ids through the map lookup', () => {
    const big = 2 ** 40 + 3;
    const bytes = encode([
      {
        f: 1,
        bytes: [
          { f: 1, varint: 1 },
          { f: 2, varint: 2 },
        ],
      },
      {
        f: 2,
        bytes: [
          { f: 1, packed: [big] },
          { f: 2, packed: [9] },
        ],
      },
      {
        f: 4,
        bytes: [
          { f: 1, varint: big },
          { f: 4, bytes: [{ f: 1, varint: big + 1 }] },
        ],
      },
      {
        f: 5,
        bytes: [
          { f: 1, varint: big + 1 },
          { f: 2, varint: 3 },
        ],
      },
      ...['', 'samples', 'count', 'deep'].map((s) => ({ f: 6, bytes: s })),
    ]);
    expect([...decode(input(bytes))[0].tree.stacks()]).toEqual([{ frames: ['deep'], value: 9 }]);
  });
});
