// The original's `auth` block stays meaningful: auth.ingestion.enabled turns ingest keys on, its other keys
// (OAuth, JWT, bcrypt cost, the key cache TTL) load with a warning; tenants and their retention validate.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';

const dir = mkdtempSync(join(tmpdir(), 'pyrelay-auth-config-'));
const load = (text: string, env: Record<string, string> = {}) => {
  const file = join(dir, `c${Math.random()}.yml`);
  writeFileSync(file, text);
  return loadConfig({ file, env, flags: {} });
};

describe('auth and tenant config', () => {
  it('defaults: no auth, one tenant, keys under the storage path', () => {
    const { config } = loadConfig({ env: {}, flags: { 'storage-path': '/var/lib/pyrelay' } });
    expect(config.auth).toEqual({ ingestionEnabled: false, queryEnabled: false, keysFile: '/var/lib/pyrelay/auth/keys.json', keyReloadIntervalMs: 1000 });
    expect(config.multitenancyEnabled).toBe(false);
    expect(config.tenants).toEqual({});
  });

  it("loads an original server.yml's auth block, warning about the keys pyrelay does not use", () => {
    const { config, warnings } = load(`
auth:
  ingestion:
    enabled: true
    cache-ttl: 1m
  api-key-bcrypt-cost: 12
  signup-default-role: ReadOnly
  google:
    enabled: false
`);
    expect(config.auth.ingestionEnabled).toBe(true);
    expect(config.auth.queryEnabled).toBe(false);
    expect(warnings.join('\n')).toMatch(/auth\.api-key-bcrypt-cost.*ignored/);
    expect(warnings.join('\n')).toMatch(/auth\.google/);
    expect(warnings.join('\n')).toMatch(/auth\.ingestion\.cache-ttl/);
  });

  it('env and tenants', () => {
    const { config } = load('tenants:\n  team-a:\n    retention: 24h\n', { PYROSCOPE_AUTH_QUERY_ENABLED: 'true', PYROSCOPE_MULTITENANCY_ENABLED: 'true' });
    expect(config.auth.queryEnabled).toBe(true);
    expect(config.multitenancyEnabled).toBe(true);
    expect(config.tenants).toEqual({ 'team-a': { retentionMs: 86_400_000 } });
    expect(() => load('tenants:\n  "bad/id":\n    retention: 1h\n')).toThrow(/tenants\.bad\/id: invalid tenant id: tenant id "bad\/id" may only use/);
    expect(() => load('auth:\n  query:\n    enable: true\n')).toThrow(/unknown key "enable"/);
  });
});
