// Contract tests for the querier Grafana's Pyroscope data source calls: a real Connect client (connect-web
// over fetch) built from the official generated types, in binary protobuf and in JSON, against a real
// pyrelay with tenants and query auth on. Every number is checked against /render of the same data.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, type Client } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-web';
import { Profile as PprofProfile } from 'pprof-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../../src/auth/key-store.js';
import { ProfileSchema } from '../../src/proto/google/v1/profile_pb.js';
import { QuerierService } from '../../src/proto/querier/v1/querier_pb.js';
import { TimeSeriesAggregationType } from '../../src/proto/types/v1/types_pb.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const FROM = 1_700_000_000; // unix s, 10 s aligned
const START = BigInt((FROM - 60) * 1000);
const END = BigInt((FROM + 120) * 1000);
const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const MEM = 'memory:inuse_space:bytes:inuse_space:bytes';
const NS_PER_SAMPLE = 1e9 / 100; // sampleRate 100

let server: TestServer;
let keys: { read: string; ingest: string; readB: string };

async function ingest(tenant: string, name: string, body: string, from: number, extra = '') {
  const res = await fetch(`${server.url}/ingest?name=${encodeURIComponent(name)}&from=${from}&until=${from + 10}&sampleRate=100&spyName=gospy${extra}`, {
    method: 'POST',
    body,
    headers: { authorization: `Bearer ${keys.ingest}`, 'x-scope-orgid': tenant },
  });
  expect(res.status, await res.text()).toBe(200);
}

async function render(query: string, tenant = 'team-a') {
  const res = await fetch(`${server.url}/render?query=${encodeURIComponent(query)}&from=${FROM - 60}&until=${FROM + 120}`, {
    headers: { authorization: `Bearer ${keys.read}`, 'x-scope-orgid': tenant },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as {
    flamebearer: { names: string[]; levels: number[][]; numTicks: number };
    timeline: { startTime: number; durationDelta: number; samples: number[] };
  };
}

beforeAll(async () => {
  const storagePath = join(mkdtempSync(join(tmpdir(), 'pyrelay-querier-')), 'data');
  const file = join(storagePath, 'auth', 'keys.json');
  keys = {
    read: createKey(file, { name: 'grafana', role: 'read', now: new Date() }).key,
    ingest: createKey(file, { name: 'agent', role: 'ingest', now: new Date() }).key,
    readB: createKey(file, { name: 'grafana-b', role: 'read', tenant: 'team-b', now: new Date() }).key,
  };
  server = await startTestServer({
    storagePath,
    config: { 'multitenancy-enabled': true, auth: { ingestion: { enabled: true }, query: { enabled: true } } },
  });
  await ingest('team-a', 'shop.cpu{env=prod,region=eu}', 'main;checkout 30\nmain;cart 10\n', FROM);
  await ingest('team-a', 'shop.cpu{env=prod,region=eu}', 'main;checkout 2\n', FROM + 30);
  await ingest('team-a', 'shop.cpu{env=staging}', 'main;cart 5\n', FROM + 20);
  await ingest('team-a', 'shop.inuse_space{env=prod}', 'alloc;buf 1024\nalloc 512\n', FROM, '&units=bytes');
  await ingest('team-b', 'other.cpu', 'x 3\n', FROM);
});
afterAll(() => server?.stop());

describe.each([
  { encoding: 'binary', useBinaryFormat: true },
  { encoding: 'JSON', useBinaryFormat: false },
])('querier.v1 over Connect ($encoding)', ({ useBinaryFormat }) => {
  const client = (headers: Record<string, string> = { authorization: `Bearer ${keys.read}`, 'x-scope-orgid': 'team-a' }, prefix = ''): Client<typeof QuerierService> =>
    createClient(
      QuerierService,
      createConnectTransport({
        baseUrl: server.url + prefix,
        useBinaryFormat,
        interceptors: [
          (next) => async (req) => {
            for (const [k, v] of Object.entries(headers)) req.header.set(k, v);
            return next(req);
          },
        ],
      }),
    );

  it('ProfileTypes lists what was ingested (per tenant); the health check range answers empty', async () => {
    const res = await client().profileTypes({ start: START, end: END });
    expect(res.profileTypes.map((t) => t.ID)).toEqual([MEM, CPU]);
    expect(res.profileTypes[1]).toMatchObject({ name: 'process_cpu', sampleType: 'cpu', sampleUnit: 'nanoseconds', periodType: 'cpu', periodUnit: 'nanoseconds' });
    expect((await client().profileTypes({ start: 1000n, end: 4000n })).profileTypes).toEqual([]);
    const b = await client({ authorization: `Bearer ${keys.readB}` }).profileTypes({ start: START, end: END });
    expect(b.profileTypes.map((t) => t.ID)).toEqual([CPU]);
  });

  it('LabelNames, LabelValues and Series', async () => {
    const names = await client().labelNames({ matchers: ['{service_name="shop"}'], start: START, end: END });
    expect(names.names).toEqual(expect.arrayContaining(['service_name', 'env', 'region', '__name__']));
    const services = await client().labelValues({ name: 'service_name', start: START, end: END });
    expect(services.names).toEqual(['shop']);
    const envs = await client().labelValues({ name: 'env', matchers: [`{__profile_type__="${CPU}", service_name="shop"}`], start: START, end: END });
    expect(envs.names).toEqual(['prod', 'staging']);
    const series = await client().series({ matchers: ['{service_name="shop"}'], labelNames: ['service_name', '__profile_type__'], start: START, end: END });
    const sets = series.labelsSet.map((l) => Object.fromEntries(l.labels.map((p) => [p.name, p.value])));
    expect(sets).toEqual(
      expect.arrayContaining([
        { service_name: 'shop', __profile_type__: CPU },
        { service_name: 'shop', __profile_type__: MEM },
      ]),
    );
    expect(sets).toHaveLength(2);
  });

  it('SelectMergeStacktraces totals equal /render totals (cpu in nanoseconds: samples x 1e9 / rate)', async () => {
    const all = await client().selectMergeStacktraces({ profileTypeID: CPU, labelSelector: '{service_name="shop"}', start: START, end: END });
    const r = await render('shop.cpu{}');
    expect(r.flamebearer.numTicks).toBe(47);
    expect(Number(all.flamegraph!.total)).toBe(r.flamebearer.numTicks * NS_PER_SAMPLE);
    expect(all.flamegraph!.names).toEqual(r.flamebearer.names);
    // [x, total, self, nameIndex]: the three values scale, the name index does not.
    expect(all.flamegraph!.levels.map((l) => l.values.map((v, i) => (i % 4 === 3 ? Number(v) : Number(v) / NS_PER_SAMPLE)))).toEqual(r.flamebearer.levels);

    const prod = await client().selectMergeStacktraces({ profileTypeID: CPU, labelSelector: '{service_name="shop", env=~"p.*"}', start: START, end: END });
    expect(Number(prod.flamegraph!.total)).toBe((await render('shop.cpu{env="prod"}')).flamebearer.numTicks * NS_PER_SAMPLE);
    // Prometheus semantics: regexes are anchored (`p` alone matches neither prod nor staging).
    const none = await client().selectMergeStacktraces({ profileTypeID: CPU, labelSelector: '{service_name="shop", env=~"p"}', start: START, end: END });
    expect(Number(none.flamegraph!.total)).toBe(0);

    // Bytes are not scaled: the flame graph is /render's, number for number.
    const mem = await client().selectMergeStacktraces({ profileTypeID: MEM, labelSelector: '{service_name="shop"}', start: START, end: END, maxNodes: 2n });
    const rm = await fetch(`${server.url}/render?query=shop.inuse_space{}&from=${FROM - 60}&until=${FROM + 120}&max-nodes=2`, {
      headers: { authorization: `Bearer ${keys.read}`, 'x-scope-orgid': 'team-a' },
    }).then((x) => x.json());
    expect(Number(mem.flamegraph!.total)).toBe(1536);
    expect(mem.flamegraph!.names).toEqual(rm.flamebearer.names);
    expect(mem.flamegraph!.levels.map((l) => l.values.map(Number))).toEqual(rm.flamebearer.levels);
    expect(Number(mem.flamegraph!.maxSelf)).toBe(rm.flamebearer.maxSelf);
  });

  it('SelectSeries points equal the /render timeline; group_by splits by label; average divides', async () => {
    const res = await client().selectSeries({ profileTypeID: CPU, labelSelector: '{service_name="shop"}', start: START, end: END, step: 10 });
    const r = await render('shop.cpu{}');
    const timeline = r.timeline.samples
      .map((v, i) => ({ timestamp: (r.timeline.startTime + i * r.timeline.durationDelta) * 1000, value: v * NS_PER_SAMPLE }))
      .filter((p) => p.value > 0);
    expect(timeline).toHaveLength(3);
    expect(res.series).toHaveLength(1);
    expect(res.series[0].points.map((p) => ({ timestamp: Number(p.timestamp), value: p.value }))).toEqual(timeline);

    const grouped = await client().selectSeries({ profileTypeID: CPU, labelSelector: '{service_name="shop"}', start: START, end: END, step: 60, groupBy: ['env'] });
    const byEnv = Object.fromEntries(grouped.series.map((s) => [s.labels[0].value, s.points.reduce((a, p) => a + p.value, 0)]));
    expect(byEnv).toEqual({ prod: 42 * NS_PER_SAMPLE, staging: 5 * NS_PER_SAMPLE });

    const avg = await client().selectSeries({
      profileTypeID: CPU,
      labelSelector: '{service_name="shop", env="prod"}',
      start: START,
      end: END,
      step: 60,
      aggregation: TimeSeriesAggregationType.AVERAGE,
    });
    // Two 10 s samples (40 and 2) fall in one 60 s step: their average.
    expect(avg.series[0].points.map((p) => p.value)).toEqual([21 * NS_PER_SAMPLE]);
  });

  it('SelectMergeProfile returns a pprof that pprof-format decodes with the same total; so does /render?format=pprof', async () => {
    const profile = await client().selectMergeProfile({ profileTypeID: CPU, labelSelector: '{service_name="shop"}', start: START, end: END });
    const decoded = PprofProfile.decode(toBinary(ProfileSchema, profile));
    const str = (i: number | bigint) => decoded.stringTable.strings[Number(i)];
    expect(str(decoded.sampleType[0].type)).toBe('cpu');
    expect(str(decoded.sampleType[0].unit)).toBe('nanoseconds');
    const total = decoded.sample.reduce((a, s) => a + Number(s.value[0]), 0);
    expect(total).toBe(47 * NS_PER_SAMPLE);
    // Leaf first: a `main;checkout` sample starts at checkout.
    const fnName = new Map(decoded.function.map((f) => [Number(f.id), str(f.name)]));
    const locFn = new Map(decoded.location.map((l) => [Number(l.id), Number(l.line[0].functionId)]));
    const stacks = decoded.sample.map((s) => s.locationId.map((id) => fnName.get(locFn.get(Number(id))!)).join('<'));
    expect(stacks.sort()).toEqual(['cart<main', 'checkout<main']);

    const raw = await fetch(`${server.url}/render?query=shop.cpu{}&from=${FROM - 60}&until=${FROM + 120}&format=pprof`, {
      headers: { authorization: `Bearer ${keys.read}`, 'x-scope-orgid': 'team-a' },
    });
    expect(raw.headers.get('content-disposition')).toMatch(/^attachment; filename="shop\.cpu .*\.pprof"$/);
    const fromRender = PprofProfile.decode(new Uint8Array(await raw.arrayBuffer()));
    expect(fromRender.sample.reduce((a, s) => a + Number(s.value[0]), 0)).toBe(47 * NS_PER_SAMPLE);
  });

  it('Diff returns both sides', async () => {
    const side = (sel: string) => ({ profileTypeID: CPU, labelSelector: sel, start: START, end: END });
    const res = await client().diff({ left: side('{service_name="shop", env="prod"}'), right: side('{service_name="shop", env="staging"}') });
    expect(Number(res.flamegraph!.leftTicks)).toBe(42 * NS_PER_SAMPLE);
    expect(Number(res.flamegraph!.rightTicks)).toBe(5 * NS_PER_SAMPLE);
    expect(res.flamegraph!.levels[0].values).toHaveLength(7);
  });

  it('tenants, auth and unimplemented methods answer Connect errors', async () => {
    const code = async (p: Promise<unknown>) => {
      try {
        await p;
        return undefined;
      } catch (e) {
        return (e as ConnectError).code;
      }
    };
    expect(await code(client({ authorization: `Bearer ${keys.read}` }).profileTypes({}))).toBe(Code.Unauthenticated);
    expect(await code(client({ 'x-scope-orgid': 'team-a' }).profileTypes({}))).toBe(Code.Unauthenticated);
    expect(await code(client({ authorization: `Bearer ${keys.ingest}`, 'x-scope-orgid': 'team-a' }).profileTypes({}))).toBe(Code.PermissionDenied);
    expect(await code(client().selectMergeSpanProfile({ profileTypeID: CPU, start: START, end: END }))).toBe(Code.Unimplemented);
    expect(await code(client().selectMergeStacktraces({ profileTypeID: CPU, labelSelector: '{service_name=shop}', start: START, end: END }))).toBe(Code.InvalidArgument);
    expect(await code(client().selectMergeStacktraces({ profileTypeID: 'cpu', start: START, end: END }))).toBe(Code.InvalidArgument);
    // team-b sees its own service only, also under the /pyroscope prefix.
    const b = await client({ authorization: `Bearer ${keys.readB}` }, '/pyroscope').labelValues({ name: 'service_name', start: START, end: END });
    expect(b.names).toEqual(['other']);
  });
});

describe('querier.v1 wire details', () => {
  const headers = () => ({ authorization: `Bearer ${keys.read}`, 'x-scope-orgid': 'team-a', 'connect-protocol-version': '1' });
  it('accepts a gzip request body, refuses other content types with 415 and methods it does not serve with 501 unimplemented, in Connect error JSON', async () => {
    const { gzipSync } = await import('node:zlib');
    const { create, fromBinary } = await import('@bufbuild/protobuf');
    const { ProfileTypesRequestSchema, ProfileTypesResponseSchema } = await import('../../src/proto/querier/v1/querier_pb.js');
    const body = gzipSync(toBinary(ProfileTypesRequestSchema, create(ProfileTypesRequestSchema, { start: START, end: END })));
    const ok = await fetch(`${server.url}/querier.v1.QuerierService/ProfileTypes`, {
      method: 'POST',
      headers: { ...headers(), 'content-type': 'application/proto', 'content-encoding': 'gzip' },
      body,
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/proto');
    expect(fromBinary(ProfileTypesResponseSchema, new Uint8Array(await ok.arrayBuffer())).profileTypes).toHaveLength(2);

    const form = await fetch(`${server.url}/querier.v1.QuerierService/ProfileTypes`, { method: 'POST', headers: { ...headers(), 'content-type': 'text/plain' }, body: '{}' });
    expect(form.status).toBe(415);
    expect(await form.json()).toEqual({ code: 'invalid_argument', message: expect.stringContaining('application/proto or application/json') });
    const missing = await fetch(`${server.url}/querier.v1.QuerierService/GetProfileStats`, {
      method: 'POST',
      headers: { ...headers(), 'content-type': 'application/json' },
      body: '{}',
    });
    expect(missing.status).toBe(501);
    expect((await missing.json()).code).toBe('unimplemented');
    const garbage = await fetch(`${server.url}/querier.v1.QuerierService/SelectSeries`, {
      method: 'POST',
      headers: { ...headers(), 'content-type': 'application/proto' },
      body: Buffer.from([0xff, 0xff, 0xff]),
    });
    expect(garbage.status).toBe(400);
    expect((await garbage.json()).code).toBe('invalid_argument');
  });
});
