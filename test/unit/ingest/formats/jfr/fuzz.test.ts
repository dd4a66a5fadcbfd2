// Fuzz: random bytes and mutations of real recordings may only ever produce a PyrelayError (or a
// result), never another exception and never a hang. FUZZ_RUNS scales the run count (default 10,000).
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeJfr } from '../../../../../src/ingest/formats/jfr/decode.js';
import { isPyrelayError } from '../../../../../src/model/errors.js';
import { buildChunk } from './jfr-writer.js';
import { input } from './helpers.js';

const TOTAL = Number(process.env.FUZZ_RUNS ?? 10_000);
const jfr = new Uint8Array(readFileSync(new URL('../../../../fixtures/jfr/workload.jfr', import.meta.url)));
const small = buildChunk({
  eventSetting: 'wall',
  samples: [
    { frames: ['a/A.main', 'a/B.run'], n: 2, ctx: 1 },
    { frames: ['a/A.main'], state: 'STATE_SLEEPING' },
  ],
  tlab: [{ frames: ['a/A.main', 'a/C.alloc'], size: 64 }],
  park: [{ frames: ['a/D.park'], ticks: 10 }],
  live: [{ frames: ['a/A.main'] }],
  unknownEvents: 2,
  stringEncoding: 2,
});

let slowest = 0;
function decodesOrRejects(body: Uint8Array): boolean {
  const t0 = performance.now();
  try {
    decodeJfr(input(body, { limits: { maxDecompressedBytes: 1 << 20, maxSeriesPerRequest: 100, maxLabelsPerSeries: 30 } }));
  } catch (e) {
    if (!isPyrelayError(e)) throw e;
    expect(e.status).toBe(422);
  } finally {
    slowest = Math.max(slowest, performance.now() - t0);
  }
  return true;
}

const mutations = (len: number) =>
  fc.record({
    edits: fc.array(fc.record({ at: fc.nat({ max: len - 1 }), byte: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 8 }),
    cut: fc.option(fc.nat({ max: len }), { freq: 4 }),
  });
const mutate = (src: Uint8Array, m: { edits: { at: number; byte: number }[]; cut: number | null }) => {
  const b = src.slice(0, m.cut ?? src.length);
  for (const { at, byte } of m.edits) if (at < b.length) b[at] = byte;
  return b;
};

describe('JFR fuzz', () => {
  it(`random bytes, with and without a valid header prefix (${Math.round(TOTAL * 0.3)} runs)`, () => {
    const header = small.subarray(0, 68);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.boolean(), (bytes, prefixed) => {
        if (!prefixed) return decodesOrRejects(bytes);
        const b = new Uint8Array(68 + bytes.length);
        b.set(header);
        b.set(bytes, 68);
        return decodesOrRejects(b);
      }),
      { numRuns: Math.round(TOTAL * 0.3) },
    );
  });

  it(`mutations of a synthetic async-profiler-like chunk (${Math.round(TOTAL * 0.55)} runs)`, () => {
    fc.assert(
      fc.property(mutations(small.length), (m) => decodesOrRejects(mutate(small, m))),
      { numRuns: Math.round(TOTAL * 0.55) },
    );
  });

  it(`mutations of the JDK fixture (${Math.round(TOTAL * 0.15)} runs)`, () => {
    fc.assert(
      fc.property(mutations(jfr.length), (m) => decodesOrRejects(mutate(jfr, m))),
      { numRuns: Math.round(TOTAL * 0.15) },
    );
    // No hang: even the slowest single decode is far from a timeout.
    expect(slowest).toBeLessThan(2000);
  }, 120_000);
});
