// Contract of `protocol: push`: a real pyrelay forwards to a fake Grafana target
// that decodes every request with the official generated types: labels, pprof bytes, IDs, the batching
// bound, auth and tenant headers; folded and JFR input arrive as valid pprof whose totals equal the input.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJfr } from '../../src/ingest/formats/jfr/decode.js';
import type { PushRequest } from '../../src/proto/push/v1/push_pb.js';
import { startFakeTarget, type FakeTarget, type RecordedRequest } from '../helpers/fake-target.js';
import { buildPprof, decodePprof, decodePush, pprofStacks, sumValues } from '../helpers/push.js';
import { metricValue, startTestServer, type TestServer } from '../helpers/server.js';

const T = 1_700_000_000;
const MAX_BATCH = 4096;
const fixture = (p: string) => readFileSync(new URL(`../fixtures/${p}`, import.meta.url));

async function ingest(url: string, query: Record<string, string>, body: Buffer | Uint8Array, contentType?: string) {
  const res = await fetch(`${url}/ingest?${new URLSearchParams(query)}`, {
    method: 'POST',
    body: new Uint8Array(body),
    headers: contentType ? { 'content-type': contentType } : {},
  });
  expect(res.status).toBe(200);
}

const labelsOf = (s: PushRequest['series'][number]) => Object.fromEntries(s.labels.map((l) => [l.name, l.value]));
const seriesOf = (reqs: RecordedRequest[]) => reqs.flatMap((r) => decodePush(r.body).series);

// Batched bodies (one per request, not shared between targets) through both senders.
for (const sendThread of [false, true]) {
  describe(`protocol: push${sendThread ? ' (send thread)' : ''}`, () => {
    let target: FakeTarget;
    let server: TestServer;

    beforeAll(async () => {
      target = await startFakeTarget({ kind: 'status', status: 200, headers: { 'content-type': 'application/proto' } });
      server = await startTestServer({
        config: {
          'remote-write': {
            enabled: true,
            'disable-local-writes': true,
            'send-thread': sendThread,
            targets: {
              grafana: {
                address: `${target.url}/prefix`,
                protocol: 'push',
                'auth-token': 'secret-token',
                'tenant-id': 'team-a',
                headers: { 'X-Extra': 'yes' },
                tags: { region: 'eu' },
                durable: false,
                'queue-workers': 1,
                'max-batch-bytes': MAX_BATCH,
                'min-backoff': '10ms',
                'max-backoff': '20ms',
              },
            },
          },
        },
      });
    });
    afterAll(async () => {
      await server?.stop();
      await target?.close();
    });

    it('sends pprof as received with Grafana labels, auth, tenant and Connect headers', async () => {
      const before = target.requests.length;
      const pprof = buildPprof({
        sampleTypes: [
          ['samples', 'count'],
          ['cpu', 'nanoseconds'],
        ],
        periodType: ['cpu', 'nanoseconds'],
        period: 10_000_000,
        timeNanos: BigInt(T) * 1_000_000_000n,
        samples: [{ stack: ['main', 'run'], values: [4, 4e7] }],
      });
      await ingest(server.url, { name: 'goapp{env=prod,service.version=1.2}', format: 'pprof', from: String(T), until: String(T + 10), spyName: 'gospy' }, pprof);
      const [req] = (await target.waitForRequests(before + 1)).slice(before);
      expect(req.method).toBe('POST');
      expect(req.path).toBe('/prefix/push.v1.PusherService/Push');
      expect(req.headers['content-type']).toBe('application/proto');
      expect(req.headers['connect-protocol-version']).toBe('1');
      expect(req.headers['authorization']).toBe('Bearer secret-token');
      expect(req.headers['x-scope-orgid']).toBe('team-a');
      expect(req.headers['x-extra']).toBe('yes');

      const push = decodePush(req.body);
      expect(push.series).toHaveLength(1);
      const [s] = push.series;
      expect(s.labels.map((l) => [l.name, l.value])).toEqual([
        ['__delta__', 'false'],
        ['__name__', 'process_cpu'],
        ['env', 'prod'],
        ['pyroscope_spy', 'gospy'],
        ['region', 'eu'],
        ['service_name', 'goapp'],
        ['service_version', '1.2'],
      ]);
      expect(s.samples).toHaveLength(1);
      expect(Buffer.compare(Buffer.from(s.samples[0].rawProfile), Buffer.from(pprof))).toBe(0);
      expect(s.samples[0].ID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    });

    it('gives the same profile the same RawSample.ID on every delivery, and another profile another', async () => {
      const before = target.requests.length;
      const q = { name: 'idapp.cpu', from: String(T), until: String(T + 10) };
      await ingest(server.url, q, Buffer.from('a;b 1\n'));
      await target.waitForRequests(before + 1);
      await ingest(server.url, q, Buffer.from('a;b 1\n'));
      await target.waitForRequests(before + 2);
      await ingest(server.url, { ...q, until: String(T + 11) }, Buffer.from('a;b 1\n'));
      const ids = seriesOf((await target.waitForRequests(before + 3)).slice(before)).map((s) => s.samples[0].ID);
      expect(ids).toHaveLength(3);
      expect(ids[1]).toBe(ids[0]);
      expect(ids[2]).not.toBe(ids[0]);
    });

    it('converts folded input to pprof: cpu as nanoseconds scaled from the sample rate, totals equal to the input', async () => {
      const before = target.requests.length;
      await ingest(server.url, { name: 'folded.cpu{env=dev}', from: String(T), until: String(T + 10), sampleRate: '100' }, Buffer.from('main;work 3\nmain;idle 2\n'));
      await ingest(server.url, { name: 'folded.inuse_space', from: String(T), until: String(T + 10) }, Buffer.from('main;alloc 4096\n'));
      const series = seriesOf((await target.waitForRequests(before + 2)).slice(before));
      const cpu = series.find((s) => labelsOf(s).__name__ === 'process_cpu')!;
      expect(labelsOf(cpu)).toMatchObject({ service_name: 'folded', env: 'dev', region: 'eu' });
      const p = decodePprof(cpu.samples[0].rawProfile);
      const str = (i: bigint) => p.stringTable[Number(i)];
      // Like Go's cpu profiles: the sample count and the nanoseconds it stands for (1e9 / sampleRate each).
      expect(p.sampleType.map((t) => [str(t.type), str(t.unit)])).toEqual([
        ['samples', 'count'],
        ['cpu', 'nanoseconds'],
      ]);
      expect(Object.fromEntries(pprofStacks(p, 'samples'))).toEqual({ 'main;work': 3, 'main;idle': 2 });
      expect([str(p.periodType!.type), str(p.periodType!.unit), p.period]).toEqual(['cpu', 'nanoseconds', 10_000_000n]);
      expect(p.timeNanos).toBe(BigInt(T) * 1_000_000_000n);
      expect(p.durationNanos).toBe(10_000_000_000n);
      expect(Object.fromEntries(pprofStacks(p, 'cpu'))).toEqual({ 'main;work': 3e7, 'main;idle': 2e7 });

      const mem = series.find((s) => labelsOf(s).__name__ === 'memory')!;
      const pm = decodePprof(mem.samples[0].rawProfile);
      expect(Object.fromEntries(pprofStacks(pm, 'inuse_space'))).toEqual({ 'main;alloc': 4096 });
    });

    it('converts JFR input to pprof series whose totals equal the decoded recording', async () => {
      const before = target.requests.length;
      const jfr = fixture('jfr/workload.jfr');
      await ingest(server.url, { name: 'javaapp', format: 'jfr', from: String(T), until: String(T + 10) }, jfr);
      const expected = decodeJfr({
        body: jfr,
        contentType: undefined,
        key: { appName: 'javaapp', labels: {} },
        spyName: 'unknown',
        sampleRate: 100,
        sampleRateGiven: false,
        units: 'samples',
        aggregation: 'sum',
        limits: { maxDecompressedBytes: 1 << 28, maxSeriesPerRequest: 10_000, maxLabelsPerSeries: 64 },
      });
      expect(expected.length).toBeGreaterThan(1);
      // The JFR item may span several batched requests.
      const got = async () => seriesOf(target.requests.slice(before)).filter((s) => labelsOf(s).service_name === 'javaapp');
      await target.waitForRequests(before + 1);
      await expect.poll(async () => (await got()).length).toBe(expected.length);
      const series = await got();
      // suffix -> the pprof sample type and __name__ Grafana uses for it.
      const grafanaType: Record<string, [string, string]> = {
        cpu: ['cpu', 'process_cpu'],
        lock_count: ['contentions', 'block'],
        lock_duration: ['delay', 'block'],
      };
      for (const e of expected) {
        const suffix = e.key.appName.slice('javaapp.'.length);
        const [sampleType, name] = grafanaType[suffix] ?? [suffix, 'memory'];
        const match = series.filter((s) => {
          const p = decodePprof(s.samples[0].rawProfile);
          return p.sampleType.some((t) => p.stringTable[Number(t.type)] === sampleType);
        });
        expect(match, suffix).toHaveLength(1);
        expect(labelsOf(match[0]).__name__, suffix).toBe(name);
        const total = sumValues(pprofStacks(decodePprof(match[0].samples[0].rawProfile), sampleType));
        // cpu samples at 100 Hz are sent as nanoseconds: 1e7 ns per sample.
        expect(total, suffix).toBe(e.tree.total * (suffix === 'cpu' ? 1e7 : 1));
      }
    });

    it('batches queued profiles into requests within max-batch-bytes, each profile once', async () => {
      target.behave({ kind: 'hold' });
      const before = target.requests.length;
      // The first request is held, so the next ones queue up behind the single worker.
      await ingest(server.url, { name: 'batch.cpu{n=0}', from: String(T), until: String(T + 10) }, Buffer.from('a;b 1\n'));
      await target.waitForRequests(before + 1);
      const n = 40;
      for (let i = 1; i <= n; i++) {
        await ingest(server.url, { name: `batch.cpu{n=${i}}`, from: String(T), until: String(T + 10) }, Buffer.from(`root;frame_${'x'.repeat(200)}_${i} ${i}\n`));
      }
      target.release(true);
      await expect.poll(() => seriesOf(target.requests.slice(before)).length, { timeout: 10_000 }).toBe(n + 1);
      const reqs = target.requests.slice(before);
      for (const r of reqs) expect(r.body.length).toBeLessThanOrEqual(MAX_BATCH);
      expect(reqs.length).toBeLessThan(n + 1); // some requests carried several profiles
      expect(Math.max(...reqs.map((r) => decodePush(r.body).series.length))).toBeGreaterThan(1);
      const ns = seriesOf(reqs)
        .map((s) => Number(labelsOf(s).n))
        .sort((a, b) => a - b);
      expect(ns).toEqual(Array.from({ length: n + 1 }, (_, i) => i));
      const m = await server.metrics();
      expect(metricValue(m, 'pyrelay_remote_write_sent_profiles_total', `target_name="grafana",target_address="${target.url}/prefix"`)).toBeGreaterThanOrEqual(n + 1);
    });

    it('classifies Connect errors on the wire: unavailable retried, invalid_argument and size limits dropped, each counted by code', async () => {
      const labels = `target_name="grafana",target_address="${target.url}/prefix"`;
      const metric = async (name: string, extra: string) => metricValue(await server.metrics(), name, `${labels},${extra}`);
      const connectError = (status: number, code: string, message: string) =>
        ({ kind: 'status', status, body: JSON.stringify({ code, message }), headers: { 'content-type': 'application/json' } }) as const;
      const send = async (name: string) => {
        const before = target.requests.length;
        await ingest(server.url, { name, from: String(T), until: String(T + 10) }, Buffer.from('a;b 1\n'));
        await target.waitForRequests(before + 1);
        return before;
      };

      // Retried: 503 unavailable, then 200.
      target.behave(connectError(503, 'unavailable', 'ingester ring not ready'));
      const before = await send('retry.cpu');
      target.behave({ kind: 'status', status: 200 });
      const [first, second] = (await target.waitForRequests(before + 2)).slice(before);
      expect(decodePush(second.body).series[0].samples[0].ID).toBe(decodePush(first.body).series[0].samples[0].ID);
      await expect.poll(() => metric('pyrelay_remote_write_retries_total', 'reason="unavailable"')).toBe(1);

      // Permanent: invalid_argument, and resource_exhausted naming a size limit.
      target.behave(connectError(400, 'invalid_argument', 'invalid labels'));
      const b2 = await send('invalid.cpu');
      await expect.poll(() => metric('pyrelay_remote_write_dropped_total', 'reason="non_retryable"')).toBe(1);
      target.behave(connectError(429, 'resource_exhausted', 'profile_size_limit: profile exceeds the limit'));
      await send('toolarge.cpu');
      await expect.poll(() => metric('pyrelay_remote_write_dropped_total', 'reason="non_retryable"')).toBe(2);
      expect(await metric('pyrelay_remote_write_send_failures_total', 'reason="invalid_argument"')).toBe(1);
      expect(await metric('pyrelay_remote_write_send_failures_total', 'reason="resource_exhausted"')).toBe(1);
      // Neither was retried.
      expect(target.requests.slice(b2).length).toBe(2);
      target.behave({ kind: 'status', status: 200 });
    });
  });
}
