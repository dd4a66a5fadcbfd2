// Inputs shared by the pprof fuzz tests: valid base profiles (hand-written and built), their gzipped forms,
// random edits of a valid buffer, and a multipart body with prev_profile and sample_type_config.
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { handProfile } from './proto-writer.js';
import { multipart, tinyProfile } from './reference.js';

export const bases: Uint8Array[] = [
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
export const gzBases = bases.map((b) => new Uint8Array(gzipSync(b)));

/** Random edits of a valid buffer: overwrite, insert, delete, truncate. */
export const mutated = (pool: Uint8Array[]) =>
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

export const SAMPLE_TYPE_CONFIG = '{"alloc_space":{"units":"bytes","cumulative":true},"samples":{"display-name":"cpu","sampled":true}}';

export const multipartBase = () =>
  multipart([
    { name: 'profile', data: bases[2] },
    { name: 'prev_profile', data: gzBases[2] },
    { name: 'sample_type_config', data: SAMPLE_TYPE_CONFIG },
  ]);

const TYPES: [string, string][] = [
  ['samples', 'count'],
  ['cpu', 'nanoseconds'],
  ['alloc_space', 'bytes'],
  ['inuse_space', 'bytes'],
  ['contentions', 'count'],
  ['wall', 'nanoseconds'],
];

/**
 * Random well-formed profiles: a few sample types (some cumulative), stacks over a small alphabet (with
 * inlined and empty names), zero/negative/large values and labels (with profile_id, invalid keys, many keys),
 * so series, label and node limits can bite.
 */
export const randomProfile = fc
  .tuple(
    fc.subarray(TYPES, { minLength: 1 }),
    fc.array(
      fc.record({
        stack: fc.array(fc.constantFrom('main', 'a', 'b', 'c>main', '', 'd>e', 'f'), { maxLength: 6 }),
        values: fc.array(fc.oneof(fc.integer({ min: -3, max: 5 }), fc.constant(2 ** 53 + 2)), { minLength: 6, maxLength: 6 }),
        labels: fc.dictionary(fc.constantFrom('k', 'j', 'profile_id', 'bad-key', 'l1', 'l2', 'l3', 'l4'), fc.constantFrom('', 'v', 'w', 'p1'), { maxKeys: 6 }),
      }),
      { maxLength: 12 },
    ),
  )
  .map(([types, samples]) =>
    tinyProfile({
      types,
      periodType: ['cpu', 'nanoseconds'],
      period: 10_000_000,
      samples: samples.map((s) => ({ ...s, values: s.values.slice(0, types.length) })),
    }),
  );
