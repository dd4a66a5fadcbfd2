// Fuzzing the speedscope decoder and the multipart splitter: any input either decodes or throws a
// PyrelayError. CI runs FUZZ_RUNS=10000 (default) cases per decoder; run longer with e.g.
//   FUZZ_RUNS=200000 npx vitest run test/unit/ingest/formats/speedscope-fuzz.test.ts
import { decodeInput } from '../../../helpers/decode-input.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMultipart } from '../../../../src/ingest/multipart.js';
import { decodeSpeedscope, SPEEDSCOPE_SCHEMA } from '../../../../src/ingest/formats/speedscope.js';
import { PyrelayError } from '../../../../src/model/errors.js';
import type { DecodeInput } from '../../../../src/model/profile.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);

function onlyTypedErrors(fn: () => unknown): void {
  const started = performance.now();
  try {
    fn();
  } catch (e) {
    if (!(e instanceof PyrelayError)) throw e;
    expect(e.status).toBe(422);
  }
  expect(performance.now() - started).toBeLessThan(2000);
}

const input = (body: Uint8Array): DecodeInput =>
  decodeInput(body, { contentType: 'application/json', sampleRateGiven: false, limits: { maxDecompressedBytes: 1 << 20, maxSeriesPerRequest: 10, maxLabelsPerSeries: 10 } });

const num = fc.oneof(fc.integer({ min: -3, max: 20 }), fc.double(), fc.constant(null), fc.string({ maxLength: 2 }));
const profile = fc.record(
  {
    type: fc.constantFrom('evented', 'sampled', 'other', 7),
    unit: fc.constantFrom('none', 'nanoseconds', 'microseconds', 'milliseconds', 'seconds', 'bytes', 'x', null),
    startValue: num,
    events: fc.array(fc.record({ type: fc.constantFrom('O', 'C', 'Z'), frame: num, at: num }, { requiredKeys: [] }), { maxLength: 8 }),
    samples: fc.array(fc.oneof(fc.array(num, { maxLength: 5 }), num), { maxLength: 6 }),
    weights: fc.array(num, { maxLength: 6 }),
  },
  { requiredKeys: ['type', 'unit'] },
);
const file = fc.record(
  {
    $schema: fc.constantFrom(SPEEDSCOPE_SCHEMA, 'other'),
    shared: fc.oneof(fc.record({ frames: fc.array(fc.oneof(fc.record({ name: fc.oneof(fc.string({ maxLength: 3 }), num) }), num), { maxLength: 4 }) }), num),
    profiles: fc.oneof(fc.array(profile, { maxLength: 3 }), num),
  },
  { requiredKeys: ['$schema'] },
);
const enc = (s: string) => new TextEncoder().encode(s);

describe('speedscope decoder fuzz', () => {
  it('structured random files: decode or PyrelayError', () => {
    fc.assert(
      fc.property(file, (f) => onlyTypedErrors(() => decodeSpeedscope(input(enc(JSON.stringify(f)))))),
      { numRuns: Math.ceil(RUNS * 0.6) },
    );
  });

  it('arbitrary JSON and random bytes: decode or PyrelayError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json().map(enc), fc.uint8Array({ maxLength: 128 })), (b) => onlyTypedErrors(() => decodeSpeedscope(input(b)))),
      { numRuns: Math.ceil(RUNS * 0.4) },
    );
  });
});

describe('multipart fuzz', () => {
  const ct = 'multipart/form-data; boundary=bb';
  const valid = '--bb\r\nContent-Disposition: form-data; name="profile"; filename="p"\r\n\r\nDATA\r\n--bb\r\nContent-Disposition: form-data; name="x"\r\n\r\nY\r\n--bb--\r\n';
  it('mutated and random bodies: parts or PyrelayError, part data always inside the body', () => {
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 128 }),
      fc.tuple(fc.nat(), fc.nat(), fc.string({ maxLength: 4 })).map(([a, b, s]) => {
        const i = a % valid.length;
        const j = i + (b % 8);
        return enc(valid.slice(0, i) + s + valid.slice(j));
      }),
    );
    fc.assert(
      fc.property(body, (b) =>
        onlyTypedErrors(() => {
          for (const p of parseMultipart(b, ct)) {
            expect(p.data.buffer).toBe(b.buffer);
            expect(p.data.byteOffset + p.data.length).toBeLessThanOrEqual(b.byteOffset + b.length);
          }
        }),
      ),
      { numRuns: RUNS },
    );
  });
});
