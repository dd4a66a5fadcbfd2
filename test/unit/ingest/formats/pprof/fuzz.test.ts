// Fuzzing the pprof decoder: random bytes and mutated valid profiles (raw, gzipped, multipart) must either
// decode or throw a PyrelayError, never anything else, and never take long.
// CI runs FUZZ_RUNS=10000 cases (the default) per property group; run longer locally with e.g.
//   FUZZ_RUNS=200000 npx vitest run test/unit/ingest/formats/pprof/fuzz.test.ts
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCumulativeBaselines } from '../../../../../src/ingest/formats/pprof/cumulative.js';
import { createPprofDecoder } from '../../../../../src/ingest/formats/pprof/decode.js';
import { FakeClock } from '../../../../../src/lib/clock.js';
import { PyrelayError } from '../../../../../src/model/errors.js';
import { bases, gzBases, multipartBase, mutated } from './fuzz-inputs.js';
import { input } from './reference.js';

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
    const mp = multipartBase();
    fc.assert(
      fc.property(mutated([mp.body]), (b) => onlyTypedErrors(b, mp.contentType)),
      { numRuns: Math.ceil(RUNS * 0.2) },
    );
  });
});
