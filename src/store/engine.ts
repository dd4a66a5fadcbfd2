// The store itself, run on the store's worker thread (store-worker.ts): one lmdb environment, the in-memory
// head, the flush of level 0 and the compaction of coarser levels, and the reads that merge the head with
// what is stored. Every write is an asynchronous lmdb write: nothing here blocks on an fsync.
//
// Exactly-once replay: write-ahead-log records are applied to the head; a flush writes the head's level-0
// nodes and the highest record sequence applied (the checkpoint) in ONE transaction. After a crash the head
// is gone, the stored nodes hold exactly the records up to the checkpoint, and the log replays the rest.
import { statfs } from 'node:fs/promises';
import { open, type Database, type RootDatabase } from 'lmdb';
import { PyrelayError, isPyrelayError } from '../model/errors.js';
import type { ProfileMetadata } from '../model/profile.js';
import type { ProfileSink, RecordDecoder, SeriesSink } from '../model/profile-sink.js';
import type { SeriesSelector } from '../model/selector.js';
import type { SeriesKey } from '../model/series-key.js';
import { Tree } from '../model/tree.js';
import { createHead, type HeadSeries } from './head.js';
import { splitStoredAppName } from './tenant-stores.js';
import { checkStorable } from './limits.js';
import type { Entries } from './path-codec.js';
import { treeEntries } from './path-codec.js';
import { createLocationPaths, type LocationPaths } from './location-paths.js';
import { createPathDict, type AppPaths } from './path-dict.js';
import { alignRange, levelDuration, readCover, timelineLevel } from './segment-math.js';
import { createSegmentData, type NodeKey, type NodeStats } from './segment-data.js';
import { createSeriesIndex, type SeriesRecord } from './series-index.js';
import { APP_LABEL, evaluateSelector } from './selector-eval.js';
import { createStackCache } from './stack-cache.js';
import { createSymbolDict } from './symbol-dict.js';
import type { AppInfo, SelectResult, TimeRange } from './types.js';

export interface EngineOptions {
  path: string;
  retentionMs: number;
  /** Per-tenant retention overriding `retentionMs` (0 = keep that tenant's data forever). */
  tenantRetentionMs?: Readonly<Record<string, number>>;
  maxNodesPerTree: number;
  maxLevel: number;
  maxBatch: number;
  batchWindowMs: number;
  decodedCacheEntries?: number;
  maxWriteSpanMs: number;
  anchoredRegex: boolean;
  /** How often the head is written when only log records (no direct puts) wait (default 2 s). */
  flushIntervalMs: number;
  /** Path entries the head may hold before it is flushed at once (memory bound). */
  maxHeadEntries: number;
  /** Stacks remembered per app as folded text (or pprof location-stack hash) -> leaf path id (cleared when full). */
  stackCacheEntries: number;
  /**
   * Crash tests only: block the worker inside the nth flush or compaction transaction (after its writes, before
   * its commit) and log `store: paused (test hook)`, so a test can SIGKILL the process right there.
   */
  pauseAt?: { point: 'flush' | 'compaction'; nth: number; /** Throw (the transaction aborts) instead of blocking. */ fail?: boolean };
}

export interface EngineStats {
  puts: number;
  commits: number;
  treesWritten: number;
  treesRead: number;
  treesFromCache: number;
  treesSwept: number;
  records: number;
  recordsFailed: number;
  flushes: number;
  compactions: number;
  headEntries: number;
  dirtyNodes: number;
  checkpoint: number;
}

export interface EngineEvents {
  log(level: 'info' | 'warn' | 'error', obj: Record<string, unknown>, msg: string): void;
  /** Records up to `seq` are stored (the log may forget them). */
  checkpoint(seq: number): void;
  /** A write failed: the head was discarded; records after `seq` must be sent again, tagged with `epoch`. */
  reset(seq: number, epoch: number): void;
}

export interface LogRecord {
  seq: number;
  meta: Record<string, unknown>;
  payload: Uint8Array;
}

export interface Engine {
  put(tree: Tree, p: { key: SeriesKey; metadata: ProfileMetadata; startMs: number; endMs: number }, nowMs: number): Promise<void>;
  /** Applies log records of `epoch` (older epochs are ignored: they were sent before a reset). */
  records(records: readonly LogRecord[], epoch: number, nowMs: number): void;
  select(selector: SeriesSelector, range: TimeRange, nowMs: number): Promise<SelectResult>;
  labelNames(selector: SeriesSelector | undefined, range: TimeRange | undefined): Promise<string[]>;
  labelValues(label: string, selector: SeriesSelector | undefined, range: TimeRange | undefined): Promise<string[]>;
  apps(): Promise<AppInfo[]>;
  deleteApp(app: string): Promise<boolean>;
  sweepRetention(nowMs: number): Promise<number>;
  /** Flushes the head and compacts every dirty node (tests, benchmarks). */
  settle(nowMs: number): Promise<void>;
  stats(): EngineStats;
  close(): Promise<void>;
}

const CHECKPOINT = 'ingest-checkpoint';

function pauseHook(opts: EngineOptions, events: EngineEvents) {
  const counts = { flush: 0, compaction: 0 };
  return (point: 'flush' | 'compaction') => {
    if (opts.pauseAt?.point !== point || ++counts[point] !== opts.pauseAt.nth) return;
    if (opts.pauseAt.fail) throw new Error(`injected ${point} failure (test hook)`);
    events.log('info', { point }, 'store: paused (test hook)');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
  };
}
const COMPACT_BATCH = 256;
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;
/** Free bytes the store's disk must have before writing is tried again after a failure. */
const MIN_FREE_BYTES = 16 * 1024 * 1024;

export async function createEngine(opts: EngineOptions, events: EngineEvents, decode: RecordDecoder | undefined): Promise<Engine> {
  const { maxLevel, retentionMs, maxWriteSpanMs } = opts;
  const regexOpts = { anchored: opts.anchoredRegex };

  let root: RootDatabase;
  try {
    root = open({ path: opts.path, maxDbs: 16, overlappingSync: false });
  } catch (e) {
    throw new PyrelayError('storage_error', `cannot open store at ${opts.path}: ${(e as Error).message}`, { cause: e });
  }

  // Writes outside a transaction (dictionary, series index, app metadata) are asynchronous puts: lmdb commits
  // them in issue order, so they are stored before (or with) the flush that references them. Their promises
  // are watched here so a failure is handled (reset) instead of going unhandled, and reads wait for the last.
  let lastWrite: Promise<unknown> = Promise.resolve();
  let writeFailed: unknown;
  let inTransaction = false;
  const watched = <T extends object>(db: T): T =>
    new Proxy(db, {
      get(target, prop) {
        const v = Reflect.get(target, prop, target) as unknown;
        if (typeof v !== 'function') return v;
        if (prop !== 'put' && prop !== 'remove') return v.bind(target);
        return (...args: unknown[]) => {
          const r = (v as (...a: unknown[]) => unknown).apply(target, args);
          if (!inTransaction && r instanceof Promise) {
            lastWrite = r.catch((e: unknown) => {
              writeFailed ??= e;
            });
          }
          return r;
        };
      },
    });
  const db = <V, K extends import('lmdb').Key>(name: string, encoding?: 'binary'): Database<V, K> => watched(root.openDB<V, K>({ name, ...(encoding ? { encoding } : {}) }));
  const appsDb = db<ProfileMetadata, string>('apps');
  const metaDb = db<number, string>('meta');
  const dict = createPathDict(db<[number, number], [string, number]>('paths'), createSymbolDict(db<string, [string, number]>('dict')));
  const index = createSeriesIndex({
    meta: metaDb,
    seriesIds: db<number, string>('series-ids'),
    series: db<SeriesRecord, number>('series'),
    labels: db<true, [string, string, number]>('labels'),
  });
  const segments = createSegmentData({ trees: db<Buffer, NodeKey>('stacks', 'binary'), nodes: db<NodeStats, NodeKey>('nodes'), dirty: db<number, NodeKey>('dirty') }, dict, {
    maxLevel,
    maxNodesPerTree: opts.maxNodesPerTree,
    ...(opts.decodedCacheEntries !== undefined ? { decodedCacheEntries: opts.decodedCacheEntries } : {}),
    seriesApp: (sid) => index.get(sid)?.app,
  });
  const head = createHead(maxLevel);
  const pause = pauseHook(opts, events);
  const stats: EngineStats = {
    puts: 0,
    commits: 0,
    treesWritten: 0,
    treesRead: 0,
    treesFromCache: 0,
    treesSwept: 0,
    records: 0,
    recordsFailed: 0,
    flushes: 0,
    compactions: 0,
    headEntries: 0,
    dirtyNodes: 0,
    checkpoint: metaDb.get(CHECKPOINT) ?? 0,
  };

  let checkpoint = stats.checkpoint;
  let applied = checkpoint; // highest log seq in the head or stored
  let epoch = 0;
  let failing = false;
  let retryMs = RETRY_MIN_MS;
  let lastNowMs = Date.now();
  let closed = false;

  // Direct puts resolve once a flush that includes them committed.
  interface Waiter {
    resolve: () => void;
    reject: (e: unknown) => void;
  }
  let waiters: Waiter[] = [];
  let lastBatchSize = 0;

  // ---- the writer: flushes, compactions, deletes and sweeps run one at a time ----
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const r = chain.then(fn, fn);
    chain = r.catch(() => undefined);
    return r;
  };

  const txn = async <T>(fn: () => T): Promise<T> => {
    // A child transaction of lmdb's async write batch: unlike transaction(cb), it is rolled back when `fn`
    // throws (transaction(cb) commits the writes made before the throw, which would break exactly-once).
    const r = await root.childTransaction(() => {
      inTransaction = true;
      try {
        return fn();
      } finally {
        inTransaction = false;
      }
    });
    return r as T;
  };

  const asStorageError = (e: unknown) => (isPyrelayError(e) ? e : new PyrelayError('storage_error', `store write failed: ${(e as Error)?.message ?? e}`, { cause: e }));

  /** A write failed: forget everything not stored, ask for the log again, retry with backoff. */
  const fail = (e: unknown) => {
    const err = asStorageError(e);
    events.log('error', { err: err.message }, 'store: write failed; the head is discarded and the log will be replayed');
    for (const w of waiters) w.reject(err);
    waiters = [];
    head.take();
    dict.reset();
    index.reset();
    appMeta.clear();
    stackCache.clear();
    writeFailed = undefined;
    failing = true;
    epoch++;
    applied = checkpoint;
    const wait = retryMs;
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
    setTimeout(() => void serial(probe), wait).unref();
  };

  // After a failure: writes work again once the disk has room and the checkpoint can be rewritten. Free space
  // is checked first because lmdb does not take a storm of failed commits well (the log does the same).
  const probe = async () => {
    if (closed) return;
    const free = await statfs(opts.path).then(
      (s) => s.bavail * s.bsize,
      () => Infinity,
    );
    if (free < MIN_FREE_BYTES) {
      setTimeout(() => void serial(probe), retryMs).unref();
      return;
    }
    try {
      await txn(() => metaDb.put(CHECKPOINT, checkpoint));
      failing = false;
      retryMs = RETRY_MIN_MS;
      events.reset(checkpoint, epoch);
      events.log('info', { checkpoint }, 'store: writes work again; replaying the log');
    } catch (e) {
      failing = false;
      fail(e);
    }
  };

  /** Writes a snapshot of the head taken when the flush was asked for (so the puts it acknowledges are its own). */
  const flushNow = async (batch: Waiter[], series: HeadSeries[], upTo: number, at: number): Promise<void> => {
    if (at !== epoch || failing) {
      // A write failed after this snapshot was taken: its ids may not be stored; the log replays it instead.
      for (const w of batch) w.reject(new PyrelayError('storage_error', 'store write failed before this profile was written'));
      return;
    }
    if (series.length === 0 && upTo <= checkpoint) {
      batch.forEach((w) => w.resolve());
      return;
    }
    try {
      await lastWrite;
      if (writeFailed !== undefined) throw writeFailed;
      const written = await txn(() => {
        index.writeExtents();
        const n = segments.flush(series);
        if (upTo > checkpoint) metaDb.put(CHECKPOINT, upTo);
        pause('flush');
        return n;
      });
      stats.flushes++;
      if (batch.length > 0) stats.commits++; // commits that acknowledged direct puts (the group-commit measure)
      stats.treesWritten += written;
      root.resetReadTxn();
      if (upTo > checkpoint) {
        checkpoint = upTo;
        events.checkpoint(upTo);
      }
      batch.forEach((w) => w.resolve());
    } catch (e) {
      for (const w of batch) w.reject(asStorageError(e));
      fail(e);
    }
  };

  // Flushes asked for and not finished: reads wait for them, since their data left the head already.
  const flushing = new Set<Promise<void>>();
  const flush = (): Promise<void> => {
    if (failing || closed) return Promise.resolve();
    const batch = waiters;
    waiters = [];
    lastBatchSize = batch.length;
    const series = head.take();
    const upTo = applied;
    const at = epoch;
    const done = serial(() => flushNow(batch, series, upTo, at));
    flushing.add(done);
    void done.finally(() => flushing.delete(done));
    return done;
  };

  /** Rebuilds dirty coarse nodes (closed windows only unless `all`), finest level first, until none is left. */
  const compactNow = async (all: boolean): Promise<void> => {
    const nowSec = Math.floor(lastNowMs / 1000);
    for (;;) {
      if (failing || closed) return;
      const keys = segments.compactable(nowSec, all, COMPACT_BATCH);
      if (keys.length === 0) return;
      try {
        const n = await txn(() => {
          const written = segments.compact(keys);
          pause('compaction');
          return written;
        });
        root.resetReadTxn();
        segments.compacted(keys);
        stats.compactions += keys.length;
        stats.treesWritten += n;
      } catch (e) {
        fail(e);
        return;
      }
    }
  };

  // ---- flush scheduling ----
  let scheduled: NodeJS.Timeout | NodeJS.Immediate | undefined;
  const cancelScheduled = () => {
    if (scheduled === undefined) return;
    clearTimeout(scheduled as NodeJS.Timeout);
    clearImmediate(scheduled as NodeJS.Immediate);
    scheduled = undefined;
  };
  const flushSoon = () => {
    cancelScheduled();
    scheduled = setImmediate(() => {
      scheduled = undefined;
      void flush();
    });
  };
  /** A direct put waits for a commit: at once for a lone writer, after the gather window once writers are concurrent. */
  const schedulePut = () => {
    if (waiters.length >= opts.maxBatch) {
      // A full batch commits at once (its snapshot is taken now), so one commit never holds more than maxBatch puts.
      cancelScheduled();
      void flush();
      return;
    }
    if (scheduled !== undefined) return;
    if (opts.batchWindowMs > 0 && lastBatchSize > 1) {
      scheduled = setTimeout(() => {
        scheduled = undefined;
        void flush();
      }, opts.batchWindowMs);
    } else flushSoon();
  };
  // The background tick: write the head, then compact the windows that closed. Compaction is not chained to
  // every flush (a put waiting for its commit would wait for it too); reads ask for it when they need it.
  const ticker = setInterval(() => {
    if (head.size > 0 || applied !== checkpoint) void flush();
    if (segments.dirtyCount > 0) void serial(() => compactNow(false));
  }, opts.flushIntervalMs);
  ticker.unref?.();

  // ---- applying profiles to the head ----
  // A tenant's apps are stored under its prefix (tenant-stores.ts), so the app name picks the retention.
  const byTenant = opts.tenantRetentionMs ?? {};
  const retentionOf = (app: string) => byTenant[splitStoredAppName(app).tenant] ?? retentionMs;
  const sweeps = retentionMs > 0 || Object.values(byTenant).some((ms) => ms > 0);
  const retentionBoundaryMs = (nowMs: number, app: string) => {
    const r = retentionOf(app);
    return r > 0 ? nowMs - r : -Infinity;
  };
  const appMeta = new Map<string, string>();
  const checkRange = (key: SeriesKey, startMs: number, endMs: number, nowMs: number) =>
    checkStorable(key, startMs, endMs, nowMs, { retentionMs: retentionOf(key.appName), maxWriteSpanMs });
  const apply = (p: { key: SeriesKey; metadata: ProfileMetadata; startMs: number; endMs: number }, entries: Entries, total: number) => {
    const seriesId = index.ensure(p.key, p.startMs, p.endMs);
    const m = p.metadata;
    const sig = `${m.spyName}\0${m.sampleRate}\0${m.units}\0${m.aggregation}`;
    if (appMeta.get(p.key.appName) !== sig) {
      appsDb.put(p.key.appName, { ...m });
      appMeta.set(p.key.appName, sig);
    }
    if (total > 0) head.add(seriesId, p.key.appName, alignRange(p.startMs, p.endMs), entries, total);
  };

  // Per app: folded stack text -> leaf path id, so a stack seen before costs one lookup (no split, no walk).
  const stackCache = createStackCache(opts.stackCacheEntries);
  const pathOfText = (paths: AppPaths) => (folded: string) => {
    let id = 0;
    for (const frame of folded.split(';')) id = paths.childId(id, frame);
    return id;
  };

  interface Pending {
    p: { key: SeriesKey; metadata: ProfileMetadata; startMs: number; endMs: number };
    ids: number[];
    values: number[];
    total: number;
    trees: Tree[];
  }

  /** Decodes one record fully before touching the head, so a record is applied whole or not at all. */
  const decodeRecord = (r: LogRecord, nowMs: number): Pending[] => {
    const out: Pending[] = [];
    const located = new Map<string, LocationPaths>();
    const sink: ProfileSink = {
      series(p) {
        checkRange(p.key, p.startMs, p.endMs, nowMs);
        const app = p.key.appName;
        const paths = dict.of(app);
        const pending: Pending = { p, ids: [], values: [], total: 0, trees: [] };
        out.push(pending);
        const cache = stackCache.of(p.key.appName);
        const resolve = pathOfText(paths);
        const s: SeriesSink = {
          stack(folded, value) {
            if (!(value > 0) || folded === '') return;
            pending.ids.push(cache.ofText(folded, resolve));
            pending.values.push(value);
            pending.total += value;
          },
          stackBytes(body, start, end, value) {
            if (!(value > 0) || end <= start) return;
            pending.ids.push(cache.ofBytes(body, start, end, resolve));
            pending.values.push(value);
            pending.total += value;
          },
          frames(frames, value) {
            if (!(value > 0) || frames.length === 0) return;
            let id = 0;
            for (const f of frames) id = paths.childId(id, f);
            pending.ids.push(id);
            pending.values.push(value);
            pending.total += value;
          },
          locations(table, locs, n, stackKey, value) {
            if (!(value > 0)) return;
            let lp = located.get(app);
            if (lp === undefined || lp.table !== table) located.set(app, (lp = createLocationPaths(table, paths, stackCache.of(app))));
            pending.ids.push(lp.leafOf(locs, n, stackKey));
            pending.values.push(value);
            pending.total += value;
          },
          tree(tree) {
            pending.trees.push(tree);
          },
        };
        return s;
      },
    };
    decode!(r.meta, r.payload, sink);
    return out;
  };

  const engine: Engine = {
    put(tree, p, nowMs) {
      lastNowMs = nowMs;
      try {
        if (closed) throw new PyrelayError('unavailable', 'store is closed');
        if (failing) throw new PyrelayError('unavailable', 'store cannot write at the moment');
        checkRange(p.key, p.startMs, p.endMs, nowMs);
        const entries = tree.total > 0 ? treeEntries(tree, dict.of(p.key.appName)) : { ids: [], values: [] };
        apply(p, entries, tree.total);
        stats.puts++;
      } catch (e) {
        return Promise.reject(isPyrelayError(e) ? e : asStorageError(e));
      }
      return new Promise<void>((resolve, reject) => {
        waiters.push({ resolve, reject });
        schedulePut();
      });
    },

    records(records, recordEpoch, nowMs) {
      lastNowMs = nowMs;
      if (recordEpoch !== epoch || failing || closed) return;
      for (const r of records) {
        if (r.seq <= applied) continue; // replayed twice (a reset raced a live record): already in
        applied = r.seq;
        stats.records++;
        try {
          if (decode === undefined) throw new Error('no record decoder configured');
          for (const { p, ids, values, total, trees } of decodeRecord(r, nowMs)) {
            let t = total;
            let e: Entries = { ids, values };
            if (trees.length > 0) {
              const paths = dict.of(p.key.appName);
              for (const tree of trees) {
                const te = treeEntries(tree, paths);
                e = { ids: e.ids.concat(te.ids), values: e.values.concat(te.values) };
                t += tree.total;
              }
            }
            apply(p, e, t);
          }
        } catch (e) {
          // Validated before it was logged, so this is rare (e.g. a profile past retention by replay time).
          stats.recordsFailed++;
          events.log('warn', { seq: r.seq, err: (e as Error).message }, 'store: skipped a log record that does not apply');
        }
      }
      if (head.entries >= opts.maxHeadEntries) flushSoon();
    },

    async select(selector, range, nowMs) {
      lastNowMs = nowMs;
      await readBarrier(nowMs, range);
      const ids = evaluateSelector(selector, index, regexOpts);
      const aligned = alignRange(range.startMs, range.endMs);
      const cover = readCover(aligned, maxLevel);
      const level = timelineLevel(aligned, maxLevel);
      const delta = levelDuration(level);
      const samples = new Array<number>(Math.ceil((aligned.et - aligned.st) / delta)).fill(0);
      const reader = segments.reader(selector.appName);
      for (const id of ids) {
        const h = head.series(id);
        reader.add(id, cover, aligned, h);
        segments.addTimeline(id, level, aligned, samples, h);
      }
      let tree = ids.length > 0 ? reader.toTree() : new Tree();
      const { treesRead, writes } = reader;
      stats.treesRead += treesRead;
      stats.treesFromCache += reader.treesFromCache;
      const metadata = ids.length > 0 ? appsDb.get(selector.appName) : undefined;
      if (metadata?.aggregation === 'average' && writes > 0) {
        const avg = new Tree();
        avg.merge(tree, 1 / writes);
        tree = avg;
      }
      return {
        tree,
        metadata: metadata && { ...metadata },
        timeline: { startTime: aligned.st, durationDelta: delta, samples: samples.map((v) => Math.round(v)) },
        treesRead,
      };
    },

    async labelNames(selector, range) {
      await readBarrier();
      const records = seriesFor(selector, range);
      if (records.length === 0) return [];
      return sorted([APP_LABEL, ...records.flatMap((r) => Object.keys(r.labels))]);
    },

    async labelValues(label, selector, range) {
      await readBarrier();
      if (selector === undefined && range === undefined) return index.distinctValues(label);
      const records = seriesFor(selector, range);
      const values = records.map((r) => (label === APP_LABEL ? r.app : r.labels[label])).filter((v) => v !== undefined);
      return sorted(values);
    },

    async apps() {
      await readBarrier();
      const out: AppInfo[] = [];
      for (const { key, value } of appsDb.getRange()) {
        const info: AppInfo = { name: key };
        if (value.spyName) info.spyName = value.spyName;
        if (value.sampleRate) info.sampleRate = value.sampleRate;
        if (value.units) info.units = value.units;
        out.push(info);
      }
      return out;
    },

    async deleteApp(appName) {
      // Puts queued before the delete must not resurrect the app after it: flush them first.
      await flush();
      return serial(async () => {
        await lastWrite;
        const ids = [...index.seriesWith(APP_LABEL, appName)];
        head.drop(ids);
        stackCache.delete(appName);
        try {
          const existed = await txn(() => {
            const existed = ids.length > 0 || appsDb.doesExist(appName);
            for (const id of ids) {
              segments.drop(id);
              index.remove(id);
            }
            appsDb.remove(appName);
            appMeta.delete(appName);
            dict.drop(appName);
            return existed;
          });
          root.resetReadTxn();
          return existed;
        } catch (e) {
          fail(e);
          throw asStorageError(e);
        }
      });
    },

    async sweepRetention(nowMs) {
      lastNowMs = nowMs;
      await flush();
      // Materialize every coarse node first, so the sweep sees (and counts) the trees a read would.
      await serial(() => compactNow(true));
      return serial(() => sweepNow(nowMs));
    },

    async settle(nowMs) {
      lastNowMs = nowMs;
      await flush();
      await serial(() => compactNow(true));
    },

    stats: () => ({ ...stats, headEntries: head.entries, dirtyNodes: segments.dirtyCount, checkpoint }),

    async close() {
      if (closed) return;
      cancelScheduled();
      clearInterval(ticker);
      await flush();
      closed = true;
      await chain;
      await lastWrite;
      await root.close();
    },
  };

  /** Reads see every write applied so far: wait for the async index writes and any flush in flight. */
  async function readBarrier(nowMs?: number, range?: TimeRange): Promise<void> {
    if (closed) throw new PyrelayError('unavailable', 'store is closed');
    await lastWrite;
    while (flushing.size > 0) await Promise.all(flushing);
    root.resetReadTxn();
    // Closed windows are compacted promptly; a read waits for that instead of reading their children.
    if (nowMs !== undefined && range !== undefined && segments.compactable(Math.floor(nowMs / 1000), false, 1).length > 0) {
      await serial(() => compactNow(false));
    }
  }

  async function sweepNow(nowMs: number): Promise<number> {
    if (!sweeps) return 0;
    let deleted = 0;
    const emptiedApps = new Set<string>();
    try {
      for (const { id, record } of [...index.all()]) {
        const boundaryMs = retentionBoundaryMs(nowMs, record.app);
        if (boundaryMs === -Infinity) continue;
        const boundarySec = Math.floor(boundaryMs / 1000);
        deleted += await txn(() => {
          let n = segments.sweep(id, boundarySec);
          if (record.maxMs <= boundaryMs) {
            n += segments.drop(id);
            index.remove(id);
            head.drop([id]);
            emptiedApps.add(record.app);
          }
          return n;
        });
      }
      for (const app of emptiedApps) {
        await txn(() => {
          const left = index.seriesWith(APP_LABEL, app)[Symbol.iterator]().next();
          if (left.done) {
            appsDb.remove(app);
            appMeta.delete(app);
            dict.drop(app);
            stackCache.delete(app);
          }
        });
      }
    } catch (e) {
      fail(e);
      throw asStorageError(e);
    }
    root.resetReadTxn();
    stats.treesSwept += deleted;
    return deleted;
  }

  function seriesFor(selector: SeriesSelector | undefined, range: TimeRange | undefined): SeriesRecord[] {
    const records: SeriesRecord[] = [];
    if (selector !== undefined) {
      for (const id of evaluateSelector(selector, index, regexOpts)) {
        const r = index.get(id);
        if (r !== undefined) records.push(r);
      }
    } else for (const { record } of index.all()) records.push(record);
    if (range === undefined) return records;
    return records.filter((r) => r.minMs < range.endMs && r.maxMs >= range.startMs);
  }

  return engine;
}

const sorted = (values: Iterable<string>) => [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
