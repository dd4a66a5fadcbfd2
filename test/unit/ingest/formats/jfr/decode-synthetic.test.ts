// Behaviour real JDK recordings cannot show: contexts and labels, async-profiler's `event` setting,
// LiveObject, string encodings, unknown events, tick conversion, limits.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeJfr } from '../../../../../src/ingest/formats/jfr/decode.js';
import { frameName, normalizeName } from '../../../../../src/ingest/formats/jfr/frames.js';
import { buildChunk } from './jfr-writer.js';
import { byName, encodeLabelsSnapshot, folded, input, multipart, pyrelayErrorOf } from './helpers.js';

const RUN = ['com/x/Main.main', 'com/x/Worker.run'];
const SLEEP = ['com/x/Main.main', 'java/lang/Thread.sleep'];

const names = (body: Uint8Array) => [...byName(decodeJfr(input(body))).keys()].sort();

describe('cpu naming from the chunk event setting (docs/compatibility.md#22)', () => {
  const chunk = (eventSetting?: string) =>
    buildChunk({
      eventSetting,
      samples: [
        { frames: RUN, n: 3 },
        { frames: SLEEP, state: 'STATE_SLEEPING', n: 2 },
      ],
    });

  it('missing setting -> .cpu with RUNNABLE samples only', () => {
    const s = byName(decodeJfr(input(chunk())));
    expect([...s.keys()]).toEqual(['app.cpu{env=test}']);
    expect(folded(s.get('app.cpu{env=test}'))).toEqual({ 'com/x/Main.main;com/x/Worker.run': 3 });
  });
  it('cpu -> .cpu, itimer -> .itimer, other values -> .unknown (as the original)', () => {
    expect(names(chunk('cpu'))).toEqual(['app.cpu{env=test}']);
    expect(names(chunk('itimer'))).toEqual(['app.itimer{env=test}']);
    expect(names(chunk('ctimer'))).toEqual(['app.unknown{env=test}']);
  });
  it('wall -> .cpu for RUNNABLE and .wall for every state', () => {
    const s = byName(decodeJfr(input(chunk('wall'))));
    expect(folded(s.get('app.cpu{env=test}'))).toEqual({ 'com/x/Main.main;com/x/Worker.run': 3 });
    expect(folded(s.get('app.wall{env=test}'))).toEqual({ 'com/x/Main.main;com/x/Worker.run': 3, 'com/x/Main.main;java/lang/Thread.sleep': 2 });
  });
  it('decides per chunk', () => {
    const a = chunk('itimer');
    const b = chunk();
    const both = new Uint8Array(a.length + b.length);
    both.set(a);
    both.set(b, a.length);
    expect(names(both)).toEqual(['app.cpu{env=test}', 'app.itimer{env=test}']);
  });
});

describe('contexts and labels', () => {
  const body = buildChunk({
    samples: [
      { frames: RUN, ctx: 0, n: 1 },
      { frames: RUN, ctx: 1, n: 2 },
      { frames: RUN, ctx: 2, n: 4 },
      { frames: RUN, ctx: 99, n: 8 },
    ],
    tlab: [{ frames: RUN, size: 1000, ctx: 1 }],
    live: [{ frames: RUN, ctx: 1 }],
  });
  // ctx 1: {span=a, env=prod}; ctx 2: {profile_id=p1}
  const labels = encodeLabelsSnapshot({ 1: { 10: 11, 12: 13 }, 2: { 14: 15 } }, { 10: 'span', 11: 'a', 12: 'env', 13: 'prod', 14: 'profile_id', 15: 'p1' });

  for (const [what, wrap] of [
    ['plain parts', (b: Uint8Array) => b],
    ['gzipped parts', (b: Uint8Array) => gzipSync(b)],
  ] as const) {
    it(`groups by contextId and tags series from the labels part (${what})`, () => {
      const mp = multipart([
        { name: 'jfr', filename: 'jfr', data: wrap(body) },
        { name: 'labels', filename: 'labels', data: wrap(labels) },
      ]);
      const s = byName(decodeJfr(input(mp.body, { contentType: mp.contentType })));
      const t = (k: string) => s.get(k)?.tree.total;
      // Context labels override the name tag env=test; id 0 and unknown ids get no labels.
      expect(t('app.cpu{env=prod,span=a}')).toBe(2);
      expect(t('app.cpu{env=test,profile_id=p1}')).toBe(4);
      // profile_id series are also merged into the series without it: 1 + 8 + 4.
      expect(t('app.cpu{env=test}')).toBe(13);
      expect(t('app.alloc_in_new_tlab_bytes{env=prod,span=a}')).toBe(1000);
      expect(t('app.alloc_in_new_tlab_objects{env=prod,span=a}')).toBe(1);
      // LiveObject has no context and is averaged.
      expect(t('app.live{env=test}')).toBe(1);
      expect(s.get('app.live{env=test}')?.metadata.aggregation).toBe('average');
      expect(s.size).toBe(6);
    });
  }

  it('without a labels part every context falls into the plain series', () => {
    const mp = multipart([{ name: 'jfr', data: body }]);
    const s = byName(decodeJfr(input(mp.body, { contentType: mp.contentType })));
    expect(s.get('app.cpu{env=test}')?.tree.total).toBe(15);
  });

  it('requires the jfr part', () => {
    const mp = multipart([{ name: 'labels', data: labels }]);
    const e = pyrelayErrorOf(() => decodeJfr(input(mp.body, { contentType: mp.contentType })));
    expect(e.status).toBe(422);
    expect(e.message).toContain('jfr field is required');
  });

  it('bounds the series count and labels per series with a 422', () => {
    const mp = multipart([
      { name: 'jfr', data: body },
      { name: 'labels', data: labels },
    ]);
    const lim = (maxSeriesPerRequest: number, maxLabelsPerSeries: number) =>
      input(mp.body, { contentType: mp.contentType, limits: { maxDecompressedBytes: 1 << 20, maxSeriesPerRequest, maxLabelsPerSeries } });
    expect(pyrelayErrorOf(() => decodeJfr(lim(3, 30))).message).toMatch(/more than the limit of 3 series/);
    expect(pyrelayErrorOf(() => decodeJfr(lim(100, 1))).message).toMatch(/2 labels, more than the limit of 1/);
  });
});

describe('encodings and structure', () => {
  const spec = {
    samples: [{ frames: RUN, n: 2 }],
    park: [{ frames: SLEEP, ticks: 3_000 }],
    unknownEvents: 5,
    ticksPerSecond: 1_000_000, // async-profiler style ticks: 3000 ticks at 1 MHz = 3 ms
  };
  const want = {
    'app.cpu{env=test}': { 'com/x/Main.main;com/x/Worker.run': 2 },
    'app.lock_count{env=test}': { 'com/x/Main.main;java/lang/Thread.sleep': 1 },
    'app.lock_duration{env=test}': { 'com/x/Main.main;java/lang/Thread.sleep': 3_000_000 },
  };
  for (const stringEncoding of [2, 3, 4, 5] as const) {
    for (const compressed of [true, false]) {
      it(`string encoding ${stringEncoding}, ${compressed ? 'compressed' : 'fixed-size'} integers; unknown events skipped; ticks -> ns`, () => {
        const s = byName(decodeJfr(input(buildChunk({ ...spec, stringEncoding, compressed }))));
        expect(Object.fromEntries([...s].map(([k, p]) => [k, folded(p)]))).toEqual(want);
      });
    }
  }

  it('an empty body is a no-op', () => {
    expect(decodeJfr(input(new Uint8Array()))).toEqual([]);
  });
});

describe('frame names', () => {
  it('normalises generated classes and temp-file library names', () => {
    expect(normalizeName('jdk/internal/reflect/GeneratedMethodAccessor31')).toBe('jdk/internal/reflect/GeneratedMethodAccessor_');
    expect(normalizeName('org/example/OrderService$$Lambda$669/0x0000000800fd7318')).toBe('org/example/OrderService$$Lambda$_');
    expect(normalizeName('Fib$$Lambda.0x00007ffa600c4da0')).toBe('Fib$$Lambda$_');
    expect(normalizeName('libzstd-jni-1.5.1-16931311898282279136.so')).toBe('libzstd-jni-_.so');
    expect(normalizeName('./tmp/libamazonCorrettoCryptoProvider109b39cf33c563eb.so')).toBe('libamazonCorrettoCryptoProvider_.so');
    expect(normalizeName('./tmp/amazonCorrettoCryptoProviderNativeLibraries.7382c2f79097f415/libcrypto.so (deleted)')).toBe('libamazonCorrettoCryptoProvider_.so');
    expect(normalizeName('libasyncProfiler-linux-x64-17b9a1d8156277a98ccc871afa9a8f69215f92.so')).toBe('libasyncProfiler-_.so');
    expect(normalizeName('java/lang/Thread')).toBe('java/lang/Thread');
    expect(frameName('java/lang/Thread', 'run')).toBe('java/lang/Thread.run');
    expect(frameName(undefined, 'epoll_wait')).toBe('epoll_wait');
  });

  it('applies them in decoded stacks', () => {
    const body = buildChunk({ samples: [{ frames: ['a/B$$Lambda$14/0x0000000800c03000.run', 'jdk/internal/reflect/GeneratedMethodAccessor7.invoke'] }] });
    expect(folded(decodeJfr(input(body))[0])).toEqual({ 'a/B$$Lambda$_.run;jdk/internal/reflect/GeneratedMethodAccessor_.invoke': 1 });
  });
});
