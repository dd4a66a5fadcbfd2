// A real Go program serving net/http/pprof, scraped by pyrelay (cpu and mem), when `go` is installed
// (.ci/run installs Debian's golang-go). Built with a throw-away GOCACHE/GOPATH; stdlib only.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTarget, type FakeTarget } from '../../helpers/fake-target.js';
import { startScrapeServer, type ScrapeTestServer } from '../../helpers/scrape-server.js';

const hasGo = spawnSync('go', ['version']).status === 0;
const source = new URL('../../fixtures/go-pprof/main.go', import.meta.url).pathname;

async function waitFor<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 40_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!hasGo)('pull mode with a real Go net/http/pprof program', () => {
  let dir = '';
  let prog: ChildProcess;
  let address = '';
  let remote: FakeTarget;
  let server: ScrapeTestServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pyrelay-go-'));
    const env = { ...process.env, GOCACHE: join(dir, 'cache'), GOPATH: join(dir, 'gopath'), GO111MODULE: 'off', GOFLAGS: '', CGO_ENABLED: '0' };
    execFileSync('go', ['build', '-o', join(dir, 'pprof-app'), source], { env, stdio: 'inherit' });
    prog = spawn(join(dir, 'pprof-app'), [], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: prog.stdout! }).once('line', resolve);
      prog.once('exit', (c) => reject(new Error(`go program exited with ${c}`)));
    });
    address = `127.0.0.1:${(JSON.parse(line) as { port: number }).port}`;
    remote = await startFakeTarget();
    server = await startScrapeServer({
      'remote-write': { enabled: true, targets: { central: { address: remote.url, durable: false } } },
      'scrape-configs': [
        {
          'job-name': 'go',
          'scrape-interval': '2s',
          'scrape-timeout': '5s',
          'enabled-profiles': ['cpu', 'mem'],
          profiles: { cpu: { params: { seconds: '1' } } },
          'static-configs': [{ application: 'go-app', 'spy-name': 'gospy', targets: [address], labels: { lang: 'go' } }],
        },
      ],
    });
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
    prog?.kill();
    await remote?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores cpu and mem series (.cpu, .inuse_*, and .alloc_* deltas from the second scrape) and forwards them', async () => {
    const names = await waitFor(
      async () => ((await (await fetch(`${server.url}/api/apps`)).json()) as { name: string }[]).map((a) => a.name),
      (n) => ['go-app.cpu', 'go-app.inuse_space', 'go-app.inuse_objects', 'go-app.alloc_space', 'go-app.alloc_objects'].every((x) => n.includes(x)),
      'the Go series',
    );
    expect(names).toContain('go-app.cpu');
    const q = new URLSearchParams({ query: `go-app.cpu{lang="go",job="go",instance="${address}"}`, format: 'collapsed', from: 'now-1h', until: 'now+1h' });
    expect(await (await fetch(`${server.url}/render?${q}`)).text()).toContain('main.fib');
    const forwarded = remote.requests.filter((r) => r.query.name === `go-app{instance=${address},job=go,lang=go}`);
    expect(forwarded.length).toBeGreaterThanOrEqual(2);
    expect(forwarded.every((r) => r.query.spyName === 'gospy' && r.query.format === undefined)).toBe(true);
  });
});
