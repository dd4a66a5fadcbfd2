// SIGKILL the server (a child process, exactly as users run it) while its target is
// unreachable and profiles are pending; restart on the same storage-path; every profile acknowledged (200)
// before the kill reaches the target.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';
import { startFakeTarget, type FakeTarget } from '../helpers/fake-target.js';
import { cleanupAfterEach } from '../helpers/cleanup.js';

const T = 1_700_000_000;
const defer = cleanupAfterEach();

async function ingest(url: string, name: string): Promise<number> {
  const res = await fetch(`${url}/ingest?${new URLSearchParams({ name, from: String(T), until: String(T + 10) })}`, { method: 'POST', body: 'main;work 3\n' });
  return res.status;
}

/** Resolves once the target has received every name in `names` (duplicates allowed). */
async function waitForNames(target: FakeTarget, names: string[]): Promise<void> {
  for (;;) {
    const have = new Set(target.requests.map((r) => r.query.name));
    if (names.every((n) => have.has(n))) return;
    await target.waitForRequests(target.requests.length + 1, 30_000);
  }
}

it('profiles acknowledged before a SIGKILL reach the target after a restart on the same storage-path', async () => {
  // Take a free port, then close it: the target is unreachable (connection refused) until it comes back there.
  const placeholder = await startFakeTarget();
  const port = Number(new URL(placeholder.url).port);
  await placeholder.close();

  const dir = mkdtempSync(join(tmpdir(), 'pyrelay-crash-'));
  const file = join(dir, 'server.yml');
  writeFileSync(
    file,
    stringify({
      'storage-path': join(dir, 'data'),
      'log-level': 'info', // the helper waits for the "pyrelay started" line
      'remote-write': {
        enabled: true,
        targets: { t: { address: `http://127.0.0.1:${port}`, 'queue-workers': 2, 'min-backoff': '20ms', 'max-backoff': '200ms' } },
      },
    }),
  );
  let child: ChildServer | undefined = await startChildServer(['--config', file]);
  defer(() => child?.kill('SIGKILL') ?? Promise.resolve());

  const acked: string[] = [];
  for (let i = 0; i < 25; i++) {
    const name = `crash.app{i=${i}}`;
    expect(await ingest(child.url, name)).toBe(200);
    acked.push(name);
  }
  // A burst still in flight at the kill: only the ones answered 200 are owed to the target.
  const burst = Array.from({ length: 15 }, (_, i) => {
    const name = `crash.app{b=${i}}`;
    return ingest(child!.url, name).then(
      (status) => (status === 200 ? name : undefined),
      () => undefined,
    );
  });
  await Promise.race(burst);
  await child.kill('SIGKILL');
  child = undefined;
  for (const name of await Promise.all(burst)) if (name) acked.push(name);
  expect(acked.length).toBeGreaterThan(25);

  const target = await startFakeTarget({ kind: 'status', status: 200 }, { port });
  defer(() => target.close());
  child = await startChildServer(['--config', file]);
  await waitForNames(target, acked);
  const received = target.requests.map((r) => r.query.name);
  for (const name of acked) expect(received).toContain(name);
  // Duplicates are possible only for items in flight at the kill, and they carry the same dedup id.
  const idsByName = new Map<string, Set<string>>();
  for (const r of target.requests) {
    const set = idsByName.get(r.query.name) ?? new Set();
    set.add(String(r.headers['x-pyrelay-profile-id']));
    idsByName.set(r.query.name, set);
  }
  for (const [name, set] of idsByName) expect(set.size, name).toBe(1);
  console.info(`${acked.length} acknowledged before SIGKILL, ${target.requests.length} requests after restart`);
});
