// The push strategy without HTTP: encoding (labels, IDs, conversion), the batching view of a queue (byte
// bound, tenants, undecodable items) and the request builder (path, auth, tenant, Connect headers).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createDecoders } from '../../../src/ingest/formats/index.js';
import { pprofUpload } from '../../../src/ingest/push-request.js';
import { createPprofExporter } from '../../../src/ingest/pprof-export.js';
import { systemClock } from '../../../src/lib/clock.js';
import { createBatchingQueue, createPushEncoder, createPushRequestBuilder, isBatchLease, type PushExporter } from '../../../src/remote-write/push-protocol.js';
import { createMemoryQueue } from '../../../src/remote-write/queue.js';
import { buildPprof, decodePprof, decodePush, pprofStacks } from '../../helpers/push.js';
import { item, target } from './fixtures.js';

const limits = { maxDecompressedBytes: 1 << 26, maxSeriesPerRequest: 1000, maxLabelsPerSeries: 64 };
const exportPprof = createPprofExporter({ decoders: createDecoders({ clock: systemClock, onCumulativeSkipped: () => {} }), limits });
const exporter: PushExporter = (it) => exportPprof(it);
const labels = (s: { labels: { name: string; value: string }[] }) => Object.fromEntries(s.labels.map((l) => [l.name, l.value]));
const pprofTypes = (s: { samples: { rawProfile: Uint8Array }[] }) => {
  const p = decodePprof(s.samples[0].rawProfile);
  return p.sampleType.map((t) => p.stringTable[Number(t.type)]);
};

describe('push encoder', () => {
  const t = target({ protocol: 'push', tags: { cluster: 'eu' } });
  const encode = createPushEncoder(t, exporter);

  it('encodes a folded item as one series with Grafana labels and a deterministic UUID-shaped ID', () => {
    const a = encode(item({ appName: 'shop.cpu', labels: { env: 'prod', cluster: 'us' } }));
    const b = encode(item({ appName: 'shop.cpu', labels: { env: 'prod', cluster: 'us' } }));
    expect(Buffer.compare(a.bytes, b.bytes)).toBe(0);
    const [s] = decodePush(a.bytes).series;
    expect(labels(s)).toEqual({ __delta__: 'false', __name__: 'process_cpu', cluster: 'eu', env: 'prod', service_name: 'shop' });
    expect(s.samples[0].ID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const other = decodePush(encode(item({ appName: 'shop.cpu', profileId: 'pid-2' })).bytes).series[0];
    expect(other.samples[0].ID).not.toBe(s.samples[0].ID);
  });

  it('sends a name without a known suffix whole, typed by its units', () => {
    const [s] = decodePush(encode(item({ appName: 'my.app' })).bytes).series;
    expect(labels(s)).toMatchObject({ service_name: 'my.app', __name__: 'process_cpu' });
  });

  it('converts lines and speedscope input with totals equal to the input', () => {
    const lines = decodePush(encode(item({ appName: 'l.cpu', format: 'lines', body: Buffer.from('a;b\na;b\na;c\n') })).bytes).series[0];
    expect(Object.fromEntries(pprofStacks(decodePprof(lines.samples[0].rawProfile), 'samples'))).toEqual({ 'a;b': 2, 'a;c': 1 });
    const speedscope = Buffer.from(
      JSON.stringify({
        $schema: 'https://www.speedscope.app/file-format-schema.json',
        shared: { frames: [{ name: 'a' }, { name: 'b' }] },
        profiles: [{ type: 'sampled', name: 'p', unit: 'bytes', startValue: 0, endValue: 2, samples: [[0, 1], [0]], weights: [100, 50] }],
      }),
    );
    const ss = decodePush(encode(item({ appName: 'ss.bytes', format: 'speedscope', body: speedscope })).bytes).series[0];
    expect(labels(ss)).toMatchObject({ service_name: 'ss', __name__: 'memory' });
    expect(Object.fromEntries(pprofStacks(decodePprof(ss.samples[0].rawProfile), 'samples'))).toEqual({ 'a;b': 100, a: 50 });
  });

  it('sends a pprof that arrived by Push (multipart with its sample_type_config) as the original pprof, named by the config', () => {
    const pprof = buildPprof({ sampleTypes: [['samples', 'count']], samples: [{ stack: ['m', 'w'], values: [1] }] });
    const up = pprofUpload(pprof, 'wall');
    const [s] = decodePush(encode(item({ appName: 'svc', format: 'pprof', body: up.body, contentType: up.contentType })).bytes).series;
    expect(labels(s)).toMatchObject({ service_name: 'svc', __name__: 'wall' });
    expect(Buffer.compare(Buffer.from(s.samples[0].rawProfile), Buffer.from(pprof))).toBe(0);
  });
});

describe('cumulative pprof uploads', () => {
  it('sends the difference of a multipart profile and its prev_profile, per series, as pyrelay stores it', () => {
    const fixture = (f: string) => readFileSync(new URL(`../../fixtures/pprof/${f}`, import.meta.url));
    const boundary = 'b0undary';
    const part = (name: string, data: Buffer) => [
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}"\r\n\r\n`),
      data,
      Buffer.from('\r\n'),
    ];
    const body = Buffer.concat([...part('profile', fixture('go-heap-cur.pb.gz')), ...part('prev_profile', fixture('go-heap-prev.pb.gz')), Buffer.from(`--${boundary}--\r\n`)]);
    const contentType = `multipart/form-data; boundary=${boundary}`;
    const it0 = item({ appName: 'goheap', format: 'pprof', body, contentType });
    const stored = createDecoders({ clock: systemClock, onCumulativeSkipped: () => {} }).pprof({
      body,
      contentType,
      key: it0.request.key,
      spyName: 'gospy',
      sampleRate: 100,
      sampleRateGiven: false,
      units: 'samples',
      aggregation: 'sum',
      limits,
    });
    const series = decodePush(createPushEncoder(target({ protocol: 'push' }), exporter)(it0).bytes).series;
    expect(stored.length).toBe(4); // alloc_objects, alloc_space (differences), inuse_objects, inuse_space
    expect(series.map((s) => labels(s).__name__)).toEqual(stored.map(() => 'memory'));
    for (const p of stored) {
      const type = p.key.appName.slice('goheap.'.length);
      const match = series.filter((s) => pprofTypes(s).includes(type));
      expect(match, type).toHaveLength(1);
      const total = [...pprofStacks(decodePprof(match[0].samples[0].rawProfile), type).values()].reduce((a, b) => a + b, 0);
      expect(total, type).toBe(p.tree.total);
    }
  });
});

describe('batching queue', () => {
  const t = target({ protocol: 'push', tenantId: 'passthrough' });
  const encode = createPushEncoder(t, exporter);

  it('batches what waits, within the byte bound and per tenant, and drops what cannot be encoded', async () => {
    const dropped: string[] = [];
    const inner = createMemoryQueue(100, { onDrop: (reason) => dropped.push(reason) });
    const one = encode(item({ appName: 'a.cpu', profileId: 'x' })).bytes.length;
    const errors: unknown[] = [];
    const q = createBatchingQueue(inner, { maxBatchBytes: one * 3, encode, onEncodeError: (_i, e) => errors.push(e) });
    const items = [
      ...Array.from({ length: 5 }, (_, i) => item({ appName: 'a.cpu', profileId: `p${i}` })),
      item({ appName: 'a.cpu', profileId: 'bad', format: 'trie', body: Buffer.from([0xff]) }),
      item({ appName: 'a.cpu', profileId: 't1', tenant: 'team-b' }),
      item({ appName: 'a.cpu', profileId: 't2', tenant: 'team-b' }),
    ];
    for (const it of items) expect(inner.push(it)).toBe('accepted');

    const sizes: number[] = [];
    const tenants: (string | undefined)[] = [];
    for (let i = 0; i < 3; i++) {
      const lease = await q.take();
      if (lease === undefined || !isBatchLease(lease)) throw new Error('expected a batch');
      expect(lease.body.length).toBeLessThanOrEqual(one * 3);
      expect(decodePush(lease.body).series).toHaveLength(lease.items.length);
      sizes.push(lease.items.length);
      tenants.push(lease.tenant);
      await lease.ack();
    }
    expect(sizes).toEqual([3, 2, 2]);
    expect(tenants).toEqual([undefined, undefined, 'team-b']);
    expect(errors).toHaveLength(1);
    expect(dropped).toEqual(['non_retryable']);
    expect(inner.pending).toBe(0);
  });
});

describe('push request builder', () => {
  it('posts to <address path>/push.v1.PusherService/Push with auth, tenant and Connect headers', () => {
    const build = createPushRequestBuilder(target({ address: 'https://u:p@grafana.example/prefix/', headers: { 'X-A': '1', 'Content-Type': 'text/plain' }, tenantId: 'x' }));
    const req = build({ item: item(), items: [item()], body: Buffer.from('b'), tenant: 'team', enqueuedAtMs: 0, ack: async () => {}, drop: async () => {}, release: () => {} });
    expect(req.url).toBe('https://grafana.example/prefix/push.v1.PusherService/Push');
    expect(req.path).toBe('/prefix/push.v1.PusherService/Push');
    expect(req.headers).toEqual({
      'x-a': '1',
      'content-type': 'application/proto',
      'connect-protocol-version': '1',
      authorization: `Basic ${Buffer.from('u:p').toString('base64')}`,
      'x-scope-orgid': 'team',
    });
  });
});
