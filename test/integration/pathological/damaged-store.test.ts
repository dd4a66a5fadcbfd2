// A damaged local store at start-up, as real child processes: every case ends in a clear message naming the
// file and the recovery, and an exit code, never a signal (lmdb answers damage with SIGBUS/SIGSEGV).
// `pyrelay store check|quarantine` find the damage and move it aside, after which the server starts empty.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_MARKER } from '../../../src/store/store-check.js';
import { RUNNING_MARKER } from '../../../src/store/store-guard.js';
import { startChildServer } from '../../helpers/child-server.js';
import { startTestServer } from '../../helpers/server.js';

const root = new URL('../../..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'pyrelay-damaged-'));
let pristine: string;

/** Runs the CLI as one node process (no npm/tsx wrapper that could turn a signal into an exit code). */
async function cli(args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli.ts'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout!.on('data', (d) => (output += d));
  proc.stderr!.on('data', (d) => (output += d));
  const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
  const [code, signal] = (await once(proc, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { code, signal, output };
}

const startServer = (storagePath: string) => cli(['server', '--storage-path', storagePath, '--api-bind-addr', '127.0.0.1:0']);

/** A copy of the pristine storage dir, damaged by `damage(dataMdbPath)`. */
function damaged(name: string, damage: (file: string) => void): string {
  const dir = join(work, name);
  cpSync(pristine, dir, { recursive: true });
  damage(join(dir, 'store', 'data.mdb'));
  return dir;
}

beforeAll(async () => {
  // A real store with data, written and closed cleanly by the server itself.
  pristine = join(work, 'pristine');
  const server = await startTestServer({ storagePath: pristine });
  for (let i = 0; i < 50; i++) {
    const res = await fetch(`${server.url}/ingest?name=app${i % 5}.cpu{i=${i}}&from=${1_700_000_000 + i * 10}&until=${1_700_000_010 + i * 10}`, {
      method: 'POST',
      body: Array.from({ length: 200 }, (_, k) => `main;f${i};g${k} ${k + 1}`).join('\n'),
    });
    expect(res.status).toBe(200);
  }
  await server.stop();
  expect(existsSync(join(pristine, 'store', DATA_MARKER))).toBe(true);
  expect(existsSync(join(pristine, 'store', RUNNING_MARKER))).toBe(false);
  expect(statSync(join(pristine, 'store', 'data.mdb')).size).toBeGreaterThan(64 * 1024);
}, 60_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

function expectClearRefusal(r: { code: number | null; signal: NodeJS.Signals | null; output: string }, dir: string, problem: RegExp): void {
  expect(r.signal).toBeNull();
  expect(r.code).toBe(1);
  expect(r.output).toContain(`local store is damaged: ${join(dir, 'store', 'data.mdb')}`);
  expect(r.output).toMatch(problem);
  expect(r.output).toContain(`pyrelay store quarantine --storage-path ${dir}`);
}

describe('damaged local store at start-up (child processes)', () => {
  it('data.mdb truncated to half: clear message, exit 1, not SIGBUS', async () => {
    const dir = damaged('half', (f) => truncateSync(f, Math.floor(statSync(f).size / 2)));
    expectClearRefusal(await startServer(dir), dir, /truncated: \d+% missing/);
  }, 40_000);

  it('first 8 KiB zeroed: clear message, exit 1, not SIGSEGV', async () => {
    const dir = damaged('zeroed', (f) => {
      const b = readFileSync(f);
      b.fill(0, 0, 8192);
      writeFileSync(f, b);
    });
    expectClearRefusal(await startServer(dir), dir, /no valid meta page: page 0 has bad magic 0x00000000/);
  }, 40_000);

  it('flipped bytes in a meta page: clear message, exit 1', async () => {
    const dir = damaged('flip-meta', (f) => {
      const b = readFileSync(f);
      for (const at of [4096 + 24, 4096 + 25]) b[at] ^= 0xff; // meta page 1's magic
      writeFileSync(f, b);
    });
    expectClearRefusal(await startServer(dir), dir, /meta page 1: bad magic/);
  }, 40_000);

  it('flipped bytes in data pages after a crash: the start reads every entry in a child first, clear message, exit 1', async () => {
    const dir = damaged('flip-data', (f) => {
      const b = readFileSync(f);
      // deterministic damage all over the data pages (pages 2..)
      for (let i = 8192 + 77; i < b.length; i += 97) b[i] ^= 0xa5;
      writeFileSync(f, b);
    });
    writeFileSync(join(dir, 'store', RUNNING_MARKER), '12345\n'); // the run that met the damage died
    const r = await startServer(dir);
    expectClearRefusal(r, dir, /reading every entry after an unclean stop failed: the reader (was killed by SIG[A-Z]+|failed)/);
    const check = await cli(['store', 'check', '--deep', '--storage-path', dir]);
    expect(check.signal).toBeNull();
    expect(check.code).toBe(1);
    expect(check.output).toMatch(/^DAMAGED .*data\.mdb: reading every entry failed/m);
  }, 60_000);

  it('empty data.mdb where the store held data: refused loudly, exit 1', async () => {
    const dir = damaged('empty', (f) => truncateSync(f, 0));
    expectClearRefusal(await startServer(dir), dir, /data\.mdb is empty \(0 bytes\) although this store held data before/);
  }, 40_000);

  it('a truncated remote-write backlog is refused the same way (exit 1 naming the file), not SIGBUS', async () => {
    const dir = join(work, 'backlog');
    const server = await startTestServer({
      storagePath: dir,
      config: { 'remote-write': { enabled: true, targets: { t: { address: 'http://127.0.0.1:9/' } } } },
    });
    for (let i = 0; i < 20; i++) expect((await fetch(`${server.url}/ingest?name=b.app`, { method: 'POST', body: 'a;b 1\n'.repeat(500) })).status).toBe(200);
    await server.stop();
    const file = join(dir, 'remote-write', 'data.mdb');
    truncateSync(file, Math.floor(statSync(file).size / 2));
    writeFileSync(join(work, 'backlog.yml'), `storage-path: ${dir}\nremote-write:\n  enabled: true\n  targets:\n    t:\n      address: http://127.0.0.1:9/\n`);
    const r = await cli(['server', '--config', join(work, 'backlog.yml'), '--api-bind-addr', '127.0.0.1:0']);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    expect(r.output).toContain(`remote-write backlog is damaged: ${file}`);
    expect(r.output).toMatch(/truncated: \d+% missing/);
  }, 60_000);

  it('store check passes a healthy store; quarantine moves a damaged one aside and the server then starts empty', async () => {
    const ok = await cli(['store', 'check', '--deep', '--storage-path', pristine]);
    expect([ok.code, ok.signal]).toEqual([0, null]);
    expect(ok.output).toMatch(/^ok .*data\.mdb: \d+ bytes, page size 4096/m);
    expect(ok.output).toMatch(/^ok every entry read: \d+ databases, \d+ entries/m);
    const refused = await cli(['store', 'quarantine', '--storage-path', pristine]);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('the store is not damaged: nothing moved');

    const dir = damaged('quarantine', (f) => truncateSync(f, Math.floor(statSync(f).size / 2)));
    const check = await cli(['store', 'check', '--storage-path', dir]);
    expect([check.code, check.signal]).toEqual([1, null]);
    expect(check.output).toContain(`to recover: pyrelay store quarantine --storage-path ${dir}`);
    const q = await cli(['store', 'quarantine', '--storage-path', dir]);
    expect([q.code, q.signal]).toEqual([0, null]);
    const moved = readdirSync(dir).filter((n) => n.startsWith('store.damaged-'));
    expect(moved).toHaveLength(1);
    expect(existsSync(join(dir, moved[0], 'data.mdb'))).toBe(true);
    expect(existsSync(join(dir, 'store'))).toBe(false);

    const server = await startChildServer(['--storage-path', dir]);
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect(await (await fetch(`${server.url}/label-values?label=__name__`)).json()).toEqual([]);
    } finally {
      await server.kill('SIGTERM');
    }
  }, 60_000);
});
