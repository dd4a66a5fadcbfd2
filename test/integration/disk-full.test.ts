// Issue 11 items 2 and 9: the write-ahead log on a full disk (a 2 MiB tmpfs). /ingest answers 503 with the
// reason while nothing can be kept, nothing it could not keep is forwarded, the process stays up, and it
// accepts again by itself once there is room (the tmpfs is grown), delivering everything it acknowledged.
// Mounting needs root (CI runs as root); elsewhere the test is skipped with a message.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';
import { startFakeTarget, type FakeTarget } from '../helpers/fake-target.js';

const T = 1_700_000_000;

function canMount(): boolean {
  const probe = mkdtempSync(join(tmpdir(), 'pyrelay-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}
const mountable = canMount();
if (!mountable) console.warn('disk-full tests skipped: mounting a tmpfs is not permitted here (run as root)');

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

// ~100 KB of folded stacks: about 20 of them fill the 2 MiB disk.
const BODY = Array.from({ length: 4000 }, (_, i) => `main;serve;handler${i % 700};work${i} 1`).join('\n');

async function ingest(url: string, name: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${url}/ingest?${new URLSearchParams({ name, from: String(T), until: String(T + 10) })}`, { method: 'POST', body: BODY });
  return { status: res.status, text: await res.text() };
}

async function setup(localWrites: boolean): Promise<{ server: ChildServer; target: FakeTarget; data: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'pyrelay-disk-full-'));
  const data = join(dir, 'data');
  mkdirSync(data);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', data]);
  cleanups.push(() => {
    execFileSync('umount', ['-l', data]);
    rmSync(dir, { recursive: true, force: true });
  });
  // The target is down (503) until the test says otherwise: acknowledged items pile up in the log.
  const target = await startFakeTarget({ kind: 'status', status: 503 });
  cleanups.push(() => target.close());
  const file = join(dir, 'server.yml');
  writeFileSync(
    file,
    stringify({
      'storage-path': data,
      'log-level': 'info',
      'remote-write': {
        enabled: true,
        'disable-local-writes': !localWrites,
        targets: { t: { address: target.url, 'queue-workers': 1, 'min-backoff': '50ms', 'max-backoff': '100ms' } },
      },
    }),
  );
  const server = await startChildServer(['--config', file]);
  cleanups.push(() => server.kill('SIGKILL'));
  return { server, target, data };
}

async function fillUntil503(url: string, prefix: string): Promise<{ acked: string[]; refused: string[]; reason: string }> {
  const acked: string[] = [];
  const refused: string[] = [];
  let reason = '';
  for (let i = 0; i < 100 && refused.length < 3; i++) {
    const name = `${prefix}{i=${i}}`;
    const r = await ingest(url, name);
    if (r.status === 200) acked.push(name);
    else {
      expect(r.status).toBe(503);
      refused.push(name);
      reason ||= r.text;
    }
  }
  return { acked, refused, reason };
}

describe.skipIf(!mountable)('disk full under the write-ahead log', () => {
  for (const localWrites of [false, true]) {
    it(`${localWrites ? 'local store + remote write' : 'relay mode'}: 503 with the reason, nothing unkept forwarded, no crash, recovers when space returns`, async () => {
      const { server, target, data } = await setup(localWrites);
      const { acked, refused, reason } = await fillUntil503(server.url, 'full.app');
      expect(acked.length).toBeGreaterThan(3);
      expect(refused.length).toBe(3);
      expect(reason).toMatch(/cannot persist/);

      // Still up and serving while the disk is full.
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect(server.proc.exitCode).toBeNull();

      // Space comes back: the server accepts again without a restart.
      execFileSync('mount', ['-o', 'remount,size=64m', 'tmpfs', data]);
      let after = '';
      const deadline = Date.now() + 20_000;
      for (let i = 0; Date.now() < deadline; i++) {
        const name = `full.app{after=${i}}`;
        if ((await ingest(server.url, name)).status === 200) {
          after = name;
          break;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(after).not.toBe('');
      acked.push(after);

      // The target comes back: everything acknowledged arrives, nothing refused ever does.
      const start = target.requests.length;
      target.behave({ kind: 'status', status: 200 });
      const want = new Set(acked);
      while (![...want].every((n) => target.requests.slice(start).some((r) => r.query.name === n))) {
        await target.waitForRequests(target.requests.length + 1, 30_000);
      }
      const received = new Set(target.requests.map((r) => r.query.name));
      for (const name of refused) expect(received.has(name), name).toBe(false);
      expect(server.proc.exitCode).toBeNull();
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toMatch(/pyrelay_unhandled_rejections_total \d+/);
      console.info(`disk full (${localWrites ? 'local' : 'relay'}): ${acked.length} acknowledged, ${refused.length} refused with 503, recovered without restart`);
    }, 120_000);
  }
});
