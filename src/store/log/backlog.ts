// Durable remote-write backlog on lmdb, shared by all targets.
// Two databases: `payloads` (seq -> checksummed record, stored once whatever the number of targets) and
// `done` ([target, seq] -> empty: that target acked or dropped the item). A record is deleted with its
// markers when its last target finishes. Per-target progress lives in memory and is rebuilt on open,
// so everything not marked done is pending again after a restart (at-least-once). Appends are durable
// before they resolve; acks and drops are written in batches (finish-writes.ts), so after a crash an item
// finished shortly before may come back, never an unfinished one go missing. Fresh payloads are served
// from memory (payload-cache.ts) instead of being read back and re-checksummed per target.
import { mkdir, statfs } from 'node:fs/promises';
import { statfsSync } from 'node:fs';
import { open, type Database, type RootDatabase } from 'lmdb';
import { PyrelayError } from '../../model/errors.js';
import { createFinishWrites } from './finish-writes.js';
import { createPayloadCache } from './payload-cache.js';
import { createBufferPool } from './buffer-pool.js';
import { decodeRecord, encodeHeader, encodeRecord, recordSize, type DecodeResult } from './record.js';
import { planReplay } from './replay.js';
import type { Backlog, BacklogItem, BacklogOptions, DropReason, LogRecord, TargetStats } from './types.js';

interface Entry {
  bytes: number;
  at: number;
  /** False until the record's write resolved: next() must not hand out what might not be on disk. */
  committed: boolean;
}

interface TargetState {
  /** seq -> entry, in insertion order = ascending seq = oldest first. */
  pending: Map<number, Entry>;
  leased: Set<number>;
  bytes: number;
}

interface RecordRef {
  /** Targets that still have the item pending. */
  remaining: number;
  /** Targets the record was written for. */
  targets: string[];
  /** Targets whose done marker is written or queued (deleted with the record). */
  marked: string[];
}

const SEQ_RESERVED = 'seq-reserved';
const SEQ_BLOCK = 1 << 16;
// Fresh payloads kept for targets that have not taken them yet: a few hundred ms of a busy server's bodies.
const DEFAULT_CACHE_BYTES = 8 * 1024 * 1024;
// A target this far behind another reads the items the other already took from disk (see payload-cache.ts).
// Short, so a target that is down does not fill the cache: a full cache refuses fresh items, every healthy target
// then reads each one back from disk, and those reads keep the whole log file mapped (docs/architecture.md#memory).
const LAGGARD_MS = 100;
const DEFAULT_FINISH_FLUSH_MS = 100;
const LOG_MAP_BYTES = 32 * 2 ** 30;

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** lmdb rejects a failed commit with a generic message and the cause in a rejected `commitError` promise. */
async function writeErrorText(e: unknown): Promise<string> {
  const inner = (e as { commitError?: unknown } | undefined)?.commitError;
  if (!(inner instanceof Promise)) return errorText(e);
  try {
    await inner;
    return errorText(e);
  } catch (cause) {
    return `${errorText(e)}: ${errorText(cause)}`;
  }
}

export async function createBacklog(opts: BacklogOptions): Promise<Backlog> {
  const { clock, logger } = opts;
  let env: RootDatabase;
  let payloads: Database<Buffer, number>;
  let done: Database<Buffer, [string, number]>;
  let state: Database<number, string>;
  try {
    await mkdir(opts.path, { recursive: true });
    // overlappingSync off: with it, lmdb 3.5 never settles its flush promise after a failed commit (disk
    // full), so close() hangs and a stray rejection goes unhandled. Commits still fsync before resolving.
    // mapSize: address space only (the file grows as written). lmdb-js starts at 128 KiB and doubles, mapping the
    // file again each time and never unmapping the old maps, so every page touched through an old map stayed
    // resident once more (docs/architecture.md#memory).
    env = open({ path: opts.path, maxDbs: 4, compression: false, overlappingSync: false, mapSize: LOG_MAP_BYTES });
    payloads = env.openDB<Buffer, number>({ name: 'payloads', encoding: 'binary' });
    done = env.openDB<Buffer, [string, number]>({ name: 'done', encoding: 'binary' });
    state = env.openDB<number, string>({ name: 'state', encoding: 'msgpack' });
  } catch (e) {
    throw new PyrelayError('storage_error', `remote-write backlog cannot open ${opts.path}: ${errorText(e)}`, {
      cause: e,
    });
  }

  const states = new Map<string, TargetState>();
  for (const t of opts.targets) states.set(t, { pending: new Map(), leased: new Set(), bytes: 0 });
  const refs = new Map<number, RecordRef>();
  let corruptSkipped = 0;
  let closed = false;
  let nextSeq = 1;
  // Consumers that persist their own checkpoint: no done markers, no cache entries for them.
  const checkpoints = new Map(Object.entries(opts.checkpoints ?? {}).filter(([t]) => states.has(t)));
  const isCheckpointed = (target: string) => checkpoints.has(target);

  const stateOf = (target: string): TargetState => {
    const s = states.get(target);
    if (s === undefined) throw new PyrelayError('invalid_parameter', `remote-write backlog: unknown target "${target}"`);
    return s;
  };

  // Writes other than append: a failure only means an item may be sent again after a restart.
  const bestEffort = (p: Promise<unknown>, what: string, seq: number): Promise<void> =>
    p.then(
      () => undefined,
      async (e) => logger?.error({ err: await writeErrorText(e), seq }, `remote-write backlog: ${what} failed`),
    );

  // ---- a failed write (disk full) ----
  // Appends are refused at once (503) until the filesystem has room again, instead of each one failing an lmdb
  // commit: repeated failed commits are slow, leave stray rejections, and lmdb's native side has crashed after
  // a run of them. A probe looks at the free space once per recoveryProbeMs; then the next append tries again.
  let degraded: { reason: string; needBytes: number; since: number } | undefined;
  let probe: NodeJS.Timeout | undefined;
  const probeMs = opts.recoveryProbeMs ?? 1000;
  const checkSpace = async () => {
    probe = undefined;
    if (degraded === undefined || closed) return;
    let free = 0;
    try {
      const s = await statfs(opts.path);
      free = s.bavail * s.bsize;
    } catch {
      free = 0;
    }
    if (degraded !== undefined && free >= degraded.needBytes) {
      logger?.info({ freeBytes: free, afterMs: clock.now() - degraded.since }, 'write-ahead log: free space is back; accepting writes again');
      degraded = undefined;
      return;
    }
    probe = setTimeout(() => void checkSpace(), probeMs);
    probe.unref();
  };
  const degrade = (reason: string, recordBytes: number) => {
    if (degraded === undefined) {
      logger?.error({ err: reason }, 'write-ahead log cannot persist: refusing writes until the disk has room');
    }
    // lmdb needs room for copied pages and the free list besides the record itself.
    degraded = { reason, needBytes: 2 * recordBytes + (1 << 20), since: clock.now() };
    if (probe === undefined && !closed) {
      probe = setTimeout(() => void checkSpace(), probeMs);
      probe.unref();
    }
  };

  // Room is checked before a commit instead of learned from a failed one: after a commit failed with ENOSPC,
  // lmdb's native side has aborted the whole process (heap corruption) moments later. Free space is read again
  // once less than LOW_ROOM was left at the last look (after that, before every append: other writers share
  // the disk); above it, what appends took since is subtracted. Read synchronously (a few microseconds) so an
  // append still takes its seq in call order.
  let room = 0;
  const LOW_ROOM = 64 << 20;
  const hasRoomFor = (recordBytes: number): boolean => {
    const need = 2 * recordBytes + (1 << 20);
    if (room - need < LOW_ROOM) {
      try {
        const s = statfsSync(opts.path);
        room = s.bavail * s.bsize;
      } catch {
        room = Infinity;
      }
    }
    room -= need;
    return room >= 0;
  };

  const recordBuffers = createBufferPool();
  const cache = createPayloadCache({ maxBytes: opts.cacheBytes ?? DEFAULT_CACHE_BYTES, laggardMs: LAGGARD_MS, now: () => clock.now() });
  const finishes = createFinishWrites({
    payloads,
    done,
    flushMs: opts.finishFlushMs ?? DEFAULT_FINISH_FLUSH_MS,
    // writeErrorText also consumes lmdb's rejected commitError, which would otherwise go unhandled.
    onError: (e, what) => void writeErrorText(e).then((err) => logger?.error({ err }, `remote-write backlog: ${what} failed`)),
    paused: () => degraded !== undefined,
  });

  /** Used at open only (awaited there); finished items go through `finishes`. */
  const removeRecord = (seq: number, targets: Iterable<string>): Promise<unknown> => {
    if (closed) return Promise.resolve();
    const writes: Promise<unknown>[] = [payloads.remove(seq)];
    for (const t of targets) writes.push(done.remove([t, seq]));
    return Promise.all(writes);
  };

  /**
   * Marks seq finished for target (acked or dropped) and queues the disk write; the record is deleted once no
   * target needs it. False when seq was not pending for target.
   */
  const finish = (target: string, s: TargetState, seq: number): boolean => {
    const entry = s.pending.get(seq);
    if (entry === undefined) return false;
    s.pending.delete(seq);
    s.leased.delete(seq);
    s.bytes -= entry.bytes;
    cache.taken(seq, target, clock.now());
    const ref = refs.get(seq);
    if (ref === undefined || closed) return true;
    ref.remaining--;
    if (ref.remaining > 0) {
      if (!isCheckpointed(target)) {
        ref.marked.push(target);
        finishes.mark(target, seq);
      }
      return true;
    }
    refs.delete(seq);
    cache.delete(seq);
    finishes.remove(seq, ref.marked);
    return true;
  };

  const reportDrops = (target: string, reason: DropReason, seqs: number[]) => {
    if (seqs.length === 0) return;
    opts.onDrop?.(target, reason, seqs.length, seqs);
  };

  /** A record read back from disk and checked. */
  const readStored = (seq: number): DecodeResult => {
    let raw = payloads.getBinary(seq);
    if (raw === undefined) {
      // Never mistake a stale read snapshot for a lost record: look again at the latest commit.
      env.resetReadTxn();
      raw = payloads.getBinary(seq);
    }
    return raw === undefined ? { ok: false, why: 'record missing' } : decodeRecord(raw);
  };

  const skipCorrupt = (seq: unknown, why: string, count = true) => {
    if (count) corruptSkipped++;
    logger?.warn({ seq, why }, 'remote-write backlog: skipping a corrupted record');
  };

  // ---- replay: rebuild per-target progress from disk (replay.ts) ----
  const plan = planReplay({
    targets: states.keys(),
    doneKeys: done.getKeys({}),
    payloads: payloads.getRange({}),
    reservedSeq: state.get(SEQ_RESERVED),
    checkpoints,
  });
  nextSeq = plan.nextSeq;
  for (const c of plan.corrupt) skipCorrupt(c.seq, c.why);
  const corruptAtOpen = plan.corrupt.length;
  const forgotten = plan.forgotten;
  const stale: Promise<unknown>[] = [];
  for (const key of plan.removeDoneKeys) stale.push(done.remove(key as [string, number]));
  for (const key of plan.removePayloadKeys) stale.push(payloads.remove(key as number));
  for (const r of plan.removeRecords) stale.push(removeRecord(r.seq, r.targets));
  const replayed = new Map<number, Entry>(); // one entry per record, shared by its targets
  for (const [target, items] of plan.pending) {
    const s = states.get(target)!;
    for (const item of items) {
      let entry = replayed.get(item.seq);
      if (entry === undefined) replayed.set(item.seq, (entry = { bytes: item.bytes, at: item.enqueuedAtMs, committed: true }));
      s.pending.set(item.seq, entry);
      s.bytes += item.bytes;
    }
  }
  for (const [seq, r] of plan.records) refs.set(seq, { remaining: r.pendingFor.length, targets: r.targets, marked: r.marked });
  let reservedUpTo = nextSeq;
  // ---- in-order delivery to onAppend listeners ----
  let lastSeq = nextSeq - 1;
  const listeners = new Set<(r: LogRecord) => void>();
  const settled = new Map<number, LogRecord | null>();
  const delivered = new Map<number, () => void>();
  /** Records the outcome of seq's append (null = failed or written for nobody) and delivers the settled prefix. */
  const settle = (seq: number, rec: LogRecord | null) => {
    settled.set(seq, rec);
    while (settled.has(lastSeq + 1)) {
      const next = settled.get(lastSeq + 1)!;
      settled.delete(++lastSeq);
      if (next !== null) {
        for (const l of listeners) {
          try {
            l(next);
          } catch (e) {
            logger?.error({ err: errorText(e), seq: next.seq }, 'write-ahead log: a listener failed');
          }
        }
      }
      delivered.get(lastSeq)?.();
      delivered.delete(lastSeq);
    }
  };
  const untilDelivered = (seq: number): Promise<void> | undefined => (seq <= lastSeq ? undefined : new Promise<void>((resolve) => delivered.set(seq, resolve)));
  await Promise.all(stale).catch((e) => logger?.error({ err: errorText(e) }, 'remote-write backlog: cleaning up at open failed'));
  if (corruptAtOpen > 0) opts.onCorrupt?.(corruptAtOpen);
  if (forgotten > 0) {
    logger?.info({ count: forgotten }, 'remote-write backlog: forgot items of targets no longer configured');
  }
  for (const [target, s] of states) {
    if (s.pending.size > 0) {
      logger?.info({ target, items: s.pending.size, bytes: s.bytes }, 'remote-write backlog: replaying pending items');
    }
  }

  /** Drops the oldest unleased items of target until `incoming` more bytes fit; leased ones are in flight. */
  const makeRoom = (target: string, s: TargetState, incoming: number, max: number): number[] => {
    const dropped: number[] = [];
    if (s.bytes + incoming <= max) return dropped;
    for (const seq of s.pending.keys()) {
      if (s.bytes + incoming <= max) break;
      if (s.leased.has(seq)) continue;
      finish(target, s, seq);
      dropped.push(seq);
    }
    return dropped;
  };

  /** Drops the oldest unleased items of target so that `incoming` more bytes fit its budget; reports them. */
  const fitBudget = (target: string, s: TargetState, incoming: number) => {
    const dropped = makeRoom(target, s, incoming, opts.maxBytesPerTarget[target] ?? Infinity);
    if (dropped.length > 0) {
      reportDrops(target, 'backlog_full', dropped);
      logger?.warn({ target, count: dropped.length }, 'remote-write backlog full: dropped the oldest items');
    }
  };
  // A smaller budget in the config, or items that were in flight at the crash, can leave a target over it.
  for (const [target, s] of states) fitBudget(target, s, 0);

  const backlog: Backlog = {
    get corruptSkipped() {
      return corruptSkipped;
    },
    get lastSeq() {
      return lastSeq;
    },
    get unavailableReason() {
      return degraded?.reason;
    },

    onAppend(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },

    async readFrom(consumer, afterSeq, limit) {
      const s = stateOf(consumer);
      const out: LogRecord[] = [];
      for (const [seq, entry] of s.pending) {
        if (out.length >= limit) break;
        if (seq <= afterSeq || !entry.committed) continue;
        const consumers = refs.get(seq)?.targets ?? [consumer];
        const cached = cache.get(seq);
        if (cached !== undefined) {
          out.push({ seq, payload: cached.payload, meta: cached.meta, consumers });
          continue;
        }
        const decoded = readStored(seq);
        if (!decoded.ok) {
          skipCorrupt(seq, decoded.why);
          for (const [t, st] of states) finish(t, st, seq);
          opts.onCorrupt?.(1);
          continue;
        }
        out.push({ seq, payload: decoded.record.payload, meta: decoded.record.meta, consumers });
      }
      return out;
    },

    ackUpTo(consumer, seq) {
      const s = stateOf(consumer);
      const done: number[] = [];
      for (const [k, entry] of s.pending) {
        if (k > seq) break;
        if (entry.committed) done.push(k);
      }
      for (const k of done) finish(consumer, s, k);
    },

    async append(payload, meta, targets) {
      if (closed) throw new PyrelayError('unavailable', 'remote-write backlog cannot persist: it is closed');
      if (degraded !== undefined) {
        throw new PyrelayError('unavailable', `write-ahead log cannot persist: ${degraded.reason} (waiting for free disk space)`);
      }
      // The header's size is not known yet: a record is its payload plus a small header.
      if (!hasRoomFor(payload.length + 4096)) {
        degrade('the disk is (nearly) full', payload.length + 4096);
        throw new PyrelayError('unavailable', 'write-ahead log cannot persist: the disk is (nearly) full (waiting for free disk space)');
      }
      const unique = [...new Set(targets)];
      for (const t of unique) stateOf(t);
      const at = clock.now();
      const accepted: string[] = [];
      const header = () => encodeHeader(at, accepted, meta);
      header(); // throws on non-JSON meta before any state changes (and before a seq is taken: seqs all settle)
      const seq = nextSeq++;
      if (seq >= reservedUpTo) {
        reservedUpTo = seq + SEQ_BLOCK;
        void bestEffort(state.put(SEQ_RESERVED, reservedUpTo), 'reserving sequence numbers', seq);
      }
      const bytes = payload.length;
      const entry: Entry = { bytes, at, committed: false };
      for (const t of unique) {
        const s = states.get(t)!;
        const max = opts.maxBytesPerTarget[t] ?? Infinity;
        if (bytes > max) {
          reportDrops(t, 'backlog_full', [seq]);
          logger?.warn({ target: t, bytes, max }, 'remote-write backlog: item larger than the byte budget dropped');
          continue;
        }
        fitBudget(t, s, bytes);
        s.pending.set(seq, entry);
        s.bytes += bytes;
        accepted.push(t);
      }
      if (accepted.length === 0) {
        settle(seq, null);
        await untilDelivered(seq);
        return seq;
      }
      refs.set(seq, { remaining: accepted.length, targets: accepted, marked: [] });
      const head = header();
      const buf = recordBuffers.acquire(recordSize(head, payload));
      try {
        await payloads.put(seq, encodeRecord(head, payload, buf));
      } catch (e) {
        refs.delete(seq);
        cache.delete(seq);
        for (const t of accepted) {
          const s = states.get(t)!;
          if (s.pending.delete(seq)) s.bytes -= bytes;
        }
        settle(seq, null);
        const reason = await writeErrorText(e);
        degrade(reason, recordSize(head, payload));
        throw new PyrelayError('unavailable', `remote-write backlog cannot persist: ${reason}`, { cause: e });
      } finally {
        // lmdb holds the buffer's address until the put settles, and not after.
        recordBuffers.release(buf);
      }
      entry.committed = true;
      // Only for the targets a budget did not drop it for while the write ran.
      const waiting = accepted.filter((t) => states.get(t)!.pending.has(seq) && !isCheckpointed(t));
      if (waiting.length > 0) cache.put(seq, { payload, meta }, waiting);
      settle(seq, { seq, payload, meta, consumers: accepted });
      await untilDelivered(seq);
      return seq;
    },

    async next(target, limit) {
      const s = stateOf(target);
      const items: BacklogItem[] = [];
      if (closed) return items;
      const corrupt: number[] = [];
      for (const [seq, entry] of s.pending) {
        if (items.length >= limit) break;
        if (!entry.committed || s.leased.has(seq)) continue;
        const cached = cache.get(seq);
        if (cached !== undefined) {
          cache.taken(seq, target, clock.now());
          s.leased.add(seq);
          items.push({ seq, enqueuedAtMs: entry.at, bytes: entry.bytes, payload: cached.payload, meta: cached.meta });
          continue;
        }
        const decoded = readStored(seq);
        if (!decoded.ok) {
          corrupt.push(seq);
          skipCorrupt(seq, decoded.why);
          continue;
        }
        s.leased.add(seq);
        const { record } = decoded;
        items.push({ seq, enqueuedAtMs: entry.at, bytes: entry.bytes, payload: record.payload, meta: record.meta });
        // Targets that will want it soon take it from memory instead of reading it again.
        const others = refs.get(seq)?.targets.filter((t) => t !== target && states.get(t)?.pending.has(seq) && !states.get(t)!.leased.has(seq));
        if (others && others.length > 0) cache.put(seq, { payload: record.payload, meta: record.meta }, others);
      }
      // A record that went bad on disk is unusable for every target: forget it everywhere.
      for (const seq of corrupt) for (const [t, st] of states) finish(t, st, seq);
      if (corrupt.length > 0) opts.onCorrupt?.(corrupt.length);
      return items;
    },

    async ack(target, seq) {
      finish(target, stateOf(target), seq);
    },

    async drop(target, seq, reason) {
      if (finish(target, stateOf(target), seq)) reportDrops(target, reason, [seq]);
    },

    release(target, seq) {
      const s = stateOf(target);
      // Items in flight are spared by the budget; once back, the budget applies to them again.
      if (s.leased.delete(seq)) fitBudget(target, s, 0);
    },

    async expireOlderThan(target, maxAgeMs) {
      const s = stateOf(target);
      const cutoff = clock.now() - maxAgeMs;
      const expired: number[] = [];
      // Pending is in seq order, which is enqueue order unless the clock went backwards.
      for (const [seq, entry] of s.pending) {
        if (entry.at >= cutoff) break;
        if (s.leased.has(seq) || !entry.committed) continue;
        expired.push(seq);
      }
      for (const seq of expired) finish(target, s, seq);
      if (expired.length > 0) {
        reportDrops(target, 'too_old', expired);
        logger?.warn({ target, count: expired.length, maxAgeMs }, 'remote-write backlog: dropped items older than max-age');
      }
      return expired.length;
    },

    pendingItems: (target) => stateOf(target).pending.size,
    pendingBytes: (target) => stateOf(target).bytes,
    oldestPendingAtMs: (target) => stateOf(target).pending.values().next().value?.at,
    stats(target): TargetStats {
      const s = stateOf(target);
      return {
        items: s.pending.size,
        bytes: s.bytes,
        leased: s.leased.size,
        oldestAtMs: s.pending.values().next().value?.at,
      };
    },

    flush: () => finishes.flush(),

    async close() {
      if (closed) return;
      closed = true;
      if (probe !== undefined) clearTimeout(probe);
      await finishes.flush();
      // Unwritable (disk full): what is queued is lost as in a crash (items may be sent again, never lost).
      if (degraded !== undefined) finishes.discard();
      await env.close(); // waits for queued writes
    },

    async abandon() {
      if (closed) return;
      closed = true;
      if (probe !== undefined) clearTimeout(probe);
      finishes.discard();
      await env.close();
    },
  };
  return backlog;
}
