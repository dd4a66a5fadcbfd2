import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { presentedKey } from '../../../src/auth/credentials.js';
import { createKey, createKeyVerifier, revokeKey } from '../../../src/auth/key-store.js';
import { classifyRoute, pathOf } from '../../../src/http/request-gate.js';
import { FakeClock } from '../../../src/lib/clock.js';
import { tenantIdProblem } from '../../../src/model/tenant.js';
import { splitStoredAppName, storedAppName } from '../../../src/store/tenant-stores.js';

const keyFile = () => join(mkdtempSync(join(tmpdir(), 'pyrelay-keys-')), 'auth', 'keys.json');

describe('key store', () => {
  it('stores only a hash, verifies the key, rejects a changed one, and sees a revocation after the reload interval', async () => {
    const path = keyFile();
    const { key, record } = createKey(path, { name: 'agent', role: 'ingest', tenant: 't1', now: new Date(0) });
    expect(key).toMatch(/^pyr_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain(key.slice(17));
    expect(text).toContain(record.hash);
    const clock = new FakeClock();
    const v = createKeyVerifier({ path, clock, reloadIntervalMs: 1000 });
    expect(v.verify(key)).toEqual({ ok: true, key: expect.objectContaining({ name: 'agent', role: 'ingest', tenant: 't1' }) });
    expect(v.verify(key.slice(0, -2) + 'zz')).toEqual({ ok: false, reason: 'invalid_key' });
    expect(v.verify('pyr_000000000000_' + key.slice(17))).toEqual({ ok: false, reason: 'invalid_key' });
    expect(v.verify('')).toEqual({ ok: false, reason: 'invalid_key' });
    revokeKey(path, 'agent', new Date(1));
    expect(v.verify(key).ok).toBe(true); // not re-read yet
    await clock.advance(1000);
    expect(v.verify(key)).toEqual({ ok: false, reason: 'revoked_key' });
    expect(v.activeCount()).toBe(0);
  });

  it('keeps the last good keys when the file is damaged, and refuses duplicate names and bad roles or tenants', async () => {
    const path = keyFile();
    const { key } = createKey(path, { name: 'a', role: 'admin', now: new Date() });
    const clock = new FakeClock();
    const errors: string[] = [];
    const v = createKeyVerifier({ path, clock, reloadIntervalMs: 0, onReloadError: (e) => errors.push(e.message) });
    writeFileSync(path, '{"keys": [');
    expect(v.verify(key).ok).toBe(true);
    expect(errors[0]).toMatch(/not valid JSON/);
    writeFileSync(path, '{"version":1,"keys":[]}');
    await clock.advance(1);
    expect(v.verify(key).ok).toBe(false);
    createKey(path, { name: 'b', role: 'read', now: new Date() });
    expect(() => createKey(path, { name: 'b', role: 'read', now: new Date() })).toThrow(/active key named "b"/);
    expect(() => createKey(path, { name: 'c', role: 'root' as never, now: new Date() })).toThrow(/role must be one of/);
    expect(() => createKey(path, { name: 'c', role: 'read', tenant: 'a/b', now: new Date() })).toThrow(/tenant id/);
  });
});

describe('presented credentials', () => {
  it('Bearer (any case, exactly two parts) and Basic with the key as password or user', () => {
    expect(presentedKey(undefined)).toEqual({ kind: 'none' });
    expect(presentedKey('Bearer k1')).toEqual({ kind: 'key', key: 'k1', scheme: 'bearer' });
    expect(presentedKey('BEARER k1')).toEqual({ kind: 'key', key: 'k1', scheme: 'bearer' });
    expect(presentedKey('Bearer k1 extra')).toEqual({ kind: 'malformed' });
    expect(presentedKey('Bearer')).toEqual({ kind: 'malformed' });
    expect(presentedKey('Token k1')).toEqual({ kind: 'malformed' });
    const b = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
    expect(presentedKey(b('123:k2'))).toEqual({ kind: 'key', key: 'k2', scheme: 'basic' });
    expect(presentedKey(b('k3:'))).toEqual({ kind: 'key', key: 'k3', scheme: 'basic' });
    expect(presentedKey(b('nocolon'))).toEqual({ kind: 'malformed' });
  });
});

describe('tenant ids and route classes', () => {
  it('validates tenant ids as Grafana does; stored app names keep the default tenant unchanged', () => {
    expect(tenantIdProblem('team-a')).toBeUndefined();
    expect(tenantIdProblem("A.b_c-d!*'()")).toBeUndefined();
    for (const bad of ['', '.', '..', 'a/b', 'a b', 'a|b', 'é', 'x'.repeat(151)]) expect(tenantIdProblem(bad), bad).toBeDefined();
    expect(storedAppName('anonymous', 'shop.cpu')).toBe('shop.cpu');
    expect(storedAppName('team-a', 'shop.cpu')).toBe('team-a|shop.cpu');
    for (const [t, a] of [
      ['anonymous', 'x.cpu'],
      ['t.1', 'a.b/c-d.cpu'],
      ["x*'()!", 'y'],
    ])
      expect(splitStoredAppName(storedAppName(t, a))).toEqual({ tenant: t, appName: a });
  });

  it('classifies routes so anything unknown needs query rights', () => {
    expect(classifyRoute('GET', pathOf('/healthz'))).toBe('public');
    expect(classifyRoute('POST', pathOf('//ingest?name=x'))).toBe('ingest');
    expect(classifyRoute('POST', pathOf('/push.v1.PusherService/Push'))).toBe('ingest');
    expect(classifyRoute('DELETE', pathOf('/api/apps/'))).toBe('admin');
    expect(classifyRoute('GET', pathOf('/api/apps'))).toBe('query');
    expect(classifyRoute('POST', pathOf('/-/reload'))).toBe('admin');
    expect(classifyRoute('GET', pathOf('/targets'))).toBe('query');
    expect(classifyRoute('POST', pathOf('/querier.v1.QuerierService/ProfileTypes'))).toBe('query');
    expect(classifyRoute('GET', pathOf('/some/new/route'))).toBe('query');
  });
});
