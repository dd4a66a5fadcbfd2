// Must show 1 at the store: SIGKILL right after an append resolved (the request path's 200), and in the middle
// of a background flush and of a compaction (a test hook blocks the worker inside the open transaction), many
// times over one directory: after every restart the log replays what the store had not written, and in the
// end every acknowledged record is counted exactly once.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './ingest-helpers.js';

const child = fileURLToPath(new URL('./fixtures/ingest-child.ts', import.meta.url));
const root = path.resolve(path.dirname(child), '../../../..');

interface Run {
  acked: number[];
  lines: Record<string, unknown>[];
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the child; `killWhen` sees each output line and returns true to SIGKILL it at once. */
function run(args: string[], killWhen: (line: Record<string, unknown>, acked: number[]) => boolean): Promise<Run> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const res: Run = { acked: [], lines: [], signal: null, stderr: '' };
  proc.stderr.on('data', (d) => (res.stderr += String(d)));
  let killed = false;
  createInterface({ input: proc.stdout }).on('line', (l) => {
    if (killed) return;
    const line = JSON.parse(l) as Record<string, unknown>;
    res.lines.push(line);
    if (typeof line.acked === 'number') res.acked.push(line.acked);
    if (killWhen(line, res.acked)) {
      killed = true;
      proc.kill('SIGKILL');
    }
  });
  return new Promise((resolve) => proc.on('close', (_c, s) => resolve({ ...res, signal: s })));
}

describe('store ingester: crashes', () => {
  let dir: string;
  let cleanup: () => Promise<void> = async () => {};
  afterAll(() => cleanup());

  it('every acknowledged record is stored exactly once after SIGKILLs after acks, inside flushes and inside compactions', async () => {
    ({ dir, cleanup } = await tempDir());
    const acked = new Set<number>();
    let start = 0;
    const rounds: { kill: 'ack' | 'flush' | 'compaction'; n: number }[] = [
      ...[1, 7, 23, 2, 64, 5, 120, 3].map((n) => ({ kill: 'ack' as const, n })),
      { kill: 'flush', n: 1 },
      { kill: 'flush', n: 3 },
      { kill: 'compaction', n: 1 },
      { kill: 'compaction', n: 4 },
      { kill: 'ack', n: 40 },
    ];
    for (const { kill, n } of rounds) {
      const args = kill === 'ack' ? [dir, 'write', String(start)] : [dir, 'write', String(start), kill, String(n)];
      // 'ack': kill on the n-th acknowledgement, with 8 appends in flight. Else: kill when the hook fires.
      const r = await run(args, (line, a) => (kill === 'ack' ? a.length >= n : line.paused === kill));
      expect(r.signal, `${kill} ${n}: ${r.stderr}`).toBe('SIGKILL');
      if (kill !== 'ack')
        expect(
          r.lines.some((l) => l.paused === kill),
          `${kill} ${n} never paused`,
        ).toBe(true);
      for (const i of r.acked) acked.add(i);
      start += 1000;
    }
    expect(acked.size).toBeGreaterThan(270);

    const v = await run([dir, 'verify', '0'], () => false);
    expect(v.signal, v.stderr).toBe(null);
    const { stacks, total, timeline } = v.lines.at(-1) as { stacks: Record<string, number>; total: number; timeline: number };
    for (const i of acked) expect(stacks[`main;r${i}`], `record ${i}`).toBe(1);
    // Records appended but not acknowledged may have landed, but never twice.
    for (const [stack, value] of Object.entries(stacks)) expect(value, stack).toBe(1);
    expect(total).toBe(Object.keys(stacks).length);
    expect(timeline).toBe(total);
  }, 180_000);
});
