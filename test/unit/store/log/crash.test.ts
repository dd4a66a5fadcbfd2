// Real processes: SIGKILL in the middle of appends, and a write failure (file size limit) that must
// reject appends with 'unavailable' instead of crashing or acknowledging what was not kept.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { harness, type Harness } from './helpers.js';

const child = fileURLToPath(new URL('./fixtures/append-child.ts', import.meta.url));
const root = path.resolve(path.dirname(child), '../../../../..');

type Line = { appended?: number; n?: number; acked?: number; error?: string; message?: string; closed?: boolean };

function run(args: string[], opts: { fileSizeLimitKb?: number; killAfterAppends?: number }) {
  const nodeArgs = ['--import', 'tsx', child, ...args];
  const proc =
    opts.fileSizeLimitKb === undefined
      ? spawn(process.execPath, nodeArgs, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
      : // Ignore SIGXFSZ so hitting the limit is a write error (EFBIG), like a full disk, not a kill.
        spawn('/bin/sh', ['-c', `trap '' XFSZ; ulimit -f ${opts.fileSizeLimitKb}; exec "$@"`, 'sh', process.execPath, ...nodeArgs], {
          cwd: root,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
  const lines: Line[] = [];
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += String(d)));
  createInterface({ input: proc.stdout }).on('line', (l) => {
    lines.push(JSON.parse(l) as Line);
    if (opts.killAfterAppends !== undefined && lines.filter((x) => x.appended).length === opts.killAfterAppends) {
      proc.kill('SIGKILL');
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('close', (code, signal) => resolve({ code, signal })));
  return { lines, exited, stderr: () => stderr };
}

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(() => h.cleanup());

describe('crash safety (child process)', () => {
  it('everything acknowledged before SIGKILL is replayed; resolved acks stay acked', async () => {
    const dir = path.join(h.dir, 'backlog');
    const r = run([dir, 'forever', '4096'], { killAfterAppends: 300 });
    const { signal } = await r.exited;
    expect(signal, r.stderr()).toBe('SIGKILL');
    const appended = r.lines.filter((l) => l.appended !== undefined);
    const acked = new Set(r.lines.filter((l) => l.acked !== undefined).map((l) => l.acked));
    expect(appended.length).toBeGreaterThanOrEqual(300);

    const b = await h.open();
    try {
      const forB = new Map((await b.next('b', 1_000_000)).map((it) => [it.seq, it]));
      const forA = new Set((await b.next('a', 1_000_000)).map((it) => it.seq));
      for (const { appended: seq, n } of appended) {
        const item = forB.get(seq!);
        expect(item, `seq ${seq} lost for b`).toBeDefined();
        expect(item!.meta).toEqual({ n });
        expect(item!.payload.length).toBe(4096);
        expect(item!.payload.every((x) => x === (n! & 0xff))).toBe(true);
        // A resolved ack stays; an ack in flight at the kill may or may not have landed; others are pending.
        if (acked.has(seq)) expect(forA.has(seq!), `acked seq ${seq} back for a`).toBe(false);
        else if (n! % 3 !== 0) expect(forA.has(seq!), `seq ${seq} lost for a`).toBe(true);
      }
      expect(b.corruptSkipped).toBe(0);
    } finally {
      await b.close();
    }
  }, 30_000);

  it('a write failure rejects append with unavailable, and what was acknowledged survives', async () => {
    const dir = path.join(h.dir, 'backlog');
    const r = run([dir, 'until-error', '100000'], { fileSizeLimitKb: 4096 });
    const { code } = await r.exited;
    expect(code, r.stderr()).toBe(0);
    const error = r.lines.find((l) => l.error !== undefined);
    expect(error).toMatchObject({ error: 'unavailable' });
    expect(error!.message).toMatch(/^remote-write backlog cannot persist: /);
    expect(r.lines.at(-1)).toEqual({ closed: true });
    const appended = r.lines.filter((l) => l.appended !== undefined).map((l) => l.appended);
    expect(appended.length).toBeGreaterThan(5);

    const b = await h.open();
    try {
      const forB = (await b.next('b', 1_000_000)).map((it) => it.seq);
      expect(forB.sort((x, y) => x - y)).toEqual(appended.sort((x, y) => x! - y!));
    } finally {
      await b.close();
    }
  }, 30_000);
});
