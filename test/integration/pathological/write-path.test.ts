// Pathological cases whose fix came with the write-path rework (decode pool, write-ahead log, store worker).
// Items 2 and 9 mount a small tmpfs, so they need root (CI runs as root).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startFakeTarget, type FakeTarget } from '../../helpers/fake-target.js';
import { metricValue } from '../../helpers/server.js';
import { cpuTimeMs, readMemory, resetPeak, startServerProcess, withHealthProbe, type ServerProcess } from '../../helpers/server-process.js';

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A tmpfs of `sizeMiB` at a fresh directory; unmounted after the test. */
function smallDisk(sizeMiB: number): { dir: string; resize(mib: number): void } {
  const dir = mkdtempSync(join(tmpdir(), 'pyrelay-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m`, 'tmpfs', dir]);
  cleanup.push(() => {
    execFileSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, resize: (mib) => execFileSync('mount', ['-o', `remount,size=${mib}m`, dir]) };
}

async function serve(config: Record<string, unknown>, work: string): Promise<ServerProcess> {
  const file = join(work, 'server.yml');
  writeFileSync(file, stringify({ 'log-level': 'info', ...config }));
  const server = await startServerProcess(['--config', file]);
  cleanup.push(() => server.stop());
  return server;
}

const ingest = (url: string, name: string, body: string | Buffer, headers: Record<string, string> = {}) =>
  fetch(`${url}/ingest?name=${name}`, { method: 'POST', body: body as BodyInit, headers });

describe('pathological write-path cases', () => {
  it('item 1: a million distinct stacks in one gzip folded body -> 422 past the per-request stack limit, health within 100 ms, bounded memory', async () => {
    const work = mkdtempSync(join(tmpdir(), 'pyrelay-stacks-'));
    cleanup.push(() => rmSync(work, { recursive: true, force: true }));
    const server = await serve({ 'storage-path': join(work, 'data') }, work);
    const lines: string[] = [];
    for (let i = 0; i < 1_000_000; i++) lines.push(`main;svc${i % 997};handler${i % 1009};leaf${i} 1`);
    const body = gzipSync(lines.join('\n'));
    const idle = readMemory(server.pid).rssMiB;
    resetPeak(server.pid);
    const cpu0 = cpuTimeMs(server.pid);
    const { result, latenciesMs } = await withHealthProbe(server.url, async () => {
      const res = await ingest(server.url, 'stacks.app', body, { 'content-encoding': 'gzip' });
      return { status: res.status, text: await res.text() };
    });
    expect(result.status, result.text).toBe(422);
    expect(result.text).toMatch(/distinct stacks|nodes/i);
    expect(Math.max(...latenciesMs)).toBeLessThan(100);
    expect(readMemory(server.pid).peakMiB - idle).toBeLessThan(256);
    expect(cpuTimeMs(server.pid) - cpu0).toBeGreaterThan(0);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  }, 300_000);

  it('item 2: the backlog on a full tmpfs answers 503, never crashes, and recovers without a restart when space returns', async () => {
    const disk = smallDisk(8);
    const down = await startFakeTarget({ kind: 'reset' });
    cleanup.push(() => down.close());
    const server = await serve(
      { 'storage-path': join(disk.dir, 'data'), 'remote-write': { enabled: true, 'disable-local-writes': true, targets: { t: { address: down.url } } } },
      disk.dir,
    );
    const body = Array.from({ length: 4000 }, (_, i) => `main;f${i} ${i + 1}`).join('\n');
    let status = 200;
    for (let i = 0; i < 2000 && status === 200; i++) status = (await ingest(server.url, `full.app{i=${i}}`, body)).status;
    expect(status).toBe(503);
    for (let i = 0; i < 20; i++) expect((await ingest(server.url, 'full.app', body)).status).toBe(503);
    expect(server.proc.exitCode).toBeNull();
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    disk.resize(64);
    // The log probes free space once a second while refusing: the first 200 comes within a few probes.
    let after = 503;
    for (let i = 0; i < 100 && after === 503; i++) {
      after = (await ingest(server.url, 'full.app{after=1}', body)).status;
      if (after === 503) await new Promise((r) => setTimeout(r, 100));
    }
    expect(after).toBe(200);
    expect(server.proc.exitCode).toBeNull();
  }, 300_000);

  // The log checks free space before each commit once the disk runs low: a failed ENOSPC commit was followed by
  // lmdb aborting the process natively. The 2 s pause spans where that abort used to land (within a second).
  it('item 9: a full local store answers 503 and forwards nothing', async () => {
    const disk = smallDisk(8);
    const target: FakeTarget = await startFakeTarget({ kind: 'status', status: 200 });
    cleanup.push(() => target.close());
    mkdirSync(join(disk.dir, 'data'), { recursive: true });
    const server = await serve({ 'storage-path': join(disk.dir, 'data'), 'remote-write': { enabled: true, targets: { t: { address: target.url, durable: false } } } }, disk.dir);
    let status = 200;
    let accepted = 0;
    for (let i = 0; i < 5000 && status === 200; i++) {
      const body = Array.from({ length: 2000 }, (_, k) => `main;f${i};g${k} ${k + 1}`).join('\n');
      status = (await ingest(server.url, `store.app{i=${i}}`, body)).status;
      if (status === 200) accepted++;
    }
    expect(status).toBe(503);
    // what was refused never reached the target: it holds exactly the accepted ones
    await new Promise((r) => setTimeout(r, 2000));
    expect(target.requests).toHaveLength(accepted);
    expect(metricValue(await (await fetch(`${server.url}/metrics`)).text(), 'pyrelay_ingest_requests_total', 'format="groups",status="503"')).toBeGreaterThan(0);
    expect(server.proc.exitCode).toBeNull();
  }, 300_000);
});
