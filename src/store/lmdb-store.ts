// The embedded store: one lmdb environment under `path` with named sub-databases for the series
// index, per-app symbols and metadata, and the segment-tree nodes. Writes are group-committed
// (group-commit.ts): one synchronous lmdb transaction applies a whole batch, which amortizes the fsync
// and serializes every tree read-modify-write. Expired data goes in the retention sweep (retention.ts).
import { open, type Database, type RootDatabase } from 'lmdb';
import type { Clock } from '../lib/clock.js';
import { PyrelayError, invalidParameter, isPyrelayError } from '../model/errors.js';
import type { ProfileMetadata, TimedProfile } from '../model/profile.js';
import type { SeriesSelector } from '../model/selector.js';
import { Tree } from '../model/tree.js';
import type { AppInfo, ProfileStore, SelectResult, TimeRange } from './types.js';
import { alignRange, levelDuration, readCover, timelineLevel } from './segment-math.js';
import { createSegmentData, type NodeKey, type NodeStats, type WriteItem } from './segment-data.js';
import { createSeriesIndex, type SeriesRecord } from './series-index.js';
import { APP_LABEL, evaluateSelector } from './selector-eval.js';
import { createGroupCommit } from './group-commit.js';
import { createRetentionSweep } from './retention.js';
import { createPathDict } from './path-dict.js';
import { createSymbolDict } from './symbol-dict.js';

export interface StoreLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface LmdbStoreOptions {
  path: string;
  clock: Clock;
  /** 0 = keep forever. */
  retentionMs: number;
  maxNodesPerTree: number;
  logger?: StoreLogger;
  /** Retention sweep period (default 10 min, as OG). */
  sweepIntervalMs?: number;
  /** Coarsest segment level: 10 s x 10^maxLevel (default 6, about 116 days). */
  maxLevel?: number;
  /** Profiles applied per write transaction (default 1024). */
  maxBatch?: number;
  /**
   * Once the previous commit held several puts (concurrent writers), wait up to this long (default 3 ms)
   * for more before committing, so one fsync and one merge+truncate per node serve them all. Sequential
   * writers (batches of one) never wait.
   */
  batchWindowMs?: number;
  /** Decoded coarse segment nodes kept for reads (LRU, default 256; 0 disables). */
  decodedCacheEntries?: number;
  /** Longest time span one profile may cover (default 24 h): a write touches span / 10 s level-0 nodes. */
  maxWriteSpanMs?: number;
  /** `=~`/`!~` as `^(?:re)$` (Prometheus) instead of OG's unanchored search (default false). */
  anchoredRegex?: boolean;
}

export interface StoreStats {
  puts: number;
  commits: number;
  treesWritten: number;
  treesRead: number;
  /** Of treesRead, nodes served already decoded from the coarse-node cache. */
  treesFromCache: number;
  treesSwept: number;
}

export interface LmdbStore extends ProfileStore {
  /** Deletes data entirely older than now - retention; returns the number of trees deleted. */
  sweepRetention(): Promise<number>;
  stats(): StoreStats;
}

export async function createLmdbStore(options: LmdbStoreOptions): Promise<LmdbStore> {
  const { clock, retentionMs, logger } = options;
  const maxLevel = options.maxLevel ?? 6;
  const maxBatch = options.maxBatch ?? 1024;
  const batchWindowMs = options.batchWindowMs ?? 3;
  const maxWriteSpanMs = options.maxWriteSpanMs ?? 86_400_000;
  const regexOpts = { anchored: options.anchoredRegex ?? false };

  let root: RootDatabase;
  try {
    root = open({ path: options.path, maxDbs: 16 });
  } catch (e) {
    throw new PyrelayError('storage_error', `cannot open store at ${options.path}: ${(e as Error).message}`, { cause: e });
  }
  const db = <V, K extends import('lmdb').Key>(name: string, encoding?: 'binary'): Database<V, K> => root.openDB<V, K>({ name, ...(encoding ? { encoding } : {}) });
  const appsDb = db<ProfileMetadata, string>('apps');
  // Segment nodes reference per-app call paths; 'stacks' holds them in path-codec's format (version 2).
  const dict = createPathDict(db<[number, number], [string, number]>('paths'), createSymbolDict(db<string, [string, number]>('dict')));
  const index = createSeriesIndex({
    meta: db<number, string>('meta'),
    seriesIds: db<number, string>('series-ids'),
    series: db<SeriesRecord, number>('series'),
    labels: db<true, [string, string, number]>('labels'),
  });
  const segments = createSegmentData({ trees: db<Buffer, NodeKey>('stacks', 'binary'), nodes: db<NodeStats, NodeKey>('nodes') }, dict, {
    maxLevel,
    maxNodesPerTree: options.maxNodesPerTree,
    ...(options.decodedCacheEntries !== undefined ? { decodedCacheEntries: options.decodedCacheEntries } : {}),
  });
  const stats: StoreStats = { puts: 0, commits: 0, treesWritten: 0, treesRead: 0, treesFromCache: 0, treesSwept: 0 };

  let closing: Promise<void> | undefined;

  // Last metadata written per app: rewriting an unchanged record on every put is pure write amplification.
  const appMeta = new Map<string, string>();
  const apply = (batch: readonly TimedProfile[]) => {
    const items: WriteItem[] = [];
    for (const p of batch) {
      const seriesId = index.ensure(p.key, p.startMs, p.endMs);
      const m = p.metadata;
      const sig = `${m.spyName}\0${m.sampleRate}\0${m.units}\0${m.aggregation}`;
      if (appMeta.get(p.key.appName) !== sig) {
        appsDb.put(p.key.appName, { ...p.metadata });
        appMeta.set(p.key.appName, sig);
      }
      if (p.tree.total > 0) items.push({ seriesId, app: p.key.appName, tree: p.tree, range: alignRange(p.startMs, p.endMs) });
    }
    stats.treesWritten += segments.write(items);
    stats.puts += batch.length;
  };

  // Runs `fn` in one synchronous write transaction; on failure the in-memory caches may hold ids that
  // were rolled back, so they are dropped.
  const inTxn = <T>(fn: () => T): T => {
    try {
      const r = root.transactionSync(fn);
      stats.commits++;
      return r;
    } catch (e) {
      dict.reset();
      index.reset();
      appMeta.clear();
      throw e;
    }
  };

  const asStorageError = (e: unknown) => (isPyrelayError(e) ? e : new PyrelayError('storage_error', `store write failed: ${(e as Error)?.message ?? e}`, { cause: e }));

  const writes = createGroupCommit<TimedProfile>({ maxBatch, batchWindowMs, commit: (batch) => inTxn(() => apply(batch)), asError: asStorageError });
  const drain = () => writes.drain();

  const ensureOpen = () => {
    if (closing !== undefined) throw new PyrelayError('unavailable', 'store is closed');
  };

  const retention = createRetentionSweep({
    retentionMs,
    clock,
    index,
    segments,
    inTxn,
    dropApp: (app) => {
      appsDb.remove(app);
      appMeta.delete(app);
      dict.drop(app);
    },
    onSwept: (n) => (stats.treesSwept += n),
    intervalMs: options.sweepIntervalMs ?? 600_000,
    logger,
  });
  const sweepNow = () => retention.sweep();

  const seriesFor = (selector: SeriesSelector | undefined, range: TimeRange | undefined): SeriesRecord[] => {
    const records: SeriesRecord[] = [];
    if (selector !== undefined) {
      for (const id of evaluateSelector(selector, index, regexOpts)) {
        const r = index.get(id);
        if (r !== undefined) records.push(r);
      }
    } else for (const { record } of index.all()) records.push(record);
    if (range === undefined) return records;
    return records.filter((r) => r.minMs < range.endMs && r.maxMs >= range.startMs);
  };

  const sorted = (values: Iterable<string>) => [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  return {
    put(profile) {
      try {
        ensureOpen();
        const { startMs, endMs } = profile;
        if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || endMs < startMs) {
          throw invalidParameter(`invalid profile time range [${startMs}, ${endMs}]`);
        }
        if (endMs - startMs > maxWriteSpanMs) {
          throw invalidParameter(`profile spans ${endMs - startMs} ms, more than the ${maxWriteSpanMs} ms a write may cover`);
        }
        if (endMs <= retention.boundaryMs()) throw invalidParameter('profile is older than the retention period');
      } catch (e) {
        return Promise.reject(e);
      }
      return writes.submit(profile);
    },

    async select(selector, range) {
      ensureOpen();
      const ids = evaluateSelector(selector, index, regexOpts);
      const aligned = alignRange(range.startMs, range.endMs);
      const cover = readCover(aligned, maxLevel);
      const level = timelineLevel(aligned, maxLevel);
      const delta = levelDuration(level);
      const samples = new Array<number>(Math.ceil((aligned.et - aligned.st) / delta)).fill(0);
      const reader = segments.reader(selector.appName);
      for (const id of ids) {
        reader.add(id, cover);
        segments.addTimeline(id, level, aligned, samples);
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
      } satisfies SelectResult;
    },

    async labelNames(selector, range) {
      ensureOpen();
      const records = seriesFor(selector, range);
      if (records.length === 0) return [];
      return sorted([APP_LABEL, ...records.flatMap((r) => Object.keys(r.labels))]);
    },

    async labelValues(label, selector, range) {
      ensureOpen();
      if (selector === undefined && range === undefined) return index.distinctValues(label);
      const records = seriesFor(selector, range);
      const values = records.map((r) => (label === APP_LABEL ? r.app : r.labels[label])).filter((v) => v !== undefined);
      return sorted(values);
    },

    async apps() {
      ensureOpen();
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
      ensureOpen();
      await drain(); // puts queued before the delete must not resurrect the app after it
      return inTxn(() => {
        const ids = [...index.seriesWith(APP_LABEL, appName)];
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
    },

    async sweepRetention() {
      ensureOpen();
      await drain();
      return sweepNow();
    },

    stats: () => ({ ...stats }),

    close() {
      closing ??= (async () => {
        retention.stop();
        await drain();
        await root.close();
      })();
      return closing;
    },
  };
}
