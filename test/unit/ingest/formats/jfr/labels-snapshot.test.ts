import { describe, expect, it } from 'vitest';
import { contextLabels, decodeLabelsSnapshot } from '../../../../../src/ingest/formats/jfr/labels-snapshot.js';
import { pyrelayErrorOf } from './helpers.js';

const hex = (s: string) => Uint8Array.from(s.split(' ').map((h) => parseInt(h, 16)));
// contexts {1: {1->2}}, strings {1:"k", 2:"v"}.
const VECTOR = hex('0a 0a 08 01 12 06 0a 04 08 01 10 02 12 05 08 01 12 01 6b 12 05 08 02 12 01 76');

describe('LabelsSnapshot', () => {
  it('decodes the spec vector', () => {
    const s = decodeLabelsSnapshot(VECTOR);
    expect([...s.contexts]).toEqual([[1, new Map([[1, 2]])]]);
    expect([...s.strings]).toEqual([
      [1, 'k'],
      [2, 'v'],
    ]);
    expect(contextLabels(s, 1)).toEqual({ k: 'v' });
  });

  it('gives no labels for id 0, unknown ids and missing strings', () => {
    const s = decodeLabelsSnapshot(VECTOR);
    expect(contextLabels(s, 0)).toEqual({});
    expect(contextLabels(s, 7)).toEqual({});
    expect(contextLabels(undefined, 1)).toEqual({});
    s.strings.delete(2);
    expect(contextLabels(s, 1)).toEqual({});
  });

  it('skips unknown fields and accepts an empty message', () => {
    expect(decodeLabelsSnapshot(new Uint8Array()).contexts.size).toBe(0);
    // field 3 (varint 5) and field 4 (fixed32) before the vector
    const s = decodeLabelsSnapshot(Uint8Array.from([0x18, 0x05, 0x25, 1, 2, 3, 4, ...VECTOR]));
    expect(contextLabels(s, 1)).toEqual({ k: 'v' });
  });

  it('rejects truncated and malformed input with a 422 naming the byte', () => {
    for (let cut = 1; cut < VECTOR.length; cut++) {
      const sub = VECTOR.subarray(0, cut);
      let err: { status: number; message: string } | undefined;
      try {
        decodeLabelsSnapshot(sub);
      } catch (e) {
        err = pyrelayErrorOf(() => {
          throw e;
        });
      }
      // Cuts inside the first entry (12 bytes) must fail; later ones may end on a field boundary.
      if (cut < 12) expect(err, `cut ${cut}`).toBeDefined();
      if (err) {
        expect(err.status).toBe(422);
        expect(err.message).toMatch(/^jfr: labels at byte \d+: /);
      }
    }
    expect(pyrelayErrorOf(() => decodeLabelsSnapshot(hex('0a 7f 08'))).message).toMatch(/length 127 exceeds/);
    expect(pyrelayErrorOf(() => decodeLabelsSnapshot(hex('0b'))).message).toMatch(/wire type 3/);
    expect(pyrelayErrorOf(() => decodeLabelsSnapshot(hex('08 ff ff ff ff ff ff ff ff ff ff 01'))).message).toMatch(/longer than 10 bytes/);
  });
});
