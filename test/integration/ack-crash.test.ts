// Issue 10 "must show 1" on the real server: SIGKILL immediately after a 200, round after round on one
// storage-path, with the local store and a durable remote-write target. Every acknowledged profile is in
// /render exactly once after the restarts, and at the target at least once, always under one profile id.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';
import { startFakeTarget } from '../helpers/fake-target.js';

const T = 1_700_000_000;
const ROUNDS = 8;
const PER_ROUND = 6;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const nameOf = (r: number, i: number) => `crash.app{k=r${r}i${i}}`;
// A distinct total per profile, so a double count cannot hide: r*100 + i + 1.
const valueOf = (r: number, i: number) => r * 100 + i + 1;

async function ingest(url: string, r: number, i: number): Promise<number> {
  const q = new URLSearchParams({ name: nameOf(r, i), from: String(T), until: String(T + 10) });
  const res = await fetch(`${url}/ingest?${q}`, { method: 'POST', body: `main;work;leaf${i} ${valueOf(r, i)}\n` });
  return res.status;
}

it(`SIGKILL right after a 200, ${ROUNDS} rounds: every acknowledged profile is rendered exactly once and reaches the target`, async () => {
  const target = await startFakeTarget({ kind: 'status', status: 200 });
  cleanups.push(() => target.close());
  const dir = mkdtempSync(join(tmpdir(), 'pyrelay-ack-crash-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'server.yml');
  writeFileSync(
    file,
    stringify({
      'storage-path': join(dir, 'data'),
      'log-level': 'info',
      'remote-write': { enabled: true, targets: { t: { address: target.url, 'min-backoff': '20ms', 'max-backoff': '200ms' } } },
    }),
  );

  let live: ChildServer | undefined;
  cleanups.push(() => live?.kill('SIGKILL'));
  const acked: [number, number][] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const child: ChildServer = await startChildServer(['--config', file]);
    live = child;
    // A few in parallel; the kill follows the first 200 at once, the others may or may not have been answered.
    const sends = Array.from({ length: PER_ROUND }, (_, i) =>
      ingest(child.url, r, i).then(
        (status) => {
          if (status === 200) acked.push([r, i]);
          return status;
        },
        () => 0,
      ),
    );
    // The first 200 (or all of them failing) ends the round: the signal is sent in the same turn.
    await Promise.race([Promise.all(sends), ...sends.map((p) => p.then((s) => (s === 200 ? undefined : new Promise(() => {}))))]);
    await child.kill('SIGKILL');
    live = undefined;
    await Promise.all(sends);
  }
  expect(acked.length).toBeGreaterThanOrEqual(ROUNDS);

  const last = await startChildServer(['--config', file]);
  live = last;
  for (const [r, i] of acked) {
    const q = new URLSearchParams({ query: `crash.app{k="r${r}i${i}"}`, from: String(T - 60), until: String(T + 60) });
    const res = await fetch(`${last.url}/render?${q}`);
    const body = (await res.json()) as { flamebearer: { numTicks: number } };
    expect(body.flamebearer.numTicks, nameOf(r, i)).toBe(valueOf(r, i));
  }
  // At least once at the target, and every copy of one profile carries the same id (the dedup key).
  const wanted = acked.map(([r, i]) => nameOf(r, i));
  const deadline = Date.now() + 60_000;
  while (!wanted.every((n) => target.requests.some((q) => q.query.name === n)) && Date.now() < deadline) {
    await target.waitForRequests(target.requests.length + 1, 30_000).catch(() => undefined);
  }
  const ids = new Map<string, Set<string>>();
  for (const q of target.requests) {
    const set = ids.get(q.query.name) ?? new Set<string>();
    set.add(String(q.headers['x-pyrelay-profile-id']));
    ids.set(q.query.name, set);
  }
  for (const n of wanted) expect(ids.get(n)?.size, n).toBe(1);
  console.info(`ack crash: ${acked.length} acknowledged over ${ROUNDS} SIGKILLs; ${target.requests.length} requests at the target`);
}, 300_000);
