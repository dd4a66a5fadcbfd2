// Tenants against a real server: with multitenancy-enabled two tenants writing the same app name each see
// only their own data on every read path; no X-Scope-OrgID is 401; a key's tenant applies without the
// header; data written before (tenant `anonymous`) stays readable; per-tenant retention applies.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createKey } from '../../src/auth/key-store.js';
import { FakeClock } from '../../src/lib/clock.js';
import { metricValue, startTestServer, type TestServer } from '../helpers/server.js';
import { buildPprof, encodePush, pushRequest } from '../helpers/push.js';

const FROM = 1_700_000_000;
let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const freshPath = () => join(mkdtempSync(join(tmpdir(), 'pyrelay-tenants-')), 'data');
const org = (tenant: string) => ({ 'x-scope-orgid': tenant });

const ingest = (url: string, body: string, headers: Record<string, string> = {}, name = 'shared.app.cpu{env=prod}', from = FROM) =>
  fetch(`${url}/ingest?name=${encodeURIComponent(name)}&from=${from}&until=${from + 10}`, { method: 'POST', body, headers });

async function readAll(url: string, headers: Record<string, string>) {
  const get = async (path: string) => {
    const res = await fetch(`${url}${path}`, { headers });
    expect(res.status, path).toBe(200);
    return res.json();
  };
  const q = encodeURIComponent('shared.app.cpu{}');
  const render = await get(`/render?query=${q}&from=${FROM - 10}&until=${FROM + 20}`);
  const diff = await get(`/render-diff?leftQuery=${q}&rightQuery=${q}&leftFrom=${FROM - 10}&leftUntil=${FROM + 20}&rightFrom=${FROM - 10}&rightUntil=${FROM + 20}`);
  return {
    total: render.flamebearer.numTicks as number,
    names: (render.flamebearer.names as string[]).slice(1).sort(),
    timeline: (render.timeline.samples as number[]).reduce((a, b) => a + b, 0),
    diffTicks: [diff.leftTicks, diff.rightTicks],
    labels: await get('/labels'),
    envs: await get(`/label-values?label=env`),
    appNames: await get(`/label-values?label=__name__`),
    apps: ((await get('/api/apps')) as { name: string }[]).map((a) => a.name),
  };
}

describe('tenants', () => {
  it('two tenants writing the same app each see only their own data on every read path', async () => {
    server = await startTestServer({ storagePath: freshPath(), config: { 'multitenancy-enabled': true, api: { 'allow-unauthenticated-delete': true } } });
    const { url } = server;
    expect((await ingest(url, 'alpha;one 5\n', org('team-a'))).status).toBe(200);
    expect((await ingest(url, 'beta;two 9\n', org('team-b'), 'shared.app.cpu{env=staging,zone=b}')).status).toBe(200);
    expect((await ingest(url, 'beta;three 1\n', org('team-b'), 'other.app.cpu')).status).toBe(200);

    const a = await readAll(url, org('team-a'));
    expect(a).toEqual({
      total: 5,
      names: ['alpha', 'one'],
      timeline: 5,
      diffTicks: [5, 5],
      labels: ['__name__', 'env'],
      envs: ['prod'],
      appNames: ['shared.app.cpu'],
      apps: ['shared.app.cpu'],
    });
    const b = await readAll(url, org('team-b'));
    expect(b).toEqual({
      total: 9,
      names: ['beta', 'two'],
      timeline: 9,
      diffTicks: [9, 9],
      labels: ['__name__', 'env', 'zone'],
      envs: ['staging'],
      appNames: ['other.app.cpu', 'shared.app.cpu'],
      apps: ['other.app.cpu', 'shared.app.cpu'],
    });
    // A tenant that never wrote sees nothing (and gets no store directory).
    const c = await readAll(url, org('team-c'));
    expect(c.total).toBe(0);
    expect(c.apps).toEqual([]);

    // Deleting the app in one tenant leaves the other tenant's app alone.
    const del = await fetch(`${url}/api/apps`, { method: 'DELETE', headers: { 'content-type': 'application/json', ...org('team-b') }, body: '{"name":"shared.app.cpu"}' });
    expect(del.status).toBe(200);
    expect((await readAll(url, org('team-b'))).apps).toEqual(['other.app.cpu']);
    expect(await readAll(url, org('team-a'))).toEqual(a);
  });

  it('without X-Scope-OrgID every request is 401 when multi-tenancy is on; a malformed id is 400', async () => {
    server = await startTestServer({ storagePath: freshPath(), config: { 'multitenancy-enabled': true } });
    const { url } = server;
    const ing = await ingest(url, 'a 1\n');
    expect(ing.status).toBe(401);
    expect(await ing.text()).toMatch(/^no org id/);
    for (const path of ['/render?query=x.cpu{}', '/labels', '/label-values?label=env', '/api/apps', '/render-diff?leftQuery=x.cpu&rightQuery=x.cpu']) {
      expect((await fetch(`${url}${path}`)).status, path).toBe(401);
    }
    const bad = await ingest(url, 'a 1\n', org('team/a'));
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/invalid X-Scope-OrgID/);
    expect((await ingest(url, 'a 1\n', org('x'.repeat(151)))).status).toBe(400);
    expect((await ingest(url, 'a 1\n', org('..'))).status).toBe(400);
    expect((await ingest(url, 'a 1\n', org("Team_A-1.(x)*!'"))).status).toBe(200);
    const m = await server.metrics();
    expect(metricValue(m, 'pyrelay_auth_failures_total', 'reason="missing_tenant",route="ingest"')).toBe(1);
    expect(metricValue(m, 'pyrelay_auth_failures_total', 'reason="missing_tenant",route="query"')).toBe(5);
    expect(metricValue(m, 'pyrelay_auth_failures_total', 'reason="invalid_tenant",route="ingest"')).toBe(3);
  });

  it("a key's tenant applies without the header; another tenant in the header is 403", async () => {
    const storagePath = freshPath();
    const keysFile = join(storagePath, 'auth', 'keys.json');
    const agentA = createKey(keysFile, { name: 'a', role: 'ingest', tenant: 'team-a', now: new Date() }).key;
    const readerA = createKey(keysFile, { name: 'ra', role: 'read', tenant: 'team-a', now: new Date() }).key;
    server = await startTestServer({
      storagePath,
      config: { 'multitenancy-enabled': true, auth: { ingestion: { enabled: true }, query: { enabled: true } } },
    });
    const { url } = server;
    expect((await ingest(url, 'alpha 3\n', { authorization: `Bearer ${agentA}` })).status).toBe(200);
    expect((await ingest(url, 'alpha 3\n', { authorization: `Bearer ${agentA}`, ...org('team-a') })).status).toBe(200);
    const mismatch = await ingest(url, 'alpha 3\n', { authorization: `Bearer ${agentA}`, ...org('team-b') });
    expect(mismatch.status).toBe(403);
    expect((await readAll(url, { authorization: `Bearer ${readerA}` })).total).toBe(6);
  });

  it('data written with multi-tenancy off stays readable as tenant anonymous; off, the header does not split data', async () => {
    const storagePath = freshPath();
    server = await startTestServer({ storagePath });
    expect((await ingest(server.url, 'old;data 4\n')).status).toBe(200);
    expect((await ingest(server.url, 'old;data 1\n', org('team-a'))).status).toBe(200); // ignored: one tenant
    expect((await readAll(server.url, org('someone'))).total).toBe(5);
    await server.stop();

    server = await startTestServer({ storagePath, config: { 'multitenancy-enabled': true } });
    expect((await readAll(server.url, org('anonymous'))).total).toBe(5);
    expect((await readAll(server.url, org('team-a'))).total).toBe(0);
  });

  it('per-tenant retention', async () => {
    const clock = new FakeClock(FROM * 1000 + 2 * 3_600_000);
    server = await startTestServer({
      storagePath: freshPath(),
      clock,
      config: { 'multitenancy-enabled': true, tenants: { short: { retention: '1h' } } },
    });
    const { url } = server;
    // Two hours old: past the 1 h retention of tenant `short` (the store skips it), kept for the others (global retention off).
    expect((await ingest(url, 'a 1\n', org('short'))).status).toBe(200);
    expect((await ingest(url, 'a 1\n', org('long'))).status).toBe(200);
    const total = async (tenant: string, from: number) => {
      const res = await fetch(`${url}/render?query=shared.app.cpu{}&from=${from - 10}&until=${from + 20}`, { headers: org(tenant) });
      return (await res.json()).flamebearer.numTicks as number;
    };
    expect(await total('short', FROM)).toBe(0);
    expect(await total('long', FROM)).toBe(1);
    // Recent data of `short` is kept.
    expect((await ingest(url, 'b 2\n', org('short'), 'shared.app.cpu{env=prod}', FROM + 2 * 3600 - 10)).status).toBe(200);
    expect(await total('short', FROM + 2 * 3600 - 10)).toBe(2);
  });

  it('Push API writes land in the tenant of the request too; without the header it is Connect unauthenticated', async () => {
    server = await startTestServer({ storagePath: freshPath(), clock: new FakeClock(FROM * 1000 + 60_000), config: { 'multitenancy-enabled': true } });
    const { url } = server;
    const pprof = (value: number) =>
      buildPprof({
        sampleTypes: [
          ['samples', 'count'],
          ['cpu', 'nanoseconds'],
        ],
        periodType: ['cpu', 'nanoseconds'],
        period: 10_000_000,
        timeNanos: BigInt(FROM) * 1_000_000_000n,
        durationNanos: 10_000_000_000n,
        samples: [{ stack: ['main', 'work'], values: [value, value * 1e7] }],
      });
    const push = (value: number, headers: Record<string, string>) => {
      const { body, headers: h } = encodePush(pushRequest([{ labels: { service_name: 'pushed', __name__: 'process_cpu' }, samples: [{ raw: pprof(value) }] }]), 'proto');
      return fetch(`${url}/push.v1.PusherService/Push`, { method: 'POST', body: new Uint8Array(body), headers: { ...h, ...headers } });
    };
    expect((await push(3, org('team-a'))).status).toBe(200);
    expect((await push(8, org('team-b'))).status).toBe(200);
    const none = await push(1, {});
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ code: 'unauthenticated', message: expect.stringMatching(/^no org id/) });
    const total = async (tenant: string) => {
      const res = await fetch(`${url}/render?query=pushed.cpu{}&from=${FROM - 10}&until=${FROM + 20}`, { headers: org(tenant) });
      return (await res.json()).flamebearer.numTicks as number;
    };
    expect([await total('team-a'), await total('team-b'), await total('anonymous')]).toEqual([3, 8, 0]);
  });
});
