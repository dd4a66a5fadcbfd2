import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createErrorHandler } from '../../../src/http/error-handler.js';
import { createHttpServer } from '../../../src/http/server.js';
import { registerAppRoutes } from '../../../src/http/routes/app-routes.js';
import { registerQueryRoutes } from '../../../src/http/routes/query-routes.js';
import { FakeClock } from '../../../src/lib/clock.js';
import { createLogger } from '../../../src/lib/logger.js';
import type { ProfileStore } from '../../../src/store/types.js';
import { createMemoryStore, profile, type MemoryStore } from '../../helpers/memory-store.js';

const NOW = 1_700_000_000_000;
const NOW_S = NOW / 1000;
const logger = createLogger('silent');

function seed(): MemoryStore {
  return createMemoryStore([
    profile('app.cpu', { env: 'prod' }, { 'a;b': 1, 'a;c': 2 }, NOW - 60_000),
    profile('app.cpu', { env: 'dev' }, { d: 4 }, NOW - 50_000),
    profile('app.cpu', {}, { x: 3 }, NOW - 40_000),
    profile('other.alloc', { pod: 'p1' }, { z: 1 }, NOW - 2 * 3600_000, { units: 'objects', spyName: '', sampleRate: 0 }),
  ]);
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function server(store: ProfileStore = seed(), allowUnauthenticatedDelete = false): FastifyInstance {
  app = createHttpServer({ logger, registry: new Registry(), bodyLimit: 1 << 20, requestTimeoutMs: 10_000, isReady: () => true });
  registerQueryRoutes(app, { store, clock: new FakeClock(NOW), maxNodesRender: 8192 });
  registerAppRoutes(app, { store, allowUnauthenticatedDelete });
  return app;
}

const get = (a: FastifyInstance, url: string) => a.inject({ method: 'GET', url });

describe('/render', () => {
  it('returns the flamebearer JSON with metadata, timeline, groups', async () => {
    const res = await get(server(), '/render?query=app.cpu%7Benv%3D%22prod%22%7D&from=now-1h&until=now');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    const body = res.json();
    expect(body.version).toBe(1);
    expect(body.flamebearer).toEqual({
      names: ['total', 'a', 'c', 'b'],
      levels: [
        [0, 3, 0, 0],
        [0, 3, 0, 1],
        [0, 1, 1, 3, 0, 2, 2, 2],
      ],
      numTicks: 3,
      maxSelf: 2,
    });
    expect(body.metadata).toEqual({
      format: 'single',
      spyName: 'gospy',
      sampleRate: 100,
      units: 'samples',
      name: `app.cpu ${new Date(NOW - 3600_000).toISOString().replace('.000Z', 'Z')}`,
      appName: 'app.cpu',
      startTime: NOW_S - 3600,
      endTime: NOW_S,
      query: 'app.cpu{env="prod"}',
      maxNodes: 8192,
    });
    expect(body.timeline.startTime).toBe(NOW_S - 3600);
    expect(body.timeline.durationDelta).toBe(10);
    expect(body.timeline.samples).toHaveLength(360);
    expect(body.timeline.samples[354]).toBe(3);
    expect(body.timeline.watermarks).toEqual({});
    expect(body.groups).toEqual({});
    expect(body.heatmap).toBeNull();
    expect(body.annotations).toEqual([]);
  });

  it('merges every series of the app and accepts POST and unix-second times', async () => {
    const a = server();
    const res = await a.inject({ method: 'POST', url: `/render?query=app.cpu&from=${NOW_S - 3600}&until=${NOW_S}` });
    expect(res.statusCode).toBe(200);
    expect(res.json().flamebearer.numTicks).toBe(10);
  });

  it('treats name as an alias of query (docs/compatibility.md#23), segment-key syntax included', async () => {
    const res = await get(server(), '/render?name=app.cpu%7Benv%3Dprod%7D&from=now-1h');
    expect(res.statusCode).toBe(200);
    expect(res.json().flamebearer.numTicks).toBe(3);
  });

  it('400 without query or name', async () => {
    const res = await get(server(), '/render?from=now-1h');
    expect(res.statusCode).toBe(400);
    expect(res.body).toBe(`invalid parameter: "'query' or 'name' parameter is required"\n`);
  });

  it('400 for a bad FlameQL query, with the reason (query is strict FlameQL)', async () => {
    const res = await get(server(), '/render?query=app.cpu%7Benv%3Dprod%7D');
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/^invalid parameter: ".*must be double-quoted/);
  });

  it('max-nodes: 0 is 400, -1 disables truncation, a small value folds into other', async () => {
    const a = server();
    expect((await get(a, '/render?query=app.cpu&max-nodes=0')).statusCode).toBe(400);
    expect((await get(a, '/render?query=app.cpu&maxNodes=abc')).statusCode).toBe(400);
    const all = (await get(a, '/render?query=app.cpu&from=now-1h&maxNodes=-1')).json();
    expect(all.flamebearer.names).toEqual(expect.arrayContaining(['a', 'b', 'c', 'd', 'x']));
    expect(all.metadata.maxNodes).toBe(-1);
    const few = (await get(a, '/render?query=app.cpu&from=now-1h&max-nodes=2')).json();
    // totals: root 10, d 4, a 3, x 3 -> minVal 4: a and x fold into `other`
    expect(few.flamebearer.names).toEqual(['total', 'other', 'd']);
    expect(few.flamebearer.numTicks).toBe(10);
  });

  it('format=collapsed returns a folded text attachment; unknown formats are 400', async () => {
    const a = server();
    const res = await get(a, '/render?query=app.cpu&from=now-1h&format=collapsed');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="app\.cpu .*\.collapsed\.txt"$/);
    expect(res.body).toBe('a;b 1\na;c 2\nd 4\nx 3\n');
    const bad = await get(a, '/render?query=app.cpu&format=nope');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toBe('invalid parameter: "unknown format"\n');
  });

  it('groupBy gives one timeline per tag value plus * for series without it', async () => {
    const res = await get(server(), '/render?query=app.cpu&from=now-1h&groupBy=env');
    const groups = res.json().groups;
    expect(Object.keys(groups).sort()).toEqual(['*', 'dev', 'prod']);
    expect(groups.prod.samples[354]).toBe(3);
    expect(groups.dev.samples[355]).toBe(4);
    expect(groups['*'].samples[356]).toBe(3);
  });

  it('no data: 200 with an empty tree and a timeline', async () => {
    const res = await get(server(), '/render?query=nothing.cpu&from=now-1h');
    expect(res.statusCode).toBe(200);
    expect(res.json().flamebearer).toEqual({ names: ['total'], levels: [[0, 0, 0, 0]], numTicks: 0, maxSelf: 0 });
    expect(res.json().timeline.samples).toHaveLength(360);
  });

  it('500 with the OG text when the store fails', async () => {
    const store = seed();
    store.select = async () => {
      throw new Error('disk on fire');
    };
    const res = await get(server(store), '/render?query=app.cpu');
    expect(res.statusCode).toBe(500);
    expect(res.body).toBe('failed to retrieve data: "disk on fire"\n');
  });
});

describe('/render-diff', () => {
  it('returns a double flamebearer spanning both ranges (docs/compatibility.md#25)', async () => {
    const url =
      '/render-diff?leftQuery=app.cpu%7Benv%3D%22prod%22%7D&leftFrom=now-2h&leftUntil=now-30m' + '&rightQuery=app.cpu%7Benv%3D%22dev%22%7D&rightFrom=now-1h&rightUntil=now';
    const res = await get(server(), url);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    // left range ends 30 min ago: the prod profile (1 min ago) is outside it
    expect(body.leftTicks).toBe(0);
    expect(body.rightTicks).toBe(4);
    expect(body.flamebearer.numTicks).toBe(4);
    expect(body.flamebearer.levels[0]).toEqual([0, 0, 0, 0, 4, 0, 0]);
    expect(body.timeline).toBeNull();
    expect(body.metadata).toMatchObject({
      format: 'double',
      appName: 'diff_app.cpu_app.cpu',
      startTime: NOW_S - 7200,
      endTime: NOW_S,
      units: 'samples',
    });
  });

  it('is GET only', async () => {
    const res = await server().inject({ method: 'POST', url: '/render-diff?leftQuery=a&rightQuery=b' });
    expect(res.statusCode).toBe(405);
    expect(res.body).toBe('method not allowed\n');
  });

  it('400 when both sides have different units', async () => {
    const res = await get(server(), '/render-diff?leftQuery=app.cpu&leftFrom=now-3h&rightQuery=other.alloc&rightFrom=now-3h');
    expect(res.statusCode).toBe(400);
    expect(res.body).toBe('invalid parameter: "left units (samples) does not match right units (objects)"\n');
  });

  it('400 without leftQuery', async () => {
    expect((await get(server(), '/render-diff?rightQuery=app.cpu')).statusCode).toBe(400);
  });
});

describe('/labels and /label-values', () => {
  it('lists every key including __name__ without a range, and honours from/until when given (docs/compatibility.md#24)', async () => {
    const store = seed();
    const a = server(store);
    expect((await get(a, '/labels')).json()).toEqual(['__name__', 'env', 'pod']);
    expect(store.calls.at(-1)).toEqual({ method: 'labelNames', args: [undefined, undefined] });
    expect((await get(a, '/labels?from=now-1h')).json()).toEqual(['__name__', 'env']);
    expect(store.calls.at(-1)!.args[1]).toEqual({ startMs: NOW - 3600_000, endMs: NOW });
    expect((await get(a, '/labels?query=other.alloc')).json()).toEqual(['__name__', 'pod']);
  });

  it('label-values needs label; __name__ lists apps', async () => {
    const a = server();
    const missing = await get(a, '/label-values');
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toBe('invalid parameter: "label parameter is required"\n');
    expect((await get(a, '/label-values?label=env')).json()).toEqual(['dev', 'prod']);
    expect((await get(a, '/label-values?label=__name__')).json()).toEqual(['app.cpu', 'other.alloc']);
    expect((await get(a, '/label-values?label=env&query=app.cpu%7Benv%21%3D%22dev%22%7D')).json()).toEqual(['prod']);
  });
});

describe('/api/apps', () => {
  it('GET lists apps, omitting empty fields', async () => {
    const res = await get(server(), '/api/apps');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([
      { name: 'app.cpu', spyName: 'gospy', sampleRate: 100, units: 'samples' },
      { name: 'other.alloc', units: 'objects' },
    ]);
  });

  it('DELETE is 403 by default with a message that says how to allow it (docs/compatibility.md#26)', async () => {
    const store = seed();
    const res = await server(store).inject({ method: 'DELETE', url: '/api/apps', payload: { name: 'app.cpu' } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ errors: [expect.stringMatching(/^permission denied: set api\.allow-unauthenticated-delete/)] });
    expect(store.profiles).toHaveLength(4);
  });

  it('DELETE deletes when allowed; unknown app 404; bad bodies 400 with the OG texts', async () => {
    const store = seed();
    const a = server(store, true);
    const del = (payload: string | undefined, contentType = 'application/json') =>
      a.inject({ method: 'DELETE', url: '/api/apps', payload, headers: payload === undefined ? {} : { 'content-type': contentType } });
    const ok = await del('{"name":"app.cpu"}');
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe('');
    expect((await get(a, '/api/apps')).json()).toEqual([{ name: 'other.alloc', units: 'objects' }]);
    const again = await del('{"name":"app.cpu"}');
    expect(again.statusCode).toBe(404);
    expect(again.json().errors).toHaveLength(1);
    expect((await del('{"name":')).json()).toEqual({ errors: ['request body contains malformed JSON'] });
    expect((await del(undefined)).json()).toEqual({ errors: ['request body required'] });
    const tagged = await del('{"name":"other.alloc{pod=p1}"}');
    expect(tagged.statusCode).toBe(400);
    expect(tagged.json()).toEqual({ errors: ['only app name is supported'] });
    expect((await del('{}')).statusCode).toBe(400);
    expect(store.profiles).toHaveLength(1);
  });

  it('DELETE gives the same texts behind fastify’s own JSON parser', async () => {
    const plain = Fastify();
    app = plain;
    plain.setErrorHandler(createErrorHandler(logger));
    registerAppRoutes(plain, { store: seed(), allowUnauthenticatedDelete: true });
    const bad = await plain.inject({ method: 'DELETE', url: '/api/apps', payload: '{"name":', headers: { 'content-type': 'application/json' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ errors: ['request body contains malformed JSON'] });
    const ok = await plain.inject({ method: 'DELETE', url: '/api/apps', payload: { name: 'app.cpu' } });
    expect(ok.statusCode).toBe(200);
  });
});
