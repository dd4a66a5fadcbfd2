// The embedded store as the rest of the server sees it: a ProfileStore whose work all happens on one worker
// thread (store-worker.ts -> engine.ts) that owns the lmdb environment, so decoding stacks, merging and
// truncating trees and lmdb commits never run on the event loop that serves requests. Calls are messages;
// their order is kept, so a read posted after a write (or a log record) sees it.
import { Worker } from 'node:worker_threads';
import type { Clock } from '../lib/clock.js';
import { startWorker } from '../lib/worker.js';
import { PyrelayError, type ErrorCode } from '../model/errors.js';
import type { SeriesSelector } from '../model/selector.js';
import { Tree } from '../model/tree.js';
import type { EngineOptions, EngineStats, LogRecord } from './engine.js';
import type { StoreCall, StoreWorkerData } from './store-worker.js';
import type { AppInfo, ProfileStore, SelectResult, TimeRange } from './types.js';

export interface StoreLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  error?(obj: object, msg: string): void;
}

export interface LmdbStoreOptions {
  path: string;
  clock: Clock;
  /** 0 = keep forever. */
  retentionMs: number;
  /** Per-tenant retention (0 = keep forever) overriding `retentionMs`. */
  tenantRetentionMs?: Readonly<Record<string, number>>;
  maxNodesPerTree: number;
  logger?: StoreLogger;
  /** Retention sweep period (default 10 min, as OG). */
  sweepIntervalMs?: number;
  /** Coarsest segment level: 10 s x 10^maxLevel (default 6, about 116 days). */
  maxLevel?: number;
  /** Direct puts committed per flush at most (default 1024). */
  maxBatch?: number;
  /**
   * Once the previous commit held several direct puts (concurrent writers), wait up to this long (default 3 ms)
   * for more before committing. Sequential writers (batches of one) never wait.
   */
  batchWindowMs?: number;
  /** Decoded coarse segment nodes kept for reads (LRU, default 256; 0 disables). */
  decodedCacheEntries?: number;
  /** Longest time span one profile may cover (default 24 h): a write touches span / 10 s level-0 nodes. */
  maxWriteSpanMs?: number;
  /** `=~`/`!~` as `^(?:re)$` (Prometheus) instead of OG's unanchored search (default false). */
  anchoredRegex?: boolean;
  /** How often log records in the head are written (default 2 s); a crash replays them from the log. */
  flushIntervalMs?: number;
  /** Path entries the head holds before it is written at once (default 1,000,000, roughly 80 MB of Map entries). */
  maxHeadEntries?: number;
  /** Folded stacks remembered per app for the ingester's stack -> path cache (default 100,000). */
  stackCacheEntries?: number;
  /** Module exporting `decodeRecord: RecordDecoder`, loaded in the worker to apply log records. */
  decoderModule?: URL;
  /** Crash tests only (see EngineOptions.pauseAt). */
  pauseAt?: EngineOptions['pauseAt'];
}

export type StoreStats = EngineStats;

export interface LmdbStore extends ProfileStore {
  /** Deletes data entirely older than now - retention; returns the number of trees deleted. */
  sweepRetention(): Promise<number>;
  stats(): StoreStats;
  /** Highest log sequence whose records are stored (as of the last message from the worker). */
  checkpoint(): number;
  /** Hands log records (ascending seq) to the ingester; `epoch` is the last one reset() announced (0 at start). */
  records(records: LogRecord[], epoch: number): void;
  /** Records up to `seq` are stored: the log may forget them. */
  onCheckpoint(fn: (seq: number) => void): void;
  /** The store lost its head after a failed write: send the records after `seq` again, tagged `epoch`. */
  onReset(fn: (seq: number, epoch: number) => void): void;
  /** The decoder module reported an event worth counting (e.g. `cumulative_without_prev`). */
  onDecoderEvent(fn: (reason: string) => void): void;
  /** The worker took records of `bytes` body bytes off its queue. */
  onApplied(fn: (bytes: number) => void): void;
  /** Reads (select, labels, label values, apps) wait for this first: the ingester's read-your-writes. */
  setReadBarrier(fn: () => Promise<void>): void;
  /** Writes the head and compacts every coarse node now (tests, benchmarks). */
  settle(): Promise<void>;
}

interface Reply {
  id?: number;
  ok?: boolean;
  value?: unknown;
  error?: { code?: ErrorCode; message: string };
  stats?: EngineStats;
  event?: 'ready' | 'failed' | 'log' | 'checkpoint' | 'reset' | 'applied' | 'decoder';
  reason?: string;
  bytes?: number;
  level?: 'info' | 'warn' | 'error';
  obj?: Record<string, unknown>;
  msg?: string;
  seq?: number;
  epoch?: number;
}

const toError = (e: { code?: ErrorCode; message: string }) => (e.code ? new PyrelayError(e.code, e.message) : new PyrelayError('storage_error', e.message));

export async function createLmdbStore(options: LmdbStoreOptions): Promise<LmdbStore> {
  const { clock, logger } = options;
  const engineOptions: EngineOptions = {
    path: options.path,
    retentionMs: options.retentionMs,
    ...(options.tenantRetentionMs ? { tenantRetentionMs: options.tenantRetentionMs } : {}),
    maxNodesPerTree: options.maxNodesPerTree,
    maxLevel: options.maxLevel ?? 6,
    maxBatch: options.maxBatch ?? 1024,
    batchWindowMs: options.batchWindowMs ?? 3,
    ...(options.decodedCacheEntries !== undefined ? { decodedCacheEntries: options.decodedCacheEntries } : {}),
    maxWriteSpanMs: options.maxWriteSpanMs ?? 86_400_000,
    anchoredRegex: options.anchoredRegex ?? false,
    flushIntervalMs: options.flushIntervalMs ?? 2000,
    maxHeadEntries: options.maxHeadEntries ?? 1_000_000,
    stackCacheEntries: options.stackCacheEntries ?? 100_000,
    ...(options.pauseAt ? { pauseAt: options.pauseAt } : {}),
  };
  const data: StoreWorkerData = { options: engineOptions, ...(options.decoderModule ? { decoderModule: options.decoderModule.href } : {}) };
  const worker: Worker = startWorker(new URL(`./store-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url), { workerData: data });

  let stats: EngineStats | undefined;
  const calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  let nextId = 1;
  let onCheckpoint: (seq: number) => void = () => {};
  let onReset: (seq: number, epoch: number) => void = () => {};
  let onApplied: (bytes: number) => void = () => {};
  let onDecoderEvent: (reason: string) => void = () => {};
  let readBarrier: () => Promise<void> = () => Promise.resolve();
  let dead: PyrelayError | undefined;

  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (m: Reply) => {
      if (m.stats) stats = m.stats;
      switch (m.event) {
        case 'ready':
          return resolve();
        case 'failed':
          return reject(toError(m.error!));
        case 'log':
          return void (m.level === 'error' ? (logger?.error ?? logger?.warn) : m.level === 'warn' ? logger?.warn : logger?.info)?.call(logger, m.obj ?? {}, m.msg ?? '');
        case 'checkpoint':
          if (stats) stats.checkpoint = m.seq!;
          return onCheckpoint(m.seq!);
        case 'reset':
          return onReset(m.seq!, m.epoch!);
        case 'applied':
          return onApplied(m.bytes!);
        case 'decoder':
          return onDecoderEvent(m.reason!);
        case undefined:
          break; // a reply to a call
      }
      const call = calls.get(m.id!);
      if (call === undefined) return;
      calls.delete(m.id!);
      if (m.ok) call.resolve(m.value);
      else call.reject(toError(m.error!));
    });
    const die = (e: PyrelayError) => {
      dead ??= e;
      reject(e);
      for (const c of calls.values()) c.reject(e);
      calls.clear();
    };
    worker.on('error', (e) => {
      logger?.warn({ err: e.message }, 'store worker failed');
      die(new PyrelayError('storage_error', `store worker failed: ${e.message}`, { cause: e }));
    });
    worker.on('exit', (code) => die(new PyrelayError('unavailable', `store worker exited (${code})`)));
  });
  await ready;

  type Op = Exclude<StoreCall, { op: 'records' }>;
  let outbox: Op[] = [];
  const sendOutbox = () => {
    const batch = outbox;
    outbox = [];
    if (!dead) worker.postMessage({ batch });
  };
  type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
  const call = <T>(msg: WithoutId<Op>): Promise<T> => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      calls.set(id, { resolve: resolve as (v: unknown) => void, reject });
      // Calls made in one turn travel in one message, so the worker sees concurrent puts together (one
      // commit for them) however its own turns interleave with this thread's.
      if (outbox.push({ ...msg, id } as Op) === 1) queueMicrotask(sendOutbox);
    });
  };

  let closing: Promise<void> | undefined;
  const sweepTimer =
    options.retentionMs > 0 || Object.values(options.tenantRetentionMs ?? {}).some((ms) => ms > 0)
      ? setInterval(() => {
          call<number>({ op: 'sweepRetention', now: clock.now() }).then(
            (n) => n > 0 && logger?.info({ deletedTrees: n }, 'retention sweep'),
            (e: unknown) => logger?.warn({ err: (e as Error).message }, 'retention sweep failed'),
          );
        }, options.sweepIntervalMs ?? 600_000)
      : undefined;
  sweepTimer?.unref();

  const store: LmdbStore = {
    put(profile) {
      if (closing) return Promise.reject(new PyrelayError('unavailable', 'store is closed'));
      const { key, metadata, startMs, endMs } = profile;
      return call({ op: 'put', tree: profile.tree, p: { key, metadata, startMs, endMs }, now: clock.now() });
    },
    async select(selector: SeriesSelector, range: TimeRange) {
      await readBarrier();
      const r = await call<SelectResult>({ op: 'select', args: [selector, range, clock.now()] });
      Object.setPrototypeOf(r.tree, Tree.prototype);
      return r;
    },
    labelNames: (selector, range) => readBarrier().then(() => call<string[]>({ op: 'labelNames', args: [selector, range] })),
    labelValues: (label, selector, range) => readBarrier().then(() => call<string[]>({ op: 'labelValues', args: [label, selector, range] })),
    apps: () => readBarrier().then(() => call<AppInfo[]>({ op: 'apps' })),
    deleteApp: (app) => call<boolean>({ op: 'deleteApp', app }),
    sweepRetention: () => call<number>({ op: 'sweepRetention', now: clock.now() }),
    settle: () => call<void>({ op: 'settle', now: clock.now() }),
    stats: () => ({ ...stats! }),
    checkpoint: () => stats!.checkpoint,
    records(records, epoch) {
      if (dead || closing) return;
      // The bodies are copied into one buffer that is moved, not cloned: a payload may be a view of a larger
      // pooled buffer, which structured cloning would copy whole; one buffer per message, not per record.
      let bytes = 0;
      for (const r of records) bytes += r.payload.length;
      const all = new Uint8Array(bytes);
      let at = 0;
      const own = records.map((r) => {
        all.set(r.payload, at);
        const payload = all.subarray(at, (at += r.payload.length));
        return { seq: r.seq, meta: r.meta, payload };
      });
      const transfer = [all.buffer];
      worker.postMessage({ id: 0, op: 'records', records: own, epoch, now: clock.now() } satisfies StoreCall, transfer);
    },
    onCheckpoint: (fn) => void (onCheckpoint = fn),
    onReset: (fn) => void (onReset = fn),
    onApplied: (fn) => void (onApplied = fn),
    onDecoderEvent: (fn) => void (onDecoderEvent = fn),
    setReadBarrier: (fn) => void (readBarrier = fn),
    close() {
      closing ??= (async () => {
        if (sweepTimer !== undefined) clearInterval(sweepTimer);
        try {
          if (!dead) await call({ op: 'close' });
        } finally {
          await worker.terminate();
        }
      })();
      return closing;
    },
  };
  return store;
}
