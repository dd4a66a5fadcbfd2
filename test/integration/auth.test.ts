// API keys against a real server: 401 without or with a wrong key, 403 for the wrong role, 200 with the
// right one (Bearer and Basic); a key revoked by the real CLI stops working without a restart; failures
// are counted and logged, and no key material reaches the logs or /metrics.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createKey, type KeyRole } from '../../src/auth/key-store.js';
import { FakeClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { runCli } from '../helpers/child-server.js';
import { metricValue, startTestServer, type TestServer } from '../helpers/server.js';

const FROM = 1_700_000_000;
let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

function captureLogs() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  return { lines, logger: createLogger('info', stream) };
}

async function setup(config: Record<string, unknown> = {}) {
  const storagePath = join(mkdtempSync(join(tmpdir(), 'pyrelay-auth-')), 'data');
  const keysFile = join(storagePath, 'auth', 'keys.json');
  const make = (name: string, role: KeyRole, tenant?: string) => createKey(keysFile, { name, role, tenant, now: new Date() }).key;
  const keys = { ingest: make('agent', 'ingest'), read: make('grafana', 'read'), admin: make('ops', 'admin') };
  const clock = new FakeClock(FROM * 1000 + 60_000);
  const logs = captureLogs();
  server = await startTestServer({
    storagePath,
    clock,
    logger: logs.logger,
    config: { auth: { ingestion: { enabled: true }, query: { enabled: true } }, ...config },
  });
  return { server, keys, keysFile, clock, logs, storagePath };
}

const ingest = (url: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/ingest?name=auth.app.cpu&from=${FROM}&until=${FROM + 10}`, { method: 'POST', body: 'main;work 7\n', headers });
const render = (url: string, headers: Record<string, string> = {}) => fetch(`${url}/render?query=auth.app.cpu{}&from=${FROM - 10}&until=${FROM + 20}`, { headers });
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

describe('API keys', () => {
  it('ingest: 401 without a key or with a wrong one, 403 with a read key, 200 with an ingest or admin key', async () => {
    const { server: s, keys } = await setup();
    const none = await ingest(s.url);
    expect(none.status).toBe(401);
    expect(await none.text()).toMatch(/authentication required/);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm="pyrelay"/);
    expect((await ingest(s.url, bearer(keys.ingest.slice(0, -1) + (keys.ingest.endsWith('A') ? 'B' : 'A')))).status).toBe(401);
    expect((await ingest(s.url, bearer('not-a-key'))).status).toBe(401);
    expect((await ingest(s.url, { authorization: 'Bearer' })).status).toBe(401);
    const forbidden = await ingest(s.url, bearer(keys.read));
    expect(forbidden.status).toBe(403);
    expect(await forbidden.text()).toMatch(/a read key cannot ingest/);
    expect((await ingest(s.url, bearer(keys.ingest))).status).toBe(200);
    expect((await ingest(s.url, { authorization: `bEaReR ${keys.admin}` })).status).toBe(200);
    // Basic with the key as password (Grafana's clients), or as the user with no password.
    expect((await ingest(s.url, basic('12345', keys.ingest))).status).toBe(200);
    expect((await ingest(s.url, basic(keys.ingest, ''))).status).toBe(200);

    const m = await s.metrics();
    expect(metricValue(m, 'pyrelay_auth_failures_total', 'reason="missing_key",route="ingest"')).toBe(1);
    expect(metricValue(m, 'pyrelay_auth_failures_total', 'reason="invalid_key",route="ingest"')).toBe(3);
    expect(metricValue(m, 'pyrelay_auth_failures_total', 'reason="forbidden",route="ingest"')).toBe(1);
    // All four accepted writes were stored.
    const r = await render(s.url, bearer(keys.read));
    expect(r.status).toBe(200);
    expect((await r.json()).flamebearer.numTicks).toBe(28);
  });

  it('queries need a read or admin key; DELETE /api/apps needs an admin key', async () => {
    const { server: s, keys } = await setup();
    expect((await ingest(s.url, bearer(keys.ingest))).status).toBe(200);
    expect((await render(s.url)).status).toBe(401);
    expect((await render(s.url, bearer(keys.ingest))).status).toBe(403);
    expect((await render(s.url, bearer(keys.read))).status).toBe(200);
    expect((await render(s.url, basic('grafana', keys.admin))).status).toBe(200);
    const apps = await fetch(`${s.url}/api/apps`);
    expect(apps.status).toBe(401);
    expect(await apps.json()).toEqual({ errors: [expect.stringMatching(/authentication required/)] });
    expect((await fetch(`${s.url}/labels`, { headers: bearer(keys.read) })).status).toBe(200);
    // Health and metrics stay open for probes and scrapers.
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${s.url}/metrics`)).status).toBe(200);

    const del = (headers: Record<string, string>) =>
      fetch(`${s.url}/api/apps`, { method: 'DELETE', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ name: 'auth.app.cpu' }) });
    const denied = await del(bearer(keys.read));
    expect(denied.status).toBe(403);
    expect(await denied.json()).toEqual({ errors: ['permission denied: a read key cannot delete apps'] });
    expect((await del(bearer(keys.admin))).status).toBe(200);
    // Re-reading the config is an admin action too.
    const reload = await fetch(`${s.url}/-/reload`, { method: 'POST', headers: bearer(keys.read) });
    expect(reload.status).toBe(403);
    expect(await reload.text()).toBe('permission denied: a read key cannot reload the config\n');
    expect((await fetch(`${s.url}/-/reload`, { method: 'POST', headers: bearer(keys.admin) })).status).not.toBe(403);
    expect(await (await fetch(`${s.url}/api/apps`, { headers: bearer(keys.read) })).json()).toEqual([]);
  });

  it('a key revoked with `pyrelay keys revoke` stops working without a restart', async () => {
    const { server: s, keys, storagePath, clock } = await setup();
    expect((await ingest(s.url, bearer(keys.ingest))).status).toBe(200);
    const revoked = await runCli(['keys', 'revoke', 'agent', '--storage-path', storagePath]);
    expect(revoked.code).toBe(0);
    expect(revoked.output).toContain('revoked key "agent"');
    await clock.advance(1_000); // auth.key-reload-interval (1 s): the file is checked again
    const after = await ingest(s.url, bearer(keys.ingest));
    expect(after.status).toBe(401);
    expect(await after.text()).toBe('API key revoked\n');
    expect((await ingest(s.url, bearer(keys.admin))).status).toBe(200);
    expect(metricValue(await s.metrics(), 'pyrelay_auth_failures_total', 'reason="revoked_key",route="ingest"')).toBe(1);
  });

  it('a key created with `pyrelay keys create` works at once and is printed only once', async () => {
    const { server: s, storagePath, clock, keysFile } = await setup();
    const created = await runCli(['keys', 'create', '--name', 'ci-agent', '--role', 'ingest', '--storage-path', storagePath]);
    expect(created.code).toBe(0);
    const key = /pyr_[0-9a-f]{12}_[A-Za-z0-9_-]{43}/.exec(created.output)?.[0];
    expect(key).toBeDefined();
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(keysFile, 'utf8')).not.toContain(key!.slice(17));
    const list = await runCli(['keys', 'list', '--storage-path', storagePath]);
    expect(list.output).toContain('ci-agent');
    expect(list.output).not.toContain(key!.slice(17));
    await clock.advance(1_000);
    expect((await ingest(s.url, bearer(key!))).status).toBe(200);
  });

  it('no key material in logs or /metrics; refusals are logged rate-limited with a reason', async () => {
    const { server: s, keys, logs } = await setup();
    const wrong = `${keys.ingest.slice(0, 17)}${'x'.repeat(43)}`;
    for (let i = 0; i < 5; i++) await ingest(s.url, bearer(wrong));
    await ingest(s.url, bearer(keys.read));
    await ingest(s.url, basic('u', keys.read));
    expect((await ingest(s.url, bearer(keys.ingest))).status).toBe(200);
    const metrics = await s.metrics();
    const text = logs.lines.join('\n') + '\n' + metrics;
    for (const k of [...Object.values(keys), wrong]) {
      expect(text).not.toContain(k);
      expect(text).not.toContain(k.slice(17)); // the secret part
    }
    const refusals = logs.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request refused by the auth or tenant check');
    // The first refusal is logged at once, the rest summarised later (one line per 10 s at most).
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ reason: 'invalid_key', route: 'ingest', path: '/ingest', level: 40 });
  });

  it('with auth off nothing changes: no key needed, DELETE /api/apps still refused unless an admin key is sent', async () => {
    const storagePath = join(mkdtempSync(join(tmpdir(), 'pyrelay-auth-')), 'data');
    const admin = createKey(join(storagePath, 'auth', 'keys.json'), { name: 'ops', role: 'admin', now: new Date() }).key;
    server = await startTestServer({ storagePath });
    const s = server;
    expect((await ingest(s.url)).status).toBe(200);
    expect((await render(s.url)).status).toBe(200);
    const del = (headers: Record<string, string>) =>
      fetch(`${s.url}/api/apps`, { method: 'DELETE', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ name: 'auth.app.cpu' }) });
    expect((await del({})).status).toBe(403);
    expect((await del(bearer(admin))).status).toBe(200);
  });
});
