// Model-based property test: random sequences of append, send success, send failure, permanent failure,
// max-age expiry, flush, crash and restart, checked step by step against an in-memory model. The claim under
// test: nothing acknowledged by append() is ever lost; every item ends delivered or dropped with a reported
// reason. Acks and drops are written in batches, so after a crash an item finished since the last flush may
// come back (a re-send), but never one that was flushed, and a graceful restart brings none back.
import fc from 'fast-check';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { FakeClock } from '../../../../src/lib/clock.js';
import { createBacklog, type Backlog, type DropReason } from '../../../../src/store/log/index.js';
import { withRaw, type Harness } from './helpers.js';

const TARGETS = ['a', 'b'] as const;
type T = (typeof TARGETS)[number];
const BUDGET: Record<string, number> = { a: 1500 }; // b is unbounded

type Cmd =
  | { op: 'append'; targets: T[]; size: number }
  | { op: 'send'; target: T; limit: number; result: 'success' | 'failure' | 'permanent' | 'hold' }
  | { op: 'settle'; target: T; result: 'success' | 'failure' } // finish items held in flight
  | { op: 'expire'; target: T; advanceMs: number; maxAgeMs: number }
  | { op: 'flush' } // acks and drops so far are on disk
  | { op: 'crash' } // in-flight sends lost, some acks fired but not awaited, unflushed acks and drops lost
  | { op: 'restart' };

const target = fc.constantFrom<T>(...TARGETS);
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('append' as const), targets: fc.subarray([...TARGETS], { minLength: 1 }), size: fc.integer({ min: 1, max: 700 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('send' as const),
      target,
      limit: fc.integer({ min: 1, max: 4 }),
      result: fc.constantFrom('success' as const, 'failure' as const, 'permanent' as const, 'hold' as const),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('settle' as const), target, result: fc.constantFrom('success' as const, 'failure' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('expire' as const), target, advanceMs: fc.integer({ min: 0, max: 5000 }), maxAgeMs: fc.integer({ min: 1000, max: 8000 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'flush' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'crash' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'restart' as const }) },
);

interface TargetModel {
  pending: Set<number>; // appended and neither delivered nor dropped
  maybe: Set<number>; // delivered with an ack that a crash may have lost
  unflushed: Set<number>; // delivered or dropped since the last flush: a crash may bring them back
  held: Set<number>; // leased by a "hold" send
  delivered: Set<number>;
  dropped: Map<number, DropReason>;
}

async function runScenario(cmds: Cmd[], finishFlushMs: number): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pyrelay-backlog-model-'));
  const clock = new FakeClock();
  const drops: { target: string; reason: DropReason; count: number; seqs: number[] }[] = [];
  const open = () =>
    createBacklog({
      path: path.join(dir, 'backlog'),
      targets: [...TARGETS],
      clock,
      maxBytesPerTarget: BUDGET,
      // 0: batches written on the next timer turn, racing the steps; 60 s: only flush() and close() write.
      finishFlushMs,
      onDrop: (t, reason, count, seqs) => drops.push({ target: t, reason, count, seqs }),
    });
  const model = new Map<string, TargetModel>(
    TARGETS.map((t) => [t, { pending: new Set(), maybe: new Set(), unflushed: new Set(), held: new Set(), delivered: new Set(), dropped: new Map() }]),
  );
  const items = new Map<number, { size: number; at: number; n: number }>();
  const appended = new Map<string, Set<number>>(TARGETS.map((t) => [t, new Set()]));

  const applyDrops = () => {
    for (const d of drops.splice(0)) {
      expect(d.count).toBe(d.seqs.length);
      const m = model.get(d.target)!;
      for (const seq of d.seqs) {
        expect(m.pending.has(seq) || m.maybe.has(seq), `dropped ${seq} for ${d.target} was not pending`).toBe(true);
        expect(m.held.has(seq), `dropped in-flight ${seq}`).toBe(false);
        m.pending.delete(seq);
        m.maybe.delete(seq);
        m.unflushed.add(seq);
        m.dropped.set(seq, d.reason);
      }
    }
  };
  const checkCounts = (b: Backlog) => {
    for (const t of TARGETS) {
      const m = model.get(t)!;
      expect(b.pendingItems(t)).toBe(m.pending.size);
      expect(b.pendingBytes(t)).toBe([...m.pending].reduce((s, q) => s + items.get(q)!.size, 0));
      if (t in BUDGET) expect(b.pendingBytes(t)).toBeLessThanOrEqual(BUDGET[t] + [...m.held].reduce((s, q) => s + items.get(q)!.size, 0));
    }
  };
  const take = async (b: Backlog, t: T, limit: number) => {
    const got = await b.next(t, limit);
    const m = model.get(t)!;
    const seqs = got.map((i) => i.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    for (const it of got) {
      expect(m.pending.has(it.seq), `next() gave ${it.seq} to ${t}, not pending`).toBe(true);
      expect(m.held.has(it.seq)).toBe(false);
      const want = items.get(it.seq)!;
      expect(it.payload.length).toBe(want.size);
      expect(it.payload.every((x) => x === (want.n & 0xff))).toBe(true);
      expect(it.meta).toEqual({ n: want.n });
    }
    return seqs;
  };
  const deliver = async (b: Backlog, t: T, seqs: number[]) => {
    const m = model.get(t)!;
    for (const seq of seqs) {
      await b.ack(t, seq);
      m.pending.delete(seq);
      m.held.delete(seq);
      m.unflushed.add(seq);
      m.delivered.add(seq);
    }
  };
  const reopen = async (b: Backlog, crash: boolean): Promise<Backlog> => {
    if (crash) {
      for (const t of TARGETS) for (const seq of model.get(t)!.unflushed) model.get(t)!.maybe.add(seq);
      await b.abandon();
    } else await b.close();
    for (const t of TARGETS) model.get(t)!.unflushed.clear();
    const nb = await open();
    for (const t of TARGETS) model.get(t)!.held.clear();
    applyDrops(); // a budget left exceeded by in-flight items is enforced on open
    for (const t of TARGETS) {
      const m = model.get(t)!;
      m.held.clear();
      // After a restart: everything surely pending is back; a maybe-acked item may or may not be.
      const actual = new Set((await nb.next(t, 1_000_000)).map((i) => i.seq));
      for (const seq of actual) nb.release(t, seq);
      for (const seq of m.pending) expect(actual.has(seq), `lost ${seq} for ${t} across a restart`).toBe(true);
      for (const seq of actual) expect(m.pending.has(seq) || m.maybe.has(seq), `resurrected ${seq} for ${t}`).toBe(true);
      m.pending = actual;
      m.maybe.clear();
    }
    return nb;
  };

  let b = await open();
  try {
    let nextPayload = 0;
    for (const c of cmds) {
      switch (c.op) {
        case 'append': {
          const at = clock.now();
          const n = nextPayload;
          const seq = await b.append(new Uint8Array(c.size).fill(n & 0xff), { n }, c.targets);
          expect(items.has(seq), `seq ${seq} reused`).toBe(false);
          items.set(seq, { size: c.size, at, n });
          for (const t of c.targets) {
            model.get(t)!.pending.add(seq);
            appended.get(t)!.add(seq);
          }
          nextPayload++;
          break;
        }
        case 'send': {
          const seqs = await take(b, c.target, c.limit);
          const m = model.get(c.target)!;
          if (c.result === 'success') await deliver(b, c.target, seqs);
          else if (c.result === 'failure') for (const s of seqs) b.release(c.target, s);
          else if (c.result === 'hold') for (const s of seqs) m.held.add(s);
          else for (const s of seqs) await b.drop(c.target, s, 'non_retryable');
          break;
        }
        case 'settle': {
          const m = model.get(c.target)!;
          const held = [...m.held];
          if (c.result === 'success') await deliver(b, c.target, held);
          else
            for (const s of held) {
              b.release(c.target, s);
              m.held.delete(s);
            }
          break;
        }
        case 'expire': {
          await clock.advance(c.advanceMs);
          const n = await b.expireOlderThan(c.target, c.maxAgeMs);
          const expired = drops.filter((d) => d.reason === 'too_old').flatMap((d) => d.seqs);
          expect(expired.length).toBe(n);
          for (const seq of expired) expect(clock.now() - items.get(seq)!.at).toBeGreaterThan(c.maxAgeMs);
          break;
        }
        case 'crash': {
          // Acks fired for half the in-flight items, not awaited: whether they land is up to the crash.
          for (const t of TARGETS) {
            const m = model.get(t)!;
            [...m.held].forEach((seq, i) => {
              if (i % 2 === 0) {
                void b.ack(t, seq);
                m.pending.delete(seq);
                m.maybe.add(seq);
                m.delivered.add(seq);
              }
            });
          }
          b = await reopen(b, true);
          break;
        }
        case 'restart': {
          for (const t of TARGETS) for (const s of model.get(t)!.held) b.release(t, s);
          b = await reopen(b, false);
          break;
        }
        case 'flush': {
          await b.flush();
          for (const t of TARGETS) model.get(t)!.unflushed.clear();
          break;
        }
      }
      applyDrops();
      checkCounts(b);
    }

    // Drain: every target eventually gets everything that was not dropped.
    for (const t of TARGETS) {
      const m = model.get(t)!;
      for (const s of m.held) b.release(t, s);
      m.held.clear();
      for (;;) {
        const seqs = await take(b, t, 50);
        if (seqs.length === 0) break;
        await deliver(b, t, seqs);
      }
      applyDrops();
      expect(b.pendingItems(t)).toBe(0);
      for (const seq of appended.get(t)!) {
        expect(m.delivered.has(seq) || m.dropped.has(seq), `item ${seq} for ${t} neither delivered nor dropped`).toBe(true);
      }
    }
    await b.close();
    // Nothing left behind on disk once every target finished.
    const left = await withRaw({ dir } as Harness, ({ payloads, done }) => [...payloads.getKeys({})].length + [...done.getKeys({})].length);
    expect(left).toBe(0);
  } finally {
    await b.close();
    await rm(dir, { recursive: true, force: true });
  }
}

it('no acknowledged item is ever lost (model-based)', async () => {
  await fc.assert(fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 40 }), fc.constantFrom(0, 60_000), runScenario), { numRuns: 60 });
}, 120_000);
