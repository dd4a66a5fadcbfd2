// A real Node app serving pprof through @pyroscope/nodejs's pull-mode middleware, scraped by a real pyrelay
// process (`npm start`), which stores the profiles and remote-writes them to a fake central server.
// The same process then gets SIGHUP: an invalid file is refused (old config keeps running, the reason is
// logged and counted), a valid one is applied live.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseMultipart } from '../../../src/ingest/multipart.js';
import { startChildServer, type ChildServer } from '../../helpers/child-server.js';
import { startFakeTarget, type FakeTarget } from '../../helpers/fake-target.js';
import { metricValue } from '../../helpers/server.js';

const appScript = new URL('../../fixtures/node-client/pull-app.mjs', import.meta.url).pathname;

async function waitFor<T>(read: () => Promise<T> | T, ok: (v: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('pull mode with a real @pyroscope/nodejs app and a real pyrelay process', () => {
  let app: ChildProcess;
  let appAddress = '';
  let remote: FakeTarget;
  let relay: ChildServer;
  let dir = '';
  let configFile = '';
  const job = (labels: Record<string, string>) => ({
    'job-name': 'node-pull',
    'scrape-interval': '2s',
    'scrape-timeout': '5s',
    'enabled-profiles': ['cpu', 'mem'],
    profiles: { cpu: { params: { seconds: '1' } } },
    'static-configs': [{ application: 'pull-app', 'spy-name': 'nodespy', targets: [appAddress], labels }],
  });
  const writeConfig = (scrapeConfigs: unknown) =>
    writeFileSync(
      configFile,
      stringify({
        'storage-path': join(dir, 'data'),
        'log-level': 'info',
        'remote-write': { enabled: true, targets: { central: { address: remote.url, tags: { cluster: 'edge-1' } } } },
        'scrape-configs': scrapeConfigs,
      }),
    );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pyrelay-node-pull-'));
    configFile = join(dir, 'server.yml');
    app = spawn(process.execPath, [appScript], { env: { ...process.env, RUN_MS: '120000' }, stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: app.stdout! }).once('line', resolve);
      app.once('exit', (c) => reject(new Error(`app exited with ${c}`)));
    });
    appAddress = `127.0.0.1:${(JSON.parse(line) as { port: number }).port}`;
    remote = await startFakeTarget();
    writeConfig([job({ env: 'test' })]);
    relay = await startChildServer(['--config', configFile]);
  }, 120_000);

  afterAll(async () => {
    await relay?.kill();
    app?.kill();
    await remote?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores the mapped series with job, instance and static labels, and forwards them with the target tags', async () => {
    // The wall profile (the cpu profile's endpoint) is forwarded as the original does it: multipart, no
    // format, name with the tags.
    const isCpu = (r: { query: Record<string, string>; body: Buffer; headers: Record<string, unknown> }) =>
      r.query.spyName === 'nodespy' &&
      parseMultipart(r.body, String(r.headers['content-type'])).some((p) => p.name === 'sample_type_config' && Buffer.from(p.data).toString().includes('"cpu"'));
    const forwarded = await waitFor(
      () => remote.requests,
      (rs) => rs.some(isCpu),
      'a forwarded cpu profile',
    );
    const cpu = forwarded.find(isCpu)!;
    expect(cpu.path).toBe('/ingest');
    expect(cpu.query.format).toBeUndefined();
    expect(cpu.query.name).toBe(`pull-app{cluster=edge-1,env=test,instance=${appAddress},job=node-pull}`);
    expect(String(cpu.headers['content-type'])).toMatch(/^multipart\/form-data; boundary=/);

    // Stored locally under the names the mapping gives. The middleware's profiles carry Node's own sample
    // types (`sample`/`wall`, `objects`/`space`), which the original's Go-centric cpu and mem mappings do not
    // name: they are kept under their own names (the original would drop them).
    const apps = await waitFor(
      async () => ((await (await fetch(`${relay.url}/api/apps`)).json()) as { name: string }[]).map((a) => a.name),
      (names) => names.includes('pull-app.wall') && names.includes('pull-app.sample'),
      'pull-app.wall stored',
      60_000,
    );
    expect(apps.filter((n) => n.startsWith('pull-app.')).sort()).toEqual(expect.arrayContaining(['pull-app.sample', 'pull-app.wall']));
    expect(apps.every((n) => ['pull-app.sample', 'pull-app.wall', 'pull-app.objects', 'pull-app.space'].includes(n))).toBe(true);
    const q = new URLSearchParams({ query: `pull-app.wall{job="node-pull",instance="${appAddress}",env="test"}`, format: 'collapsed', from: 'now-1h', until: 'now+1h' });
    const collapsed = await (await fetch(`${relay.url}/render?${q}`)).text();
    expect(collapsed).toContain('busyFib');

    // The heap endpoint is scraped too and accepted (the middleware's heap profile is near empty: it starts
    // the heap profiler on request); both targets are healthy.
    const targets = await waitFor(
      async () => (await (await fetch(`${relay.url}/targets`)).json()) as { url: string; health: string; lastError: string }[],
      (ts) => ts.length === 2 && ts.every((t) => t.health === 'up'),
      'both targets up',
    );
    expect(targets.map((t) => new URL(t.url).pathname).sort()).toEqual(['/debug/pprof/heap', '/debug/pprof/profile']);
  });

  it('SIGHUP: an invalid file is refused and the old config keeps running; a valid one applies live', async () => {
    const started = relay.output.map((l) => JSON.parse(l) as { msg?: string; pid?: number }).find((r) => r.msg === 'pyrelay started')!;
    const pid = started.pid!;
    writeFileSync(configFile, `scrape-configs:\n  - job-name: node-pull\n    scrape-intervall: 2s\n`);
    process.kill(pid, 'SIGHUP');
    const refused = await waitFor(
      () => relay.output.filter((l) => l.includes('config reload refused')),
      (ls) => ls.length > 0,
      'the refusal log line',
    );
    expect(JSON.parse(refused[0]).err).toContain('"scrape-intervall"');
    const m = await (await fetch(`${relay.url}/metrics`)).text();
    expect(metricValue(m, 'pyrelay_config_reloads_total', 'result="failure"')).toBe(1);
    expect(metricValue(m, 'pyrelay_config_last_reload_successful')).toBe(0);
    const before = remote.requests.length;
    await waitFor(
      () => remote.requests.length,
      (n) => n > before,
      'scraping to go on under the old config',
    );
    const still = (await (await fetch(`${relay.url}/targets`)).json()) as { labels: Record<string, string> }[];
    expect(still.map((t) => t.labels.env)).toEqual(['test', 'test']);

    writeConfig([job({ env: 'prod' })]);
    process.kill(pid, 'SIGHUP');
    await waitFor(
      async () => (await (await fetch(`${relay.url}/targets`)).json()) as { labels: Record<string, string> }[],
      (ts) => ts.length === 2 && ts.every((t) => t.labels.env === 'prod'),
      'the new labels',
    );
    const m2 = await (await fetch(`${relay.url}/metrics`)).text();
    expect(metricValue(m2, 'pyrelay_config_reloads_total', 'result="success"')).toBe(1);
  });
});
