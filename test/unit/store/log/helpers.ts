// Shared set-up for backlog tests: a temp dir, a fake clock and recorders for drops, corruption and logs.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { open } from 'lmdb';
import { FakeClock } from '../../../../src/lib/clock.js';
import { createBacklog } from '../../../../src/store/log/index.js';
import type { Backlog, BacklogOptions, DropReason } from '../../../../src/store/log/index.js';

export interface Harness {
  dir: string;
  clock: FakeClock;
  drops: { target: string; reason: DropReason; count: number; seqs: number[] }[];
  corrupt: number[];
  logs: { level: string; msg: string; obj: Record<string, unknown> }[];
  open(overrides?: Partial<BacklogOptions>): Promise<Backlog>;
  cleanup(): Promise<void>;
}

export async function harness(defaults: Partial<BacklogOptions> = {}): Promise<Harness> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pyrelay-backlog-test-'));
  const h: Harness = {
    dir,
    clock: new FakeClock(),
    drops: [],
    corrupt: [],
    logs: [],
    open: (overrides = {}) =>
      createBacklog({
        path: path.join(dir, 'backlog'),
        targets: ['a', 'b'],
        clock: h.clock,
        maxBytesPerTarget: {},
        onDrop: (target, reason, count, seqs) => h.drops.push({ target, reason, count, seqs }),
        onCorrupt: (count) => h.corrupt.push(count),
        logger: {
          info: (obj, msg) => h.logs.push({ level: 'info', msg, obj }),
          warn: (obj, msg) => h.logs.push({ level: 'warn', msg, obj }),
          error: (obj, msg) => h.logs.push({ level: 'error', msg, obj }),
        },
        ...defaults,
        ...overrides,
      }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
  return h;
}

/** Opens the backlog's lmdb files directly (the backlog must be closed) to inspect or damage them. */
export async function withRaw<T>(
  h: Harness,
  fn: (dbs: { payloads: ReturnType<ReturnType<typeof open>['openDB']>; done: ReturnType<ReturnType<typeof open>['openDB']> }) => Promise<T> | T,
): Promise<T> {
  const env = open({ path: path.join(h.dir, 'backlog'), maxDbs: 4, compression: false });
  try {
    const payloads = env.openDB({ name: 'payloads', encoding: 'binary' });
    const done = env.openDB({ name: 'done', encoding: 'binary' });
    return await fn({ payloads, done });
  } finally {
    await env.close();
  }
}

export const bytes = (text: string) => new TextEncoder().encode(text);
export const text = (b: Uint8Array) => new TextDecoder().decode(b);
