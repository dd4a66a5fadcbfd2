import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createCumulativeBaselines } from '../../../../../src/ingest/formats/pprof/cumulative.js';
import { createPprofDecoder } from '../../../../../src/ingest/formats/pprof/decode.js';
import { FakeClock } from '../../../../../src/lib/clock.js';
import { PyrelayError } from '../../../../../src/model/errors.js';
import type { DecodedProfile, ProfileDecoder } from '../../../../../src/model/profile.js';
import { normalizeKey } from '../../../../../src/model/series-key.js';
import { byName, foldedByTypeAndLabels, input, multipart, refFolded, sumsByType, tinyProfile } from './reference.js';

const fixture = (name: string) => new Uint8Array(readFileSync(join(import.meta.dirname, '../../../../fixtures/pprof', name)));

function decoder(clock = new FakeClock(), windowMs = 60_000, maxEntries = 100) {
  const baselines = createCumulativeBaselines({ clock, windowMs, maxEntries });
  return { decode: createPprofDecoder({ baselines }), baselines, clock };
}

const totalOf = (out: DecodedProfile[], appName: string) =>
  out.filter((p) => p.key.appName === appName && p.key.labels.profile_id === undefined).reduce((a, p) => a + p.tree.total, 0);

function expectError(fn: () => unknown, code: string, pattern: RegExp): PyrelayError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PyrelayError);
    expect((e as PyrelayError).code).toBe(code);
    expect((e as PyrelayError).message).toMatch(pattern);
    return e as PyrelayError;
  }
  throw new Error('expected an error');
}

describe('pprof decoder: totals and stacks against pprof-format', () => {
  it('Go CPU: the samples series sum equals the profile sum; per-label folded stacks match', () => {
    const body = fixture('go-cpu.pb.gz');
    const out = decoder().decode(input(body, { key: { appName: 'app', labels: { env: 'prod' } } }));
    expect(totalOf(out, 'app.cpu')).toBe(sumsByType(body).get('samples'));
    // cpu/nanoseconds would also be named app.cpu: the mapped `samples` type owns that name.
    expect(out.every((p) => p.key.appName === 'app.cpu')).toBe(true);
    // Expected: each label set's stacks, and exemplars also under their labels without profile_id.
    const expected = new Map<string, Map<string, number>>();
    const add = (labels: Record<string, string>, folded: Map<string, number>) => {
      const name = normalizeKey({ appName: 'app.cpu', labels: { ...labels, env: 'prod' } });
      const m = expected.get(name) ?? new Map<string, number>();
      for (const [k, v] of folded) m.set(k, (m.get(k) ?? 0) + v);
      expected.set(name, m);
    };
    for (const e of foldedByTypeAndLabels(body)) {
      if (e.type !== 'samples') continue;
      add(e.labels, e.folded);
      if (e.labels.profile_id) {
        const { profile_id: _drop, ...rest } = e.labels;
        add(rest, e.folded);
      }
    }
    const got = byName(out);
    expect(new Map([...got].map(([k, p]) => [k, p.tree.toFoldedMap()]))).toEqual(expected);
    expect(expected.size).toBeGreaterThan(8); // labels and exemplars are really exercised
    const unlabelled = got.get('app.cpu{env=prod}')!;
    expect(unlabelled.metadata).toEqual({ spyName: 'gospy', sampleRate: 100, units: 'samples', aggregation: 'sum' });
  });

  it('real Node wall profile: samples → .cpu, wall stored as its own type with the period rate', () => {
    const body = fixture('node-wall.pb.gz');
    const sums = sumsByType(body);
    const out = decoder().decode(input(body, { spyName: 'nodespy', sampleRate: 17 }));
    expect(totalOf(out, 'app.cpu')).toBe(sums.get('samples'));
    expect(totalOf(out, 'app.wall')).toBe(sums.get('wall'));
    const wall = out.find((p) => p.key.appName === 'app.wall')!;
    // period 11117000 ns → 1e9 / 11117000 = 89 (integer division); the query's 17 is ignored.
    expect(wall.metadata).toEqual({ spyName: 'nodespy', sampleRate: 89, units: 'nanoseconds', aggregation: 'sum' });
    expect(out.find((p) => p.key.appName === 'app.cpu')!.metadata.sampleRate).toBe(89);
    // wrapWithLabels labels become series labels.
    expect(new Set(out.map((p) => p.key.labels.job))).toEqual(new Set([undefined, 'sortObjects', 'jsonRoundTrip', 'regexScan']));
    const frames = [...out[0].tree.stacks()].flatMap((s) => s.frames);
    expect(frames.some((f) => f.startsWith('./scripts/make-pprof-fixtures.ts:'))).toBe(true);
  });

  it('real Node heap profile and Go heap: inuse types averaged, not sampled, sums equal', () => {
    for (const name of ['node-heap.pb.gz', 'go-heap.pb']) {
      const body = fixture(name);
      const sums = sumsByType(body);
      const out = decoder().decode(input(body));
      expect(totalOf(out, 'app.inuse_objects')).toBe(sums.get('inuse_objects'));
      expect(totalOf(out, 'app.inuse_space')).toBe(sums.get('inuse_space'));
      const space = out.find((p) => p.key.appName === 'app.inuse_space')!;
      expect(space.metadata).toEqual({ spyName: 'gospy', sampleRate: 0, units: 'bytes', aggregation: 'average' });
    }
  });
});

describe('pprof decoder: stacks, labels, names', () => {
  const types: [string, string][] = [['samples', 'count']];

  it('reverses locations to root→leaf, expands inlined lines caller first, skips empty names', () => {
    // Leaf first: location "memcpy>printf" has memcpy inlined into printf.
    const body = tinyProfile({ types, samples: [{ stack: ['memcpy>printf', '', 'main'], values: [5] }] });
    const [p] = decoder().decode(input(body));
    expect([...p.tree.stacks()]).toEqual([{ frames: ['main', 'printf', 'memcpy'], value: 5 }]);
  });

  it('formats rbspy/pyspy frames as <filename>:<line> - <function>', () => {
    const body = tinyProfile({ types, filename: 'app.rb', samples: [{ stack: ['leaf>inl', 'root'], values: [1] }] });
    const [p] = decoder().decode(input(body, { spyName: 'rbspy' }));
    expect([...p.tree.stacks()][0].frames).toEqual(['app.rb:10 - root', 'app.rb:11 - inl', 'app.rb:10 - leaf']);
  });

  it('name tags override pprof labels; other pprof labels are kept', () => {
    const body = tinyProfile({
      types,
      samples: [{ stack: ['f'], values: [3], labels: { env: 'from-pprof', handler: '/x' } }],
    });
    const [p] = decoder().decode(input(body, { key: { appName: 'test.app', labels: { env: 'from-name', foo: 'bar' } } }));
    expect(p.key).toEqual({ appName: 'test.app.cpu', labels: { env: 'from-name', handler: '/x', foo: 'bar' } });
  });

  it('exemplar samples (profile_id) go to their series and to the series without it', () => {
    const body = tinyProfile({
      types,
      samples: [
        { stack: ['a'], values: [2], labels: { profile_id: 'p1', k: 'v' } },
        { stack: ['b'], values: [3], labels: { k: 'v' } },
        { stack: ['c'], values: [4], labels: { profile_id: '' } },
      ],
    });
    const got = byName(decoder().decode(input(body)));
    expect([...got.keys()].sort()).toEqual(['app.cpu{k=v,profile_id=p1}', 'app.cpu{k=v}', 'app.cpu{}']);
    expect(got.get('app.cpu{k=v,profile_id=p1}')!.tree.toFoldedMap()).toEqual(new Map([['a', 2]]));
    expect(got.get('app.cpu{k=v}')!.tree.toFoldedMap()).toEqual(
      new Map([
        ['a', 2],
        ['b', 3],
      ]),
    );
    expect(got.get('app.cpu{}')!.tree.toFoldedMap()).toEqual(new Map([['c', 4]]));
  });

  it('a name tag overriding profile_id does not count exemplars twice', () => {
    const body = tinyProfile({ types, samples: [{ stack: ['a'], values: [2], labels: { profile_id: 'p1' } }] });
    const out = decoder().decode(input(body, { key: { appName: 'app', labels: { profile_id: 'x' } } }));
    expect(out).toHaveLength(1);
    expect(out[0].tree.total).toBe(2);
  });

  it('bounds series and labels per series (422)', () => {
    const samples = Array.from({ length: 5 }, (_, i) => ({ stack: ['f'], values: [1], labels: { k: `v${i}` } }));
    const body = tinyProfile({ types, samples });
    const d = decoder().decode;
    expect(d(input(body, { limits: { maxDecompressedBytes: 1e6, maxSeriesPerRequest: 5, maxLabelsPerSeries: 5 } }))).toHaveLength(5);
    expectError(
      () => d(input(body, { limits: { maxDecompressedBytes: 1e6, maxSeriesPerRequest: 4, maxLabelsPerSeries: 5 } })),
      'malformed_body',
      /more than the limit of 4 series/,
    );
    const key = { appName: 'app', labels: { a: '1', b: '2' } };
    expectError(
      () => d(input(body, { key, limits: { maxDecompressedBytes: 1e6, maxSeriesPerRequest: 50, maxLabelsPerSeries: 2 } })),
      'malformed_body',
      /3 labels, more than the limit of 2/,
    );
  });
});

describe('pprof decoder: sample-type mapping', () => {
  const body = tinyProfile({
    types: [
      ['samples', 'count'],
      ['cpu', 'nanoseconds'],
      ['custom', 'widgets'],
    ],
    periodType: ['cpu', 'nanoseconds'],
    period: 10_000_000,
    samples: [{ stack: ['f'], values: [1, 10_000_000, 7] }],
  });

  it('default mapping: samples → .cpu (sampled), unknown types under their own name with the pprof unit', () => {
    const got = byName(decoder().decode(input(body)));
    expect([...got.keys()].sort()).toEqual(['app.cpu{}', 'app.custom{}']);
    expect(got.get('app.cpu{}')!.tree.total).toBe(1);
    expect(got.get('app.custom{}')!.metadata).toEqual({ spyName: 'gospy', sampleRate: 0, units: 'widgets', aggregation: 'sum' });
  });

  it('sample_type_config replaces the default mapping entirely', () => {
    const config = JSON.stringify({
      samples: { 'display-name': 'wall_samples', units: 'samples', aggregation: 'average', sampled: true },
      custom: { units: 'things' },
    });
    const mp = multipart([
      { name: 'profile', data: gzipSync(body) },
      { name: 'sample_type_config', data: config },
    ]);
    const got = byName(decoder().decode(input(mp.body, { contentType: mp.contentType })));
    // `cpu` is not in the config: it is stored as app.cpu (no longer taken by `samples`), sampled by period type.
    expect([...got.keys()].sort()).toEqual(['app.cpu{}', 'app.custom{}', 'app.wall_samples{}']);
    expect(got.get('app.wall_samples{}')!.metadata).toEqual({ spyName: 'gospy', sampleRate: 100, units: 'samples', aggregation: 'average' });
    expect(got.get('app.custom{}')!.metadata.units).toBe('things');
    expect(got.get('app.cpu{}')!.metadata).toEqual({ spyName: 'gospy', sampleRate: 100, units: 'nanoseconds', aggregation: 'sum' });
    expect(got.get('app.cpu{}')!.tree.total).toBe(10_000_000);
  });

  it('rejects a malformed sample_type_config with 422', () => {
    const bad = multipart([
      { name: 'profile', data: body },
      { name: 'sample_type_config', data: '{"samples": {"aggregation": "median"}}' },
    ]);
    expectError(() => decoder().decode(input(bad.body, { contentType: bad.contentType })), 'malformed_body', /sample_type_config.samples.aggregation/);
    const notJson = multipart([
      { name: 'profile', data: body },
      { name: 'sample_type_config', data: '{nope' },
    ]);
    expectError(() => decoder().decode(input(notJson.body, { contentType: notJson.contentType })), 'malformed_body', /invalid JSON/);
  });

  it.each([
    ['nanoseconds', 10_000_000, 100],
    ['microseconds', 10_000, 100],
    ['milliseconds', 3, 333],
    ['seconds', 2, 1],
    ['nanoseconds', 0, 100],
    ['nanoseconds', -5, 100],
  ])('sampleRate from period %s × %d = %d', (unit, period, rate) => {
    const b = tinyProfile({ types: [['samples', 'count']], periodType: ['cpu', unit], period, samples: [{ stack: ['f'], values: [1] }] });
    expect(decoder().decode(input(b))[0].metadata.sampleRate).toBe(rate);
  });

  it('drops reserved __* label keys (a pprof label __name__ must not rename the app) but keeps __session_id__', () => {
    const b = tinyProfile({ types: [['samples', 'count']], samples: [{ stack: ['f'], values: [1], labels: { __name__: 'evil', __meta: 'x', __session_id__: 's1', env: 'e' } }] });
    const [p] = decoder().decode(input(b));
    expect(p.key).toEqual({ appName: 'app.cpu', labels: { __session_id__: 's1', env: 'e' } });
  });

  it('a series whose sum of values passes 2^53-1 is a 422 (each value alone is exact)', () => {
    const b = tinyProfile({
      types: [['samples', 'count']],
      samples: [
        { stack: ['f'], values: [2 ** 53 - 1] },
        { stack: ['g'], values: [1] },
      ],
    });
    expect(() => decoder().decode(input(b))).toThrow(/^pprof: series app\.cpu\{\}: sum of sample values exceeds 2\^53-1$/);
  });

  it('sampleRate is the /ingest default (100) without a period type', () => {
    const b = tinyProfile({ types: [['samples', 'count']], period: 10_000_000, samples: [{ stack: ['f'], values: [1] }] });
    expect(decoder().decode(input(b))[0].metadata.sampleRate).toBe(100);
  });
});

describe('pprof decoder: cumulative types', () => {
  const prev = fixture('go-heap-prev.pb.gz');
  const cur = fixture('go-heap-cur.pb.gz');

  function expectedDelta(type: string): Map<string, number> {
    const a = refFolded(cur, type);
    const b = refFolded(prev, type);
    const out = new Map<string, number>();
    for (const [k, v] of a) if (v - (b.get(k) ?? 0) > 0) out.set(k, v - (b.get(k) ?? 0));
    return out;
  }

  it('multipart prev_profile: stored value is profile − prev_profile per stack', () => {
    const mp = multipart([
      { name: 'profile', data: cur },
      { name: 'prev_profile', data: prev },
    ]);
    const { decode, baselines } = decoder();
    const got = byName(decode(input(mp.body, { contentType: mp.contentType })));
    expect(got.get('app.alloc_objects{}')!.tree.toFoldedMap()).toEqual(expectedDelta('alloc_objects'));
    expect(got.get('app.alloc_space{}')!.tree.toFoldedMap()).toEqual(expectedDelta('alloc_space'));
    expect(got.get('app.alloc_space{}')!.metadata).toEqual({ spyName: 'gospy', sampleRate: 0, units: 'bytes', aggregation: 'sum' });
    // Non-cumulative types are the current profile as is.
    expect(got.get('app.inuse_space{}')!.tree.total).toBe(sumsByType(cur).get('inuse_space'));
    expect(baselines.skippedCount()).toBe(0);
  });

  it('raw uploads: the first becomes the baseline (skipped), the next is the delta, a reset re-baselines', async () => {
    const skipped: string[] = [];
    const clock = new FakeClock();
    const baselines = createCumulativeBaselines({ clock, windowMs: 60_000, maxEntries: 10, onSkipped: (_id, r) => skipped.push(r) });
    const decode = createPprofDecoder({ baselines });
    const first = byName(decode(input(prev)));
    expect([...first.keys()].sort()).toEqual(['app.inuse_objects{}', 'app.inuse_space{}']);
    expect(baselines.skippedCount()).toBe(2);
    expect(skipped).toEqual(['first', 'first']);

    await clock.advance(10_000);
    const second = byName(decode(input(cur)));
    expect(second.get('app.alloc_objects{}')!.tree.toFoldedMap()).toEqual(expectedDelta('alloc_objects'));
    expect(second.get('app.alloc_space{}')!.tree.toFoldedMap()).toEqual(expectedDelta('alloc_space'));

    // Counters went backwards (a restart): new baseline, nothing stored for the cumulative types.
    await clock.advance(10_000);
    const third = byName(decode(input(prev)));
    expect(third.has('app.alloc_objects{}')).toBe(false);
    expect(skipped.slice(2)).toEqual(['reset', 'reset']);

    // Too old a baseline is not used.
    await clock.advance(120_000);
    expect(byName(decode(input(cur))).has('app.alloc_space{}')).toBe(false);
    expect(skipped.slice(4)).toEqual(['first', 'first']);
    expect(baselines.skippedCount()).toBe(6);
  });

  it('raw baselines are per series: different name tags do not share one', () => {
    const { decode, baselines } = decoder();
    decode(input(prev, { key: { appName: 'app', labels: { pod: 'a' } } }));
    const out = byName(decode(input(cur, { key: { appName: 'app', labels: { pod: 'b' } } })));
    expect(out.has('app.alloc_space{pod=b}')).toBe(false);
    expect(baselines.skippedCount()).toBe(4);
  });
});

describe('pprof decoder: bodies', () => {
  const body = tinyProfile({ types: [['samples', 'count']], samples: [{ stack: ['f'], values: [1] }] });

  it('empty body or a multipart body without a profile part decodes to nothing', () => {
    const d = decoder().decode;
    expect(d(input(new Uint8Array(0)))).toEqual([]);
    const mp = multipart([{ name: 'other', data: body }]);
    expect(d(input(mp.body, { contentType: mp.contentType }))).toEqual([]);
    const empty = multipart([{ name: 'profile', data: '' }]);
    expect(d(input(empty.body, { contentType: empty.contentType }))).toEqual([]);
  });

  it('accepts plain form parts (no filename) and multipart whatever the format param', () => {
    const mp = multipart([{ name: 'profile', data: gzipSync(body), plain: true }]);
    const out = decoder().decode(input(mp.body, { contentType: mp.contentType }));
    expect(out).toHaveLength(1);
    expect(out[0].tree.total).toBe(1);
  });

  it('multipart CT without a boundary is a 422', () => {
    expectError(() => decoder().decode(input(body, { contentType: 'multipart/form-data' })), 'malformed_body', /malformed multipart content type header/);
  });

  it('raw pprof over the decompressed limit is a 413', () => {
    const big = gzipSync(new Uint8Array(100_000));
    expectError(
      () => decoder().decode(input(big, { limits: { maxDecompressedBytes: 1000, maxSeriesPerRequest: 10, maxLabelsPerSeries: 10 } })),
      'decompressed_too_large',
      /1000 bytes/,
    );
  });

  it('decodes the same with gzip and without', () => {
    const d: ProfileDecoder = decoder().decode;
    const a = d(input(fixture('go-heap.pb')));
    const b = d(input(gzipSync(fixture('go-heap.pb'))));
    expect(b.map((p) => [normalizeKey(p.key), p.tree.toFoldedMap()])).toEqual(a.map((p) => [normalizeKey(p.key), p.tree.toFoldedMap()]));
  });
});
