import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, scalarSettings, substituteEnv } from '../../../src/config/load.js';
import { parseDurationMs } from '../../../src/config/duration.js';
import { parseSizeBytes } from '../../../src/config/size.js';
import { buildForwardRequest } from '../../../src/remote-write/forward-request.js';
import { item as forwardItem } from '../remote-write/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'pyrelay-config-'));
let n = 0;
function fileWith(text: string): string {
  const f = join(dir, `c${n++}.yml`);
  writeFileSync(f, text);
  return f;
}
const load = (text: string, env: Record<string, string> = {}, flags: Record<string, string> = {}) => loadConfig({ file: fileWith(text), env, flags });
const failure = (text: string, env: Record<string, string> = {}) => {
  try {
    load(text, env);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the config to be rejected');
};

describe('config loading', () => {
  it('defaults match the original server', () => {
    const { config } = loadConfig({ env: {}, flags: {} });
    expect(config.listen).toEqual({ host: '0.0.0.0', port: 4040 });
    expect(config.storagePath).toBe('./data');
    expect(config.retentionMs).toBe(0);
    expect(config.maxNodesRender).toBe(8192);
    expect(config.ingest.maxBodyBytes).toBe(64 * 1024 * 1024);
    expect(config.remoteWrite.enabled).toBe(false);
    // Measured no faster on 2 cores (README): the send thread is opt-in.
    expect(config.remoteWrite.sendThread).toBe(false);
  });

  it('reads an original-style server.yml with a remote-write block and ${ENV} substitution', () => {
    const { config, warnings } = load(
      `
api-bind-addr: 127.0.0.1:5040
storage-path: /tmp/x
retention: 720h
analytics-opt-out: true
remote-write:
  enabled: true
  targets:
    central:
      address: https://profiles.example.com/prefix
      auth-token: \${TOKEN}
      tags: { cluster: eu-1 }
      headers: { X-Extra: yes }
      timeout: 5s
      queue-size: 50
`,
      { TOKEN: 's3cret' },
    );
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 5040 });
    expect(config.retentionMs).toBe(720 * 3600 * 1000);
    expect(warnings.join()).toContain('analytics-opt-out');
    const t = config.remoteWrite.targets[0];
    expect(t).toMatchObject({ name: 'central', authToken: 's3cret', tags: { cluster: 'eu-1' }, timeoutMs: 5000, queueSize: 50 });
    expect(t.headers['X-Extra']).toBe('yes');
    expect(t.queueWorkers).toBeGreaterThanOrEqual(1);
    expect(t.queueWorkers).toBeLessThanOrEqual(64);
  });

  it('flags beat env, env beats file, file beats defaults', () => {
    const text = 'storage-path: /from-file\nlog-level: warn\nretention: 1h\n';
    const { config } = load(text, { PYROSCOPE_STORAGE_PATH: '/from-env', PYROSCOPE_LOG_LEVEL: 'error' }, { 'storage-path': '/from-flag' });
    expect(config.storagePath).toBe('/from-flag');
    expect(config.logLevel).toBe('error');
    expect(config.retentionMs).toBe(3_600_000);
    const env = loadConfig({ env: { PYROSCOPE_REMOTE_WRITE_ENABLED: 'false', PYROSCOPE_REMOTE_WRITE_SEND_THREAD: 'true' }, flags: {} });
    expect(env.config.remoteWrite.enabled).toBe(false);
    expect(env.config.remoteWrite.sendThread).toBe(true);
  });

  it('a wrong type names the key and the value', () => {
    expect(failure('storage-path: [1, 2]\n')).toMatch(/storage-path: .*expected string/);
    expect(failure('retention: forever\n')).toMatch(/retention: invalid duration "forever"/);
    expect(failure('max-nodes-render: many\n')).toMatch(/max-nodes-render: .*"many"/);
    expect(failure('api-bind-addr: nowhere\n')).toMatch(/api-bind-addr: expected ":port" or "host:port" \(got "nowhere"\)/);
  });

  it('an unknown top-level key is named', () => {
    expect(failure('storage-pth: /x\n')).toContain('unknown key "storage-pth"');
  });

  it('rejects target tags whose keys a receiving server would refuse in name', () => {
    expect(failure('remote-write:\n  targets:\n    a:\n      address: http://x\n      tags: { __name__: evil }\n')).toContain(
      'remote-write.targets.a.tags: tag key is reserved: __name__',
    );
    expect(failure('remote-write:\n  targets:\n    a:\n      address: http://x\n      tags: { cluster-name: x }\n')).toContain(
      "invalid tag key: cluster-name: character is not allowed: '-'",
    );
  });

  it('rejects invalid remote-write configs clearly', () => {
    expect(failure('remote-write:\n  enabled: true\n')).toContain('remote write is enabled but no targets are set up');
    expect(failure('remote-write:\n  targets:\n    a:\n      address: ftp://x\n')).toContain(
      'remote-write.targets.a.address: address must be an http:// or https:// URL (got "ftp://x")',
    );
    expect(failure('remote-write:\n  targets:\n    a:\n      address: http://x\n      queue-size: -1\n')).toMatch(/remote-write\.targets\.a\.queue-size: .*>=1 \(got -1\)/);
    expect(failure('remote-write:\n  targets:\n    a:\n      address: http://x\n      queue-workers: -3\n')).toMatch(/queue-workers/);
    expect(failure('remote-write:\n  targets:\n    a:\n      address: http://x\n      timeout: soon\n')).toMatch(/timeout: invalid duration/);
    expect(failure('remote-write:\n  targets:\n    a:\n      adress: http://x\n')).toContain('unknown key "adress"');
  });

  it('loads a target with several auth options the way the original does, warning about each losing key but never its value', () => {
    const yml = [
      'remote-write:',
      '  targets:',
      '    central:',
      '      address: http://x',
      '      auth-token: bearer-s3cret',
      '      basic-auth-user: u',
      '      basic-auth-password: basic-s3cret',
      '      tenant-id: team-a',
      '      headers: { Authorization: header-s3cret, X-Scope-OrgID: other, X-Extra: v }',
      '    edge:',
      '      address: http://y',
      '      auth-token: only-bearer',
      '      headers: { authorization: header-s3cret }',
      '',
    ].join('\n');
    const { config, warnings } = load(yml);
    const central = config.remoteWrite.targets.find((t) => t.name === 'central')!;
    expect(central).toMatchObject({ authToken: 'bearer-s3cret', basicAuthUser: 'u', basicAuthPassword: 'basic-s3cret', tenantId: 'team-a' });
    expect(warnings).toEqual([
      'remote-write target "central": auth-token is ignored because basic-auth-user/basic-auth-password are set (Basic wins over Bearer)',
      'remote-write target "central": headers.Authorization is ignored because basic-auth-user/basic-auth-password sets Authorization',
      'remote-write target "central": headers.X-Scope-OrgID is ignored because tenant-id sets X-Scope-OrgID',
      'remote-write target "edge": headers.authorization is ignored because auth-token sets Authorization',
    ]);
    expect(warnings.join('\n')).not.toMatch(/s3cret|only-bearer|team-a/);
    // The request builder applies the same precedence (forward-request.test.ts checks every pair).
    expect(buildForwardRequest(forwardItem(), central).headers).toMatchObject({
      authorization: `Basic ${Buffer.from('u:basic-s3cret').toString('base64')}`,
      'x-scope-orgid': 'team-a',
    });
    const edge = config.remoteWrite.targets.find((t) => t.name === 'edge')!;
    expect(buildForwardRequest(forwardItem(), edge).headers['authorization']).toBe('Bearer only-bearer');
  });

  it('never prints secrets in errors', () => {
    const msg = failure('remote-write:\n  targets:\n    a:\n      address: http://x\n      auth-token: [s3cret]\n');
    expect(msg).toContain('auth-token');
    expect(msg).not.toContain('s3cret');
  });

  it('rejects files that are not a YAML mapping', () => {
    expect(failure('- a\n- b\n')).toContain('must be a YAML mapping');
    expect(failure('a: [\n')).toContain('is not valid YAML');
  });

  it('derives env names and flags from the schema', () => {
    const names = scalarSettings().map((s) => s.env);
    expect(names).toContain('PYROSCOPE_API_BIND_ADDR');
    expect(names).toContain('PYROSCOPE_REMOTE_WRITE_DISABLE_LOCAL_WRITES');
  });
});

describe('units', () => {
  it.each([
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['720h', 2_592_000_000],
    ['500ms', 500],
    ['0', 0],
    ['1.5h', 5_400_000],
  ])('duration %s', (text, ms) => expect(parseDurationMs(text)).toBe(ms));
  it.each(['', 'x', '10', '10 s', '-1s'])('bad duration %j', (t) => {
    if (t === '10') expect(parseDurationMs(t)).toBe(10);
    else expect(parseDurationMs(t)).toBeUndefined();
  });
  it('sizes', () => {
    expect(parseSizeBytes('64MiB')).toBe(64 * 1024 * 1024);
    expect(parseSizeBytes('1GB')).toBe(1e9);
    expect(parseSizeBytes(1024)).toBe(1024);
    expect(parseSizeBytes('lots')).toBeUndefined();
  });
  it('substitutes ${ENV} with fallbacks', () => {
    expect(substituteEnv('a ${X} ${Y:-d} ${Z}', { X: '1' })).toBe('a 1 d ');
  });
});
