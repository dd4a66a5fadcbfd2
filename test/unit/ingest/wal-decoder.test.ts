// The store's record decoder reads folded bodies as bytes (no text for known stacks): what it hands the store
// must be exactly what the folded decoder makes of the same body, for any body that passed validation.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFolded } from '../../../src/ingest/formats/folded.js';
import { decodeRecord } from '../../../src/ingest/wal-decoder.js';
import type { ProfileSink } from '../../../src/model/profile-sink.js';
import { ingestMeta } from '../store/ingest-helpers.js';
import { FUZZ_RUNS, folded, input } from './formats/helpers.js';

const meta = ingestMeta({ name: 'app.cpu', from: '1700000000', until: '1700000010' });

/** Stacks and summed values as the store's sink receives them. */
function viaRecord(body: Uint8Array): Record<string, number> {
  const out: Record<string, number> = {};
  const add = (stack: string, v: number) => {
    if (v > 0 && stack !== '') out[stack] = (out[stack] ?? 0) + v;
  };
  const sink: ProfileSink = {
    series: () => ({
      stack: add,
      stackBytes: (b, start, end, v) => add(Buffer.from(b.subarray(start, end)).toString('utf8'), v),
      frames: (f, v) => add(f.join(';'), v),
      tree: () => {
        throw new Error('folded must not decode to a tree');
      },
      locations: () => {
        throw new Error('folded has no locations');
      },
    }),
  };
  decodeRecord(meta, body, sink);
  return out;
}

const viaDecoder = (body: Uint8Array) => {
  const profiles = decodeFolded(input(body));
  return profiles.length === 0 ? {} : folded(profiles);
};

describe('wal decoder, folded bodies', () => {
  it('matches the folded decoder on the edge cases: CRLF, no final newline, spaces in frames, empty lines, zero counts, BOM', () => {
    for (const text of ['a;b 1\r\na;b 2\r\na;c 4', 'main;do work;x y 5\n', 'nospace\n\n\na 1\n', ' 3\na 0\nb 2', '\ufeffmain;f 1\n', 'caf\u00e9;\u00fc 7\r\n\r\n']) {
      const body = Buffer.from(text);
      expect(viaRecord(body), JSON.stringify(text)).toEqual(viaDecoder(body));
    }
  });

  it('matches the folded decoder on random valid bodies (bytes, including invalid UTF-8)', () => {
    const line = fc
      .tuple(fc.array(fc.constantFrom('a', 'b', ';', ' ', '\r', '\u00e9', '\u00ff\u00fe', 'x y', '\ufeff'), { maxLength: 12 }), fc.nat({ max: 1000 }), fc.boolean())
      .map(([cs, n, crlf]) => `${cs.join('')} ${n}${crlf ? '\r' : ''}`);
    const rawByte = fc.uint8Array({ minLength: 1, maxLength: 3 }).map((b) => Buffer.from(b.map((x) => (x === 0x0a || x === 0x20 ? 0x80 : x))));
    let compared = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(line, fc.option(rawByte)), { maxLength: 10 }), fc.boolean(), (lines, finalNewline) => {
        // A raw byte (possibly invalid UTF-8) goes in front of the line's stack.
        const body = Buffer.concat([...lines.flatMap(([l, raw]) => [raw ?? Buffer.alloc(0), Buffer.from(l), Buffer.from('\n')]), Buffer.from(finalNewline ? '' : 'tail 1')]);
        let expected: Record<string, number>;
        try {
          expected = viaDecoder(body);
        } catch (e) {
          if ((e as Error).name === 'AssertionError') throw e;
          return; // not a body validation would have logged
        }
        compared++;
        expect(viaRecord(body)).toEqual(expected);
      }),
      { numRuns: FUZZ_RUNS },
    );
    // The generator makes valid bodies almost always: a property that compared nothing would prove nothing.
    expect(compared).toBeGreaterThan(FUZZ_RUNS / 2);
  });
});
