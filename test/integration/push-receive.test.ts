// Receiving Grafana's Push API: requests built with the official generated types,
// binary and JSON, gzip and not, are stored (exact /render totals) and forwarded; bad input and limits get
// the right Connect error codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBinary } from '@bufbuild/protobuf';
import { parseMultipart } from '../../src/ingest/multipart.js';
import { RawProfileSeriesSchema } from '../../src/proto/push/v1/push_pb.js';
import { startFakeTarget, type FakeTarget } from '../helpers/fake-target.js';
import { buildPprof, encodePush, gzipSync, pushRequest } from '../helpers/push.js';
import { metricValue, startTestServer, type TestServer } from '../helpers/server.js';

const T = 1_700_000_000;
const cpuProfile = (scale = 1) =>
  buildPprof({
    sampleTypes: [
      ['samples', 'count'],
      ['cpu', 'nanoseconds'],
    ],
    periodType: ['cpu', 'nanoseconds'],
    period: 10_000_000,
    timeNanos: BigInt(T) * 1_000_000_000n,
    durationNanos: 10_000_000_000n,
    samples: [
      { stack: ['main', 'work'], values: [3 * scale, 3e7 * scale] },
      { stack: ['main', 'idle'], values: [2 * scale, 2e7 * scale] },
    ],
  });

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

async function push(url: string, body: Buffer, headers: Record<string, string>, path = '/push.v1.PusherService/Push') {
  const res = await fetch(`${url}${path}`, { method: 'POST', body: new Uint8Array(body), headers });
  const text = await res.text();
  return {
    status: res.status,
    text,
    contentType: res.headers.get('content-type'),
    json: text.startsWith('{') ? (JSON.parse(text) as { code?: string; message?: string }) : undefined,
  };
}

async function render(url: string, query: string) {
  const res = await fetch(`${url}/render?${new URLSearchParams({ query, from: String(T - 60), until: String(T + 60), format: 'json' })}`);
  return ((await res.json()) as { flamebearer: { numTicks: number; names: string[] } }).flamebearer;
}

describe('receiving Push', () => {
  let server: TestServer;
  let target: FakeTarget;

  beforeAll(async () => {
    target = await startFakeTarget();
    server = await startTestServer({
      config: {
        ingest: { 'max-body-bytes': '64KiB', 'max-profiles-per-push': 4 },
        'remote-write': { enabled: true, targets: { down: { address: target.url, durable: false } } },
      },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await target?.close();
  });

  const variants = [
    { encoding: 'proto', gzip: false, path: '/push.v1.PusherService/Push' },
    { encoding: 'proto', gzip: true, path: '/pyroscope/push.v1.PusherService/Push' },
    { encoding: 'json', gzip: false, path: '/push.v1.PusherService/Push' },
    { encoding: 'json', gzip: true, path: '/pyroscope/push.v1.PusherService/Push' },
  ] as const;

  it.each(variants)('stores and forwards a $encoding push (gzip: $gzip) at $path', async ({ encoding, gzip, path }) => {
    const svc = `svc-${encoding}-${gzip ? 'gz' : 'plain'}`;
    const before = target.requests.length;
    const raw = cpuProfile();
    // One sample raw, one gzip'ed inside the message (RawSample.raw_profile may be either).
    const req = pushRequest([
      { labels: { service_name: svc, __name__: 'process_cpu', env: 'prod', __delta__: 'false' }, samples: [{ raw, id: `${svc}-1` }] },
      { labels: { service_name: svc, __name__: 'process_cpu', env: 'dev' }, samples: [{ raw: gzipSync(cpuProfile(2)), id: `${svc}-2` }] },
    ]);
    const { body, headers } = encodePush(req, encoding, gzip);
    const res = await push(server.url, body, headers, path);
    expect(res.status).toBe(200);
    expect(res.text).toBe(encoding === 'json' ? '{}' : '');
    expect(res.contentType).toContain(encoding === 'json' ? 'application/json' : 'application/proto');

    // service_name is the app, the pprof sample type gives the suffix, other labels are tags.
    expect((await render(server.url, `${svc}.cpu{env="prod"}`)).numTicks).toBe(5);
    expect((await render(server.url, `${svc}.cpu{env="dev"}`)).numTicks).toBe(10);
    expect((await render(server.url, `${svc}.cpu{}`)).numTicks).toBe(15);

    const sent = (await target.waitForRequests(before + 2)).slice(before);
    const names = sent.map((r) => r.query.name).sort();
    expect(names).toEqual([`${svc}{env=dev}`, `${svc}{env=prod}`]);
    const prod = sent.find((r) => r.query.name === `${svc}{env=prod}`)!;
    // Forwarded as the multipart upload /ingest would get: the pprof as sent, and how to name its types.
    expect(prod.path).toBe('/ingest');
    expect(prod.query.format).toBeUndefined();
    expect(prod.query.from).toBe(String(T));
    expect(prod.query.until).toBe(String(T + 10));
    const ct = String(prod.headers['content-type']);
    expect(ct).toMatch(/^multipart\/form-data; boundary=/);
    const parts = parseMultipart(prod.body, ct);
    expect(Buffer.compare(Buffer.from(parts.find((p) => p.name === 'profile')!.data), Buffer.from(raw))).toBe(0);
    expect(JSON.parse(Buffer.from(parts.find((p) => p.name === 'sample_type_config')!.data).toString())).toEqual({
      samples: { 'display-name': 'cpu', units: 'samples', sampled: true },
    });
    expect(prod.headers['x-pyrelay-profile-id']).toBe(`${svc}-1`);
  });

  it('names series by __name__: wall samples are .wall, block contentions .block_count', async () => {
    const wall = buildPprof({
      sampleTypes: [
        ['samples', 'count'],
        ['wall', 'nanoseconds'],
      ],
      periodType: ['wall', 'nanoseconds'],
      period: 10_000_000,
      timeNanos: BigInt(T) * 1_000_000_000n,
      samples: [{ stack: ['main', 'sleep'], values: [7, 7e7] }],
    });
    const block = buildPprof({
      sampleTypes: [
        ['contentions', 'count'],
        ['delay', 'nanoseconds'],
      ],
      timeNanos: BigInt(T) * 1_000_000_000n,
      samples: [{ stack: ['main', 'lock'], values: [3, 900] }],
    });
    const req = pushRequest([
      { labels: { service_name: 'named', __name__: 'wall' }, samples: [{ raw: wall }] },
      { labels: { service_name: 'named', __name__: 'block' }, samples: [{ raw: block }] },
    ]);
    const { body, headers } = encodePush(req, 'proto');
    expect((await push(server.url, body, headers)).status).toBe(200);
    expect((await render(server.url, 'named.wall{}')).numTicks).toBe(7);
    expect((await render(server.url, 'named.cpu{}')).numTicks).toBe(0);
    expect((await render(server.url, 'named.block_count{}')).numTicks).toBe(3);
    expect((await render(server.url, 'named.block_duration{}')).numTicks).toBe(900);
    expect((await render(server.url, 'named.mutex_count{}')).numTicks).toBe(0);
  });

  it('accepts RawProfileSeries.annotations (field 3 of newer push.proto revisions), in binary and JSON, and ignores them', async () => {
    const series = toBinary(RawProfileSeriesSchema, pushRequest([{ labels: { service_name: 'annotated', __name__: 'process_cpu' }, samples: [{ raw: cpuProfile() }] }]).series[0]);
    const annotation = Buffer.from([0x0a, 0x01, 0x6b, 0x12, 0x01, 0x76]); // ProfileAnnotation{key: "k", value: "v"}
    const withAnnotation = Buffer.concat([Buffer.from(series), Buffer.from([0x1a, annotation.length]), annotation]);
    const body = Buffer.concat([Buffer.from([0x0a]), Buffer.from(varint(withAnnotation.length)), withAnnotation]);
    expect((await push(server.url, body, { 'content-type': 'application/proto' })).status).toBe(200);
    const json = JSON.stringify({
      series: [
        {
          labels: [
            { name: 'service_name', value: 'annotated' },
            { name: '__name__', value: 'process_cpu' },
          ],
          samples: [{ rawProfile: Buffer.from(cpuProfile(2)).toString('base64') }],
          annotations: [{ key: 'k', value: 'v' }],
        },
      ],
    });
    expect((await push(server.url, Buffer.from(json), { 'content-type': 'application/json' })).status).toBe(200);
    expect((await render(server.url, 'annotated.cpu{}')).numTicks).toBe(15);
  });

  it('stores a repeated RawSample.ID once (the dedup id)', async () => {
    const req = pushRequest([{ labels: { service_name: 'dedup', __name__: 'process_cpu' }, samples: [{ raw: cpuProfile(), id: 'same-id' }] }]);
    const { body, headers } = encodePush(req, 'proto');
    expect((await push(server.url, body, headers)).status).toBe(200);
    expect((await push(server.url, body, headers)).status).toBe(200);
    expect((await render(server.url, 'dedup.cpu{}')).numTicks).toBe(5);
  });

  it('answers malformed protobuf with invalid_argument (400)', async () => {
    const res = await push(server.url, Buffer.from([0x0a, 0xff, 0xff, 0x01]), { 'content-type': 'application/proto' });
    expect(res.status).toBe(400);
    expect(res.contentType).toContain('application/json');
    expect(res.json?.code).toBe('invalid_argument');
    expect(res.json?.message).toMatch(/push\.v1\.PushRequest/);
  });

  it('answers malformed JSON and a bad pprof inside a valid message with invalid_argument', async () => {
    const badJson = await push(server.url, Buffer.from('{"series": ['), { 'content-type': 'application/json' });
    expect(badJson.status).toBe(400);
    expect(badJson.json?.code).toBe('invalid_argument');
    const req = pushRequest([{ labels: { service_name: 'bad', __name__: 'process_cpu' }, samples: [{ raw: Buffer.from('not a profile at all') }] }]);
    const { body, headers } = encodePush(req, 'proto');
    const res = await push(server.url, body, headers);
    expect(res.status).toBe(400);
    expect(res.json?.code).toBe('invalid_argument');
  });

  it('answers an unknown profile type and a missing service_name with invalid_argument', async () => {
    const unknown = encodePush(pushRequest([{ labels: { service_name: 'x', __name__: 'gpu_cycles' }, samples: [{ raw: cpuProfile() }] }]), 'proto');
    const res = await push(server.url, unknown.body, unknown.headers);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ code: 'invalid_argument', message: expect.stringMatching(/unknown profile type "gpu_cycles"/) });
    const noService = encodePush(pushRequest([{ labels: { __name__: 'process_cpu' }, samples: [{ raw: cpuProfile() }] }]), 'json');
    const res2 = await push(server.url, noService.body, noService.headers);
    expect(res2.status).toBe(400);
    expect(res2.json?.message).toMatch(/service name is not provided/);
    expect((await render(server.url, 'x.cpu{}')).numTicks).toBe(0);
  });

  it('answers limit breaches with resource_exhausted (429) and counts them', async () => {
    const big = encodePush(pushRequest([{ labels: { service_name: 'big', __name__: 'process_cpu' }, samples: [{ raw: Buffer.alloc(70 * 1024, 1) }] }]), 'proto');
    const res = await push(server.url, big.body, big.headers);
    expect(res.status).toBe(429);
    expect(res.json?.code).toBe('resource_exhausted');

    const many = encodePush(
      pushRequest([{ labels: { service_name: 'many', __name__: 'process_cpu' }, samples: Array.from({ length: 5 }, () => ({ raw: cpuProfile() })) }]),
      'proto',
    );
    const res2 = await push(server.url, many.body, many.headers);
    expect(res2.status).toBe(429);
    expect(res2.json).toEqual({ code: 'resource_exhausted', message: expect.stringMatching(/max-profiles-per-push/) });
    const m = await server.metrics();
    expect(metricValue(m, 'pyrelay_ingest_limit_hits_total', 'limit="max-body-bytes"')).toBeGreaterThanOrEqual(1);
    expect(metricValue(m, 'pyrelay_ingest_limit_hits_total', 'limit="max-profiles-per-push"')).toBe(1);
    expect(metricValue(m, 'pyrelay_ingest_requests_total', 'format="push",status="429"')).toBe(2);
  });

  it('bounds the inflated size of all samples of one push together (many small gzip bombs)', async () => {
    const small = await startTestServer({ config: { ingest: { 'max-decompressed-bytes': '256KiB' } } });
    try {
      // Each sample inflates to 100 KiB (under the limit alone), three of them exceed it together.
      const bomb = gzipSync(Buffer.alloc(100 * 1024));
      const req = encodePush(pushRequest([{ labels: { service_name: 'bomb', __name__: 'process_cpu' }, samples: [{ raw: bomb }, { raw: bomb }, { raw: bomb }] }]), 'proto');
      const res = await push(small.url, req.body, req.headers);
      expect(res.status).toBe(429);
      expect(res.json).toEqual({ code: 'resource_exhausted', message: expect.stringMatching(/decompressed limit of 262144 bytes/) });
      expect(metricValue(await small.metrics(), 'pyrelay_ingest_limit_hits_total', 'limit="max-decompressed-bytes"')).toBe(1);
    } finally {
      await small.stop();
    }
  });

  it('refuses a content type Connect unary does not use', async () => {
    const res = await push(server.url, Buffer.from('x'), { 'content-type': 'text/plain' });
    expect(res.status).toBe(400);
    expect(res.json?.code).toBe('invalid_argument');
  });
});
