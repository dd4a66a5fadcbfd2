import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../../src/http/server.js';
import { registerAppRoutes } from '../../../src/http/routes/app-routes.js';
import { registerQueryRoutes } from '../../../src/http/routes/query-routes.js';
import { UI_PAGES, registerWebRoutes, webAssetsDir } from '../../../src/http/routes/web-routes.js';
import { FakeClock } from '../../../src/lib/clock.js';
import { createLogger } from '../../../src/lib/logger.js';
import { createMemoryStore, profile } from '../../helpers/memory-store.js';
import { captureLogger } from '../remote-write/log-capture.js';

const INDEX = '<!doctype html><title>pyrelay</title><script type="module" src="/assets/app-ABC123.js"></script>';
const JS = 'console.log("pyrelay");'.repeat(50);

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A build output like web/build.mjs writes: index.html and hashed assets, each with .gz and .br beside it. */
function buildDir(opts: { compressed?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'pyrelay-web-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'assets'));
  const put = (rel: string, text: string) => {
    writeFileSync(join(dir, rel), text);
    if (opts.compressed === false) return;
    writeFileSync(join(dir, `${rel}.gz`), gzipSync(text));
    writeFileSync(join(dir, `${rel}.br`), brotliCompressSync(text));
  };
  put('index.html', INDEX);
  put('assets/app-ABC123.js', JS);
  put('assets/app-ABC123.css', 'body{margin:0}');
  return dir;
}

function server(dir: string, logger = createLogger('silent')): FastifyInstance {
  const app = createHttpServer({ logger, registry: new Registry(), bodyLimit: 1 << 20, requestTimeoutMs: 10_000, isReady: () => true });
  const NOW = 1_700_000_000_000;
  const store = createMemoryStore([profile('app.cpu', {}, { 'a;b': 1 }, NOW - 60_000)]);
  registerQueryRoutes(app, {
    store,
    clock: new FakeClock(NOW),
    maxNodesRender: 8192,
  });
  registerAppRoutes(app, { store, allowUnauthenticatedDelete: false });
  registerWebRoutes(app, { dir, logger });
  cleanups.push(() => app.close());
  return app;
}

const get = (app: FastifyInstance, url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });

describe('web UI routes', () => {
  it('serves index.html for every UI page, revalidated on each load, brotli when accepted', async () => {
    const app = server(buildDir());
    for (const page of [...UI_PAGES, '/?query=app.cpu%7B%7D&from=now-1h&until=now', '/comparison-diff?leftQuery=a%7B%7D', '/remote-write/']) {
      const res = await get(app, page, { 'accept-encoding': 'gzip, deflate, br' });
      expect(res.statusCode, page).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-encoding']).toBe('br');
      expect(res.headers.vary).toBe('accept-encoding');
      expect(brotliDecompressSync(res.rawPayload).toString()).toBe(INDEX);
    }
  });

  it('answers 304 to a matching If-None-Match, so a reload costs no body', async () => {
    const app = server(buildDir());
    const first = await get(app, '/');
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^"[\w-]{22}"$/);
    const again = await get(app, '/', { 'if-none-match': etag });
    expect(again.statusCode).toBe(304);
    expect(again.rawPayload.length).toBe(0);
    expect((await get(app, '/', { 'if-none-match': '"other"' })).statusCode).toBe(200);
  });

  it('serves hashed assets as immutable with the best accepted encoding', async () => {
    const app = server(buildDir());
    const br = await get(app, '/assets/app-ABC123.js', { 'accept-encoding': 'br' });
    expect(br.statusCode).toBe(200);
    expect(br.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(JS);

    const gz = await get(app, '/assets/app-ABC123.js', { 'accept-encoding': 'br;q=0, gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString()).toBe(JS);

    const raw = await get(app, '/assets/app-ABC123.js', { 'accept-encoding': 'identity' });
    expect(raw.headers['content-encoding']).toBeUndefined();
    expect(raw.body).toBe(JS);
    expect(Number(raw.headers['content-length'])).toBe(JS.length);

    const css = await get(app, '/assets/app-ABC123.css');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.body).toBe('body{margin:0}');
  });

  it('sends the plain file when no compressed copy exists', async () => {
    const app = server(buildDir({ compressed: false }));
    const res = await get(app, '/assets/app-ABC123.js', { 'accept-encoding': 'gzip, br' });
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.body).toBe(JS);
  });

  it('unknown assets and paths are 404s, and the API routes are not shadowed', async () => {
    const app = server(buildDir());
    const missing = await get(app, '/assets/app-OLD999.js');
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['cache-control']).toBe('no-store');
    expect((await get(app, '/assets/app-ABC123.js.gz')).statusCode).toBe(404);
    expect((await get(app, '/assets/../index.html')).statusCode).toBe(404);
    expect((await get(app, '/no-such-page')).statusCode).toBe(404);
    const render = await get(app, '/render?query=app.cpu%7B%7D&from=now-1h&until=now');
    expect(render.statusCode).toBe(200);
    expect(render.headers['content-type']).toBe('application/json; charset=utf-8');
    expect((JSON.parse(render.body) as { flamebearer: { names: string[] } }).flamebearer.names).toEqual(['total', 'a', 'b']);
    const apps = await get(app, '/api/apps');
    expect(apps.statusCode).toBe(200);
    expect((JSON.parse(apps.body) as { name: string }[]).map((a) => a.name)).toEqual(['app.cpu']);
    expect((await get(app, '/healthz')).body).toBe('server is ready');
  });

  it('without a build, the UI pages say how to build it (503) and the API keeps working', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'pyrelay-web-'));
    cleanups.push(() => rmSync(empty, { recursive: true, force: true }));
    const log = captureLogger();
    const app = server(join(empty, 'nothing-here'), log.logger);
    const res = await get(app, '/comparison');
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('npm run build:web');
    expect((await get(app, '/api/apps')).statusCode).toBe(200);
    expect(log.lines.some((l) => l.msg === 'web UI not built: run npm run build:web')).toBe(true);
  });

  it('finds dist/web of this package', () => {
    expect(webAssetsDir()).toBe(new URL('../../../dist/web', import.meta.url).pathname);
  });
});
