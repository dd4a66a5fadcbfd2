// The durable remote-write backlog: what the fan-out appends to and the per-target workers read from.
import type { Clock } from '../../lib/clock.js';

import type { DropReason } from '../../model/drop-reason.js';

export type { DropReason };

export interface BacklogItem {
  seq: number;
  enqueuedAtMs: number;
  /** Payload bytes (what the byte budget counts). */
  bytes: number;
  payload: Uint8Array;
  /** Opaque to the backlog: whatever the fan-out needs to rebuild the request (JSON-serializable). */
  meta: Record<string, unknown>;
}

/** pino-compatible subset. */
export interface BacklogLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export interface BacklogOptions {
  /** Directory of the lmdb environment (created if missing). */
  path: string;
  /** Configured targets. Items persisted for targets no longer configured are forgotten on open. */
  targets: string[];
  clock: Clock;
  /** Byte budget per target; a target missing here is unbounded. */
  maxBytesPerTarget: Record<string, number>;
  logger?: BacklogLogger;
  /** Every drop made through the backlog (budget, max age, or `drop()`), with the seqs dropped. */
  onDrop?: (target: string, reason: DropReason, count: number, seqs: number[]) => void;
  /** Records skipped because they failed their checksum or could not be decoded. */
  onCorrupt?: (count: number) => void;
  /** Bytes of fresh payloads kept in memory so next() need not read them back (default 8 MiB; 0 = none). */
  cacheBytes?: number;
  /** How long acks and drops wait to be written in one batch (default 100 ms). */
  finishFlushMs?: number;
  /**
   * Consumers (listed in `targets`) that keep their own checkpoint instead of per-record acks, with the
   * checkpoint they persisted: records with seq <= it are done for them. They ack with ackUpTo().
   */
  checkpoints?: Record<string, number>;
  /** How often a log that could not persist checks for free space again (default 1 s). */
  recoveryProbeMs?: number;
}

/** A record as the log's readers see it. */
export interface LogRecord {
  seq: number;
  payload: Uint8Array;
  meta: Record<string, unknown>;
  /** The consumers it was written for. */
  consumers: string[];
}

export interface TargetStats {
  /** Unacknowledged items, leased ones included. */
  items: number;
  bytes: number;
  /** Items handed out by next() and neither acked, dropped nor released yet. */
  leased: number;
  oldestAtMs: number | undefined;
}

export interface Backlog {
  /**
   * Persists one payload for `targets` and resolves once it is durable (committed and flushed).
   * Rejects with PyrelayError('unavailable') when it cannot persist; nothing is then pending.
   * May drop the oldest items of a target (reason `backlog_full`) to fit its byte budget.
   */
  append(payload: Uint8Array, meta: Record<string, unknown>, targets: string[]): Promise<number>;
  /** Up to `limit` oldest unacknowledged items of `target` not leased yet; they are leased on return. */
  next(target: string, limit: number): Promise<BacklogItem[]>;
  /**
   * Delivered: forget the item for this target. Unknown or already-finished seqs are ignored. Takes effect in
   * memory at once; written in a batch later (flush(), close()): after a crash the item may be pending again.
   */
  ack(target: string, seq: number): Promise<void>;
  /** Given up: forget the item for this target and report it through onDrop. Written like ack(). */
  drop(target: string, seq: number, reason: DropReason): Promise<void>;
  /** Leased but not delivered: next() may hand it out again. */
  release(target: string, seq: number): void;
  /** Drops (reason `too_old`) the target's unleased items enqueued more than maxAgeMs ago; returns how many. */
  expireOlderThan(target: string, maxAgeMs: number): Promise<number>;
  pendingItems(target: string): number;
  pendingBytes(target: string): number;
  oldestPendingAtMs(target: string): number | undefined;
  stats(target: string): TargetStats;
  /** Records skipped as corrupted since open. */
  readonly corruptSkipped: number;
  /** Why appends are refused right now (a write failed and the disk has no room yet), or undefined. */
  readonly unavailableReason: string | undefined;
  /** Every seq up to this one is settled (durable, or failed and never delivered). */
  readonly lastSeq: number;
  /**
   * Calls `listener` for every durable record, in ascending seq order, each only after every lower seq
   * settled; append() resolves only after its record was delivered. Returns the unsubscribe function.
   */
  onAppend(listener: (record: LogRecord) => void): () => void;
  /** Up to `limit` committed records pending for `consumer` with seq > afterSeq, oldest first (replay). */
  readFrom(consumer: string, afterSeq: number, limit: number): Promise<LogRecord[]>;
  /** A checkpoint consumer is done with every seq <= `seq` (nothing is written for it: its checkpoint is). */
  ackUpTo(consumer: string, seq: number): void;
  /** Writes the acks and drops made so far; resolves once they are committed. */
  flush(): Promise<void>;
  /** Waits for queued writes, then closes. Unacknowledged items stay on disk for the next open. */
  close(): Promise<void>;
  /** Closes as a crash would: acks and drops not written yet are lost (tests). */
  abandon(): Promise<void>;
}
