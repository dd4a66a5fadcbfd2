// scrape-configs through the real loader: defaults, the original's snake_case spellings, unknown keys named,
// secrets never echoed, invalid regexes and profile names refused at start-up.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';

const dir = mkdtempSync(join(tmpdir(), 'pyrelay-scrape-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const load = (yaml: string, env: Record<string, string> = {}) => {
  const file = join(dir, `c${n++}.yml`);
  writeFileSync(file, yaml);
  return loadConfig({ file, env, flags: {} });
};
const error = (yaml: string, env: Record<string, string> = {}) => {
  try {
    load(yaml, env);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a config error');
};

describe('scrape-configs', () => {
  it('loads an original pull-mode server.yml with the original defaults, no warning', () => {
    const { config, warnings } = load(`
scrape-configs:
  - job-name: testing
    enabled-profiles: [cpu, mem, goroutines, mutex, block]
    static-configs:
      - application: rideshare
        spy-name: gospy
        targets: [localhost:6060]
        labels: { env: dev }
`);
    expect(warnings).toEqual([]);
    const j = config.scrape.jobs[0];
    expect(j).toMatchObject({ jobName: 'testing', intervalMs: 10_000, timeoutMs: 15_000, scheme: 'http', bodySizeLimitBytes: 64 * 1024 ** 2, followRedirects: true });
    expect(j.staticConfigs).toEqual([{ targets: ['localhost:6060'], labels: { env: 'dev', __name__: 'rideshare', __spy_name__: 'gospy' } }]);
    expect(j.profiles.cpu.path).toBe('/debug/pprof/profile');
    expect(j.profiles.mutex.sampleTypes.delay).toEqual({ displayName: 'mutex_duration', units: 'lock_nanoseconds', cumulative: true });
    expect(config.scrape.maxConcurrency).toBe(64);
  });

  it('accepts the original snake_case spellings (source_labels, basic_auth, tls_config)', () => {
    const { config } = load(`
scrape-configs:
  - job-name: k
    basic_auth: { username: u, password_file: /run/secret }
    tls_config: { insecure_skip_verify: true }
    relabel_configs:
      - source_labels: [__meta_kubernetes_namespace]
        target_label: namespace
    static_configs: [{ application: a, targets: ['h:1'], labels: { some_label: v } }]
`);
    const j = config.scrape.jobs[0];
    expect(j.auth).toEqual({ kind: 'basic', username: 'u', password: undefined, passwordFile: '/run/secret' });
    expect(j.tls.insecureSkipVerify).toBe(true);
    expect(j.relabelConfigs[0]).toMatchObject({ sourceLabels: ['__meta_kubernetes_namespace'], targetLabel: 'namespace', action: 'replace' });
    // Label names are user data: never rewritten.
    expect(j.staticConfigs[0].labels.some_label).toBe('v');
  });

  it('names an unknown key', () => {
    expect(error(`scrape-configs: [{ job-name: a, scrape-intervall: 5s }]`)).toContain('"scrape-intervall"');
  });

  it('refuses an unknown profile, a bad regex and a missing job-name', () => {
    expect(error(`scrape-configs: [{ job-name: a, enabled-profiles: [heap] }]`)).toContain('profile "heap" is neither built in');
    expect(error(`scrape-configs: [{ job-name: a, relabel-configs: [{ action: keep, source-labels: [x], regex: '(?=x)' }] }]`)).toContain('invalid RE2 regular expression');
    expect(error(`scrape-configs: [{ scrape-interval: 5s }]`)).toContain('job-name');
    expect(error(`scrape-configs: [{ job-name: a }, { job-name: a }]`)).toContain('used twice');
    expect(error(`scrape-configs: [{ job-name: a, relabel-configs: [{ action: explode }] }]`)).toContain('relabel-configs.0.action');
  });

  it('never echoes a secret in an error', () => {
    const msg = error(`scrape-configs: [{ job-name: a, basic-auth: { username: u, password: 12345 } }]`);
    expect(msg).toContain('basic-auth.password');
    expect(msg).not.toContain('12345');
    const msg2 = error(`scrape-configs: [{ job-name: a, bearer-token: s3cr3t, basic-auth: { username: u, password: hunter2 } }]`);
    expect(msg2).toContain('at most one of');
    expect(msg2).not.toMatch(/s3cr3t|hunter2/);
  });

  it('kubernetes discovery without api-server needs the in-cluster environment', () => {
    expect(error(`scrape-configs: [{ job-name: a, kubernetes-sd-configs: [{ role: pod }] }]`)).toContain('KUBERNETES_SERVICE_HOST');
    const { config } = load(`scrape-configs: [{ job-name: a, kubernetes-sd-configs: [{ role: pod }] }]`, { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' });
    expect(config.scrape.jobs[0].kubernetesSdConfigs[0]).toMatchObject({ apiServer: 'https://10.96.0.1:443', inCluster: true });
  });

  it('scrape.max-concurrency comes from the file, env or a flag', () => {
    expect(load(`scrape: { max-concurrency: 8 }`).config.scrape.maxConcurrency).toBe(8);
    expect(load(``, { PYROSCOPE_SCRAPE_MAX_CONCURRENCY: '3' }).config.scrape.maxConcurrency).toBe(3);
  });
});

describe('config errors and secrets', () => {
  it('a YAML syntax error names the place but never echoes the line (it may hold a password)', () => {
    const msg = error(`scrape-configs:\n  - job-name: a\n    basic-auth: { username: u, password: hunter2: x }\n`);
    expect(msg).toMatch(/is not valid YAML: .*line 3/);
    expect(msg).not.toContain('hunter2');
  });
});
