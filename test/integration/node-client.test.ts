// The real @pyroscope/nodejs client pushing to pyrelay over HTTP, and a 0.4-style multipart upload.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url);

async function getJson(url: string, path: string, query: Record<string, string> = {}) {
  const res = await fetch(`${url}${path}?${new URLSearchParams(query)}`);
  expect(res.status).toBe(200);
  return res.json() as Promise<any>;
}

describe('@pyroscope/nodejs against pyrelay', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    // A trailing slash as users often write it: the client then posts to //ingest (docs/compatibility.md#2).
    const app = spawn(process.execPath, [fixture('node-client/app.mjs').pathname], {
      env: { ...process.env, PYROSCOPE_URL: `${server.url}/`, APP_NAME: 'nodeapp', RUN_MS: '3500' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const [code] = await once(app, 'exit');
    expect(code).toBe(0);
  }, 60_000);
  afterAll(async () => server?.stop());

  it('stores wall and heap uploads as separate series with the client’s dotted tags', async () => {
    const apps = (await getJson(server.url, '/api/apps')) as { name: string; sampleRate?: number; units?: string }[];
    const names = apps.map((a) => a.name);
    // wall: samples -> .cpu (default mapping) and wall -> .wall (docs/compatibility.md#34); heap: inuse_objects/inuse_space.
    expect(names).toEqual(expect.arrayContaining(['nodeapp.cpu', 'nodeapp.wall', 'nodeapp.inuse_objects', 'nodeapp.inuse_space']));
    const cpu = apps.find((a) => a.name === 'nodeapp.cpu')!;
    // From the pprof period (10 ms nominal; the profiler reports the measured mean, longer on a busy machine),
    // not the client's wrong sampleRate=17 query value (docs/compatibility.md#4).
    expect(cpu.sampleRate).toBeGreaterThan(25);
    expect(cpu.sampleRate).toBeLessThanOrEqual(110);
    expect(apps.find((a) => a.name === 'nodeapp.inuse_space')!.units).toBe('bytes');

    const labels = await getJson(server.url, '/labels', { query: 'nodeapp.cpu{}' });
    expect(labels).toEqual(expect.arrayContaining(['otel.scope.name', 'process.runtime.name', 'team', 'handler']));
    expect(await getJson(server.url, '/label-values', { label: 'process.runtime.name' })).toEqual(['nodejs']);

    const render = await getJson(server.url, '/render', { query: 'nodeapp.cpu{team="relay"}', from: 'now-1h', until: 'now' });
    expect(render.flamebearer.numTicks).toBeGreaterThan(0);
    expect(render.flamebearer.names.some((n: string) => n.includes('busyFib'))).toBe(true);
    const heap = await getJson(server.url, '/render', { query: 'nodeapp.inuse_space{}', from: 'now-1h', until: 'now' });
    expect(heap.flamebearer.numTicks).toBeGreaterThan(0);
  });

  it('stores a 0.4-style multipart upload (one `profile` field, no format parameter)', async () => {
    const body = new FormData();
    const pprof = readFileSync(fixture('pprof/node-wall.pb.gz'));
    body.append('profile', new Blob([new Uint8Array(pprof)], { type: 'application/octet-stream' }), 'profile');
    const now = Math.floor(Date.now() / 1000);
    const res = await fetch(`${server.url}/ingest?name=oldclient{}&from=${now - 10}&until=${now}&spyName=nodespy&sampleRate=100`, { method: 'POST', body });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    const render = await getJson(server.url, '/render', { query: 'oldclient.cpu{}', from: 'now-1h', until: 'now' });
    expect(render.flamebearer.numTicks).toBeGreaterThan(0);
  });
});
