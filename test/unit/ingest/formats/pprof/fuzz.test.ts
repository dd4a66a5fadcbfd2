// Fuzzing the pprof decoder: random bytes and mutated valid profiles (raw, gzipped, multipart) must either
// decode or throw a PyrelayError, never anything else, and never take long.
// CI runs FUZZ_RUNS=10000 cases (the default) per property group; run longer locally with e.g.
//   FUZZ_RUNS=200000 npx vitest run test/unit/ingest/formats/pprof/fuzz.test.ts
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createCumulativeBaselines } from '../../../../../src/ingest/formats/pprof/cumulative.js';
import { createPprofDecoder } from '../../../../../src/ingest/formats/pprof/decode.js';
import { FakeClock } from '../../../../../src/lib/clock.js';
import { PyrelayError } from '../../../../../src/model/errors.js';
import { handProfile } from './proto-writer.js';
import { input, multipart, tinyProfile } from './reference.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const decode = createPprofDecoder({ baselines: createCumulativeBaselines({ clock: new FakeClock(), windowMs: 60_000, maxEntries: 50 }) });
const limits = { maxDecompressedBytes: 1 << 20, maxSeriesPerRequest: 50, maxLabelsPerSeries: 8 };

function onlyTypedErrors(body: Uint8Array, contentType = 'application/octet-stream'): void {
  const started = performance.now();
  try {
    const out = decode(input(body, { contentType, limits }));
    for (const p of out) expect(p.tree.total).toBeGreaterThan(0);
  } catch (e) {
    if (!(e instanceof PyrelayError)) throw e;
    expect([413, 422]).toContain(e.status);
  }
  expect(performance.now() - started).toBeLessThan(2000);
}

const bases: Uint8Array[] = [
  handProfile({ packed: true }),
  handProfile({ packed: false }),
  tinyProfile({
    types: [
      ['samples', 'count'],
      ['alloc_space', 'bytes'],
      ['wall', 'nanoseconds'],
    ],
    periodType: ['wall', 'nanoseconds'],
    period: 10_000_000,
    samples: [
      { stack: ['a>b', 'main'], values: [1, 100, 5], labels: { k: 'v', profile_id: 'p' } },
      { stack: ['c', '', 'main'], values: [2, 0, 7] },
    ],
  }),
];
const gzBases = bases.map((b) => new Uint8Array(gzipSync(b)));

/** Random edits of a valid buffer: overwrite, insert, delete, truncate. */
const mutated = (pool: Uint8Array[]) =>
  fc
    .tuple(
      fc.constantFrom(...pool),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete', 'truncate')), { minLength: 1, maxLength: 4 }),
    )
    .map(([base, edits]) => {
      const b = [...base];
      for (const [pos, byte, op] of edits) {
        const i = b.length === 0 ? 0 : pos % b.length;
        if (op === 'set') b[i] = byte;
        else if (op === 'insert') b.splice(i, 0, byte);
        else if (op === 'delete') b.splice(i, 1);
        else b.length = i;
      }
      return Uint8Array.from(b);
    });

describe('pprof decoder fuzz', () => {
  it('random bytes: decode or PyrelayError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (b) => onlyTypedErrors(b)),
      { numRuns: Math.ceil(RUNS * 0.3) },
    );
  });

  it('mutated valid profiles (raw and gzipped): decode or PyrelayError', () => {
    fc.assert(
      fc.property(mutated([...bases, ...gzBases]), (b) => onlyTypedErrors(b)),
      { numRuns: Math.ceil(RUNS * 0.5) },
    );
  });

  it('mutated multipart bodies with prev_profile and sample_type_config: decode or PyrelayError', () => {
    const config = '{"alloc_space":{"units":"bytes","cumulative":true},"samples":{"display-name":"cpu","sampled":true}}';
    const mp = multipart([
      { name: 'profile', data: bases[2] },
      { name: 'prev_profile', data: gzBases[2] },
      { name: 'sample_type_config', data: config },
    ]);
    fc.assert(
      fc.property(mutated([mp.body]), (b) => onlyTypedErrors(b, mp.contentType)),
      { numRuns: Math.ceil(RUNS * 0.2) },
    );
  });
});
