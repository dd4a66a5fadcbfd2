// Corrupt and truncated recordings are a 422 that names the chunk and byte, never a crash or a hang.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeJfr } from '../../../../../src/ingest/formats/jfr/decode.js';
import { buildChunk } from './jfr-writer.js';
import { input, pyrelayErrorOf } from './helpers.js';

const jfr = new Uint8Array(readFileSync(new URL('../../../../fixtures/jfr/workload.jfr', import.meta.url)));
const small = buildChunk({ samples: [{ frames: ['a/A.main', 'a/B.run'], n: 2 }], unknownEvents: 2 });

const err = (body: Uint8Array) => {
  const e = pyrelayErrorOf(() => decodeJfr(input(body)));
  expect(e.status).toBe(422);
  expect(e.code).toBe('malformed_body');
  return e.message;
};

const setU64 = (b: Uint8Array, at: number, v: number) => new DataView(b.buffer, b.byteOffset).setBigUint64(at, BigInt(v));

describe('corrupt JFR', () => {
  it('rejects every truncation of a small chunk, and sampled truncations of the JDK fixture', () => {
    for (let cut = 1; cut < small.length; cut++) expect(err(small.subarray(0, cut))).toMatch(/^jfr: chunk 0 at byte \d+: /);
    for (const cut of [3, 60, 68, 1000, jfr.length >> 1, jfr.length - 1]) expect(err(jfr.subarray(0, cut))).toMatch(/^jfr: chunk 0 at byte \d+: /);
  });

  it('names what is wrong', () => {
    expect(err(new TextEncoder().encode('not a recording'))).toBe('jfr: chunk 0 at byte 0: not a JFR chunk (missing FLR magic)');
    const big = small.slice();
    setU64(big, 8, small.length + 1);
    expect(err(big)).toMatch(/chunk 0 at byte 8: chunk size \d+ outside/);
    const md = small.slice();
    setU64(md, 24, small.length + 100);
    expect(err(md)).toMatch(/metadata offset \d+ outside the chunk/);
    const ver = small.slice();
    ver[5] = 9;
    expect(err(ver)).toMatch(/unsupported JFR version 9/);
  });

  it('points at the right chunk when a later chunk is broken', () => {
    const two = new Uint8Array(small.length * 2 - 10);
    two.set(small);
    two.set(small.subarray(0, small.length - 10), small.length);
    expect(err(two)).toMatch(/^jfr: chunk 1 at byte \d+: /);
    const trailing = new Uint8Array(small.length + 3);
    trailing.set(small);
    expect(err(trailing)).toMatch(/^jfr: chunk 1 at byte \d+: not a JFR chunk/);
  });

  it('rejects an event whose size runs past the chunk, or is zero', () => {
    const b = small.slice();
    // The first event starts right after the 68-byte header with a 4-byte padded size.
    b[68] = 0xff;
    b[69] = 0xff;
    b[70] = 0xff;
    b[71] = 0x7f;
    expect(err(b)).toMatch(/chunk 0 at byte 68: event size \d+ exceeds the chunk/);
    b[68] = 0x80;
    b[69] = 0x80;
    b[70] = 0x80;
    b[71] = 0x00;
    expect(err(b)).toMatch(/chunk 0 at byte 68: event size 0/);
  });
});
