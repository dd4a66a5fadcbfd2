// The core server over real HTTP on port 0: ingest, query, restart, bad input.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

const T = 1_700_000_000; // aligned to 10 s
const VECTOR_A = {
  names: ['total', 'foo', 'baz', 'bar'],
  levels: [
    [0, 5, 0, 0],
    [0, 5, 0, 1],
    [0, 2, 2, 3, 0, 3, 3, 2],
  ],
  numTicks: 5,
  maxSelf: 3,
};
const VECTOR_B = {
  names: ['total', 'd', 'a', 'c', 'b'],
  levels: [
    [0, 7, 0, 0],
    [0, 3, 0, 2, 0, 4, 4, 1],
    [0, 1, 1, 4, 0, 2, 2, 3],
  ],
  numTicks: 7,
  maxSelf: 4,
};

async function ingest(url: string, query: Record<string, string>, body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/ingest?${new URLSearchParams(query)}`, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers });
  return { status: res.status, text: await res.text() };
}

async function getJson(url: string, path: string, query: Record<string, string> = {}) {
  const res = await fetch(`${url}${path}?${new URLSearchParams(query)}`);
  expect(res.status, `${path} ${res.status}`).toBe(200);
  return res.json() as Promise<any>;
}

async function seed(url: string) {
  const at = { from: String(T), until: String(T + 10) };
  expect((await ingest(url, { name: 'app.cpu{env=prod,region=eu}', ...at }, 'foo;bar 2\nfoo;baz 3\n')).status).toBe(200);
  expect((await ingest(url, { name: 'app.cpu{env=staging,region=us}', ...at, spyName: 'gospy' }, 'a;b 1\na;c 2\nd 4\n')).status).toBe(200);
  expect((await ingest(url, { name: 'other.app{env=prod,process.runtime.name=nodejs}', ...at, format: 'lines' }, 'x\nx\ny\n')).status).toBe(200);
}

const range = { from: String(T - 3600), until: String(T + 3600) };

async function answers(url: string) {
  const render = async (query: string) => (await getJson(url, '/render', { query, ...range })).flamebearer;
  return {
    prod: await render('app.cpu{env="prod"}'),
    notProd: await render('app.cpu{env!="prod"}'),
    regex: await render('app.cpu{region=~"eu|xx"}'),
    all: await render('app.cpu{}'),
    labels: await getJson(url, '/labels', { query: 'app.cpu{}' }),
    allLabels: await getJson(url, '/labels'),
    envValues: await getJson(url, '/label-values', { label: 'env' }),
    names: await getJson(url, '/label-values', { label: '__name__' }),
    apps: await getJson(url, '/api/apps'),
  };
}

describe('core server', () => {
  let server: TestServer;
  let storagePath: string;
  beforeAll(async () => {
    server = await startTestServer();
    storagePath = server.storagePath;
    await seed(server.url);
  });
  afterAll(async () => server?.stop());

  it('renders exact flamebearers for tag, negative and regex filters', async () => {
    const a = await answers(server.url);
    expect(a.prod).toEqual(VECTOR_A);
    expect(a.notProd).toEqual(VECTOR_B);
    expect(a.regex).toEqual(VECTOR_A);
    expect(a.all.numTicks).toBe(12);
    const full = await getJson(server.url, '/render', { query: 'app.cpu{env="staging"}', ...range });
    expect(full.metadata).toMatchObject({ format: 'single', spyName: 'gospy', sampleRate: 100, units: 'samples' });
    expect(full.timeline.samples.reduce((s: number, v: number) => s + v, 0)).toBe(7);
  });

  it('answers labels, label values and apps', async () => {
    const a = await answers(server.url);
    expect(a.labels).toEqual(['__name__', 'env', 'region']);
    expect(a.allLabels).toEqual(['__name__', 'env', 'process.runtime.name', 'region']);
    expect(a.envValues).toEqual(['prod', 'staging']);
    expect(a.names).toEqual(['app.cpu', 'other.app']);
    expect(a.apps).toEqual([
      { name: 'app.cpu', spyName: 'gospy', sampleRate: 100, units: 'samples' },
      { name: 'other.app', spyName: 'unknown', sampleRate: 100, units: 'samples' },
    ]);
  });

  it('gives identical answers after a restart on the same storage-path', async () => {
    const before = await answers(server.url);
    await server.stop();
    server = await startTestServer({ config: { 'storage-path': storagePath } });
    expect(await answers(server.url)).toEqual(before);
  });

  it('serves the collapsed format and tolerates duplicate slashes', async () => {
    const res = await fetch(`${server.url}//render?${new URLSearchParams({ query: 'app.cpu{env="prod"}', format: 'collapsed', ...range })}`);
    expect(res.status).toBe(200);
    expect((await res.text()).trim().split('\n').sort()).toEqual(['foo;bar 2', 'foo;baz 3']);
    const ing = await fetch(`${server.url}//ingest?name=slash.app&from=${T}&until=${T + 10}`, { method: 'POST', body: 'a 1\n' });
    expect(ing.status).toBe(200);
  });
});

describe('bad input is rejected with the right status and stores nothing', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { ingest: { 'max-body-bytes': '64KiB', 'max-decompressed-bytes': '1MiB' } } });
  });
  afterAll(async () => server?.stop());

  const at = { from: String(T), until: String(T + 10) };
  it.each([
    ['missing name', {}, 'a 1\n', {}, 400, 'application name is required'],
    ['invalid app name', { name: 'my app!' }, 'a 1\n', {}, 400, 'invalid application name'],
    ['invalid tag key', { name: 'app{cluster-name=x}' }, 'a 1\n', {}, 400, "cluster-name: character is not allowed: '-'"],
    ['unknown format', { name: 'app', format: 'xml' }, 'a 1\n', {}, 400, 'unknown format'],
    ['bad count in folded', { name: 'app' }, 'a;b 1\na;c x\n', {}, 422, 'line 2'],
    ['truncated trie', { name: 'app', format: 'trie' }, Buffer.from([0, 0, 1, 6, 0x66]), {}, 422, 'trie'],
    ['unknown Content-Encoding', { name: 'app' }, 'a 1\n', { 'content-encoding': 'snappy' }, 400, 'snappy'],
    ['body over the limit', { name: 'app' }, 'a 1\n'.repeat(20_000), {}, 413, 'limit'],
    ['gzip bomb', { name: 'app' }, gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x61)), { 'content-encoding': 'gzip' }, 413, 'limit'],
  ] as const)('%s', async (_what, query, body, headers, status, message) => {
    const res = await ingest(server.url, { ...at, ...query }, body as string | Buffer, headers as Record<string, string>);
    expect(res.status).toBe(status);
    expect(res.text).toContain(message);
    expect(await getJson(server.url, '/api/apps')).toEqual([]);
  });

  it('counts every limit that bit', async () => {
    const metrics = await server.metrics();
    expect(metrics).toContain('pyrelay_ingest_limit_hits_total{limit="max-body-bytes"} 1');
    expect(metrics).toContain('pyrelay_ingest_limit_hits_total{limit="max-decompressed-bytes"} 1');
    expect(metrics).toMatch(/pyrelay_ingest_requests_total\{format="groups",status="422"\} 1/);
  });

  it('still accepts a valid request afterwards', async () => {
    expect((await ingest(server.url, { name: 'ok.app', ...at }, 'a 1\n')).status).toBe(200);
    expect((await getJson(server.url, '/api/apps')).map((a: { name: string }) => a.name)).toEqual(['ok.app']);
  });
});
