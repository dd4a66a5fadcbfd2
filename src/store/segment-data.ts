// Stored segment nodes: for each (series, level, node start) the self value per call path (binary,
// path-codec) and a small record [samples, writes] kept apart so timelines never read trees.
// Level 0 is written by the head's flush; coarser trees are rebuilt from their ten children by the
// compactor (compaction.ts) once their window closes, so a node whose children changed since is "dirty":
// its stored tree is stale and reads use its children instead. Stats are exact at every level at once
// (the flush adds them), so timelines and `average` never depend on compaction.
// Write methods must run inside one of the store's write transactions.
import type { Database } from 'lmdb';
import type { Tree } from '../model/tree.js';
import { createDecodedCache } from './decoded-cache.js';
import type { HeadSeries } from './head.js';
import { addEntries, decodeEntries, decodeSelfsInto, encodeSelfs, encodeSortedEntries, selfsToTree, type Selfs } from './path-codec.js';
import { createTruncateScratch, truncatedEntries } from './path-truncate.js';
import type { PathDict } from './path-dict.js';
import { levelDuration, MULTIPLIER, type AlignedRange, type NodeRef } from './segment-math.js';

export type NodeKey = [number, number, number]; // [seriesId, level, startSec]
/** [samples, writes]. */
export type NodeStats = [number, number];

export interface SegmentDbs {
  trees: Database<Buffer, NodeKey>;
  nodes: Database<NodeStats, NodeKey>;
  /** Coarse nodes whose children changed after the node was last built. */
  dirty: Database<number, NodeKey>;
}

/** Accumulates the nodes of several series of one app (stored and head), then builds one tree from them. */
export interface ReadAccumulator {
  treesRead: number;
  /** Of treesRead, how many came decoded from the cache. */
  treesFromCache: number;
  writes: number;
  add(seriesId: number, cover: readonly NodeRef[], range: AlignedRange, head: HeadSeries | undefined): void;
  toTree(): Tree;
}

export interface SegmentData {
  /** Writes a head snapshot: level-0 trees merged with what is stored, stats at every level, dirty parents. */
  flush(series: readonly HeadSeries[]): number;
  /**
   * Dirty nodes the compactor may rebuild now, finest level first: windows that ended at or before `nowSec`
   * (every one when `includeOpen`) whose children are all clean.
   */
  compactable(nowSec: number, includeOpen: boolean, limit: number): NodeKey[];
  /** Rebuilds `keys` from their children (truncated once) and marks their parents dirty; returns trees written. */
  compact(keys: readonly NodeKey[]): number;
  /** After the compaction's transaction committed: its nodes are clean. */
  compacted(keys: readonly NodeKey[]): void;
  readonly dirtyCount: number;
  reader(app: string): ReadAccumulator;
  /** Adds node sample totals at `level` (stored plus head) into per-bucket `samples` starting at range.st. */
  addTimeline(seriesId: number, level: number, range: AlignedRange, samples: number[], head: HeadSeries | undefined): void;
  /** Deletes nodes that end at or before `boundarySec`; returns trees deleted. */
  sweep(seriesId: number, boundarySec: number): number;
  /** Deletes every node of a series; returns trees deleted. */
  drop(seriesId: number): number;
}

const keyId = (k: NodeKey | [number, number, number]) => `${k[0]}:${k[1]}:${k[2]}`;

export function createSegmentData(
  dbs: SegmentDbs,
  paths: PathDict,
  opts: {
    maxLevel: number;
    maxNodesPerTree: number;
    decodedCacheEntries?: number;
    minCachedLevel?: number;
    /** App of a stored series (dirty markers persist, so the compactor meets series no flush touched since open). */
    seriesApp?: (seriesId: number) => string | undefined;
  },
): SegmentData {
  const { maxLevel, maxNodesPerTree } = opts;
  // Coarse nodes only: they are the ones long-range reads share; level-0 nodes are many and read rarely.
  const cache = createDecodedCache(opts.decodedCacheEntries ?? 256);
  const minCachedLevel = opts.minCachedLevel ?? 2;
  const scratch = createTruncateScratch();
  const dirty = new Map<string, NodeKey>();
  for (const key of dbs.dirty.getKeys({})) dirty.set(keyId(key), key);

  const markDirty = (sid: number, level: number, t: number) => {
    if (level > maxLevel) return;
    const k: NodeKey = [sid, level, t];
    const id = keyId(k);
    // Written even when already known: after a rolled-back transaction memory may hold a marker the disk lacks.
    if (!dirty.has(id)) dirty.set(id, k);
    dbs.dirty.put(k, 1);
  };
  const parentOf = (level: number, t: number): [number, number] => {
    const d = levelDuration(level + 1);
    return [level + 1, Math.floor(t / d) * d];
  };

  /** Merges `selfs` into the stored tree of `key` (when `merge`), truncates once and writes it. */
  const writeTree = (key: NodeKey, app: string, selfs: Selfs, merge: boolean) => {
    const p = paths.of(app);
    cache.delete(keyId(key));
    if (merge) {
      const old = dbs.trees.get(key);
      if (old !== undefined) decodeSelfsInto(selfs, old, p.parent.length - 1);
    }
    if (selfs.size === 0) {
      dbs.trees.remove(key);
      return;
    }
    // Truncated entries come out sorted, so they are encoded without another map or sort.
    const cut = truncatedEntries(selfs, p, maxNodesPerTree, scratch);
    const bytes = cut === undefined ? encodeSelfs(selfs) : encodeSortedEntries(cut);
    dbs.trees.put(key, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  };

  const removeRange = (start: NodeKey | [number], end: NodeKey | [number, number]): number => {
    cache.clear(); // sweeps and drops are rare: simpler than tracking which cached keys fall in range
    let n = 0;
    const keys = [...dbs.nodes.getKeys({ start, end })];
    for (const k of keys) {
      dbs.nodes.remove(k);
      if (dbs.trees.doesExist(k)) {
        dbs.trees.remove(k);
        n++;
      }
    }
    for (const k of [...dbs.dirty.getKeys({ start, end })]) {
      dbs.dirty.remove(k);
      dirty.delete(keyId(k));
    }
    return n;
  };

  // Apps of series seen by flushes, so the compactor knows which path dictionary a node uses.
  const appOf = new Map<number, string>();

  return {
    flush(series) {
      let written = 0;
      for (const s of series) {
        appOf.set(s.id, s.app);
        for (const node of s.nodes.values()) {
          writeTree([s.id, 0, node.t], s.app, node.selfs, true);
          written++;
          // Every coarser node above it is stale now, not just the parent: reads descend from the top.
          for (let level = 1; level <= maxLevel; level++) {
            const d = levelDuration(level);
            markDirty(s.id, level, Math.floor(node.t / d) * d);
          }
        }
        for (const [level, byT] of s.stats) {
          for (const [t, [samples, writes]] of byT) {
            const key: NodeKey = [s.id, level, t];
            const old = dbs.nodes.get(key);
            dbs.nodes.put(key, [(old?.[0] ?? 0) + samples, (old?.[1] ?? 0) + writes]);
          }
        }
      }
      return written;
    },

    compactable(nowSec, includeOpen, limit) {
      const out: NodeKey[] = [];
      for (const k of dirty.values()) {
        const [sid, level, t] = k;
        if (!includeOpen && t + levelDuration(level) > nowSec) continue;
        if (level > 1) {
          const cd = levelDuration(level - 1);
          let childDirty = false;
          for (let i = 0; i < MULTIPLIER && !childDirty; i++) childDirty = dirty.has(`${sid}:${level - 1}:${t + i * cd}`);
          if (childDirty) continue;
        }
        out.push(k);
      }
      out.sort((a, b) => a[1] - b[1]);
      return out.slice(0, limit);
    },

    compact(keys) {
      let written = 0;
      for (const key of keys) {
        const [sid, level, t] = key;
        const app = appOf.get(sid) ?? opts.seriesApp?.(sid);
        dbs.dirty.remove(key);
        if (app === undefined) continue; // series deleted meanwhile
        const p = paths.of(app);
        const selfs: Selfs = new Map();
        const cd = levelDuration(level - 1);
        for (let i = 0; i < MULTIPLIER; i++) {
          const buf = dbs.trees.get([sid, level - 1, t + i * cd]);
          if (buf !== undefined) decodeSelfsInto(selfs, buf, p.parent.length - 1);
        }
        writeTree(key, app, selfs, false);
        written++;
        const [pl, pt] = parentOf(level, t);
        markDirty(sid, pl, pt);
      }
      return written;
    },

    compacted(keys) {
      for (const k of keys) {
        const id = keyId(k);
        dirty.delete(id);
        cache.delete(id);
      }
    },

    get dirtyCount() {
      return dirty.size;
    },

    reader(app) {
      const p = paths.of(app);
      const selfs: Selfs = new Map();
      const readNode = (acc: ReadAccumulator, sid: number, level: number, t: number) => {
        const key: NodeKey = [sid, level, t];
        const id = keyId(key);
        if (level > 0 && dirty.has(id)) {
          // Stale: its children (level 0 always current) say what it holds.
          const cd = levelDuration(level - 1);
          for (let i = 0; i < MULTIPLIER; i++) readNode(acc, sid, level - 1, t + i * cd);
          return;
        }
        let e = level >= minCachedLevel ? cache.get(id) : undefined;
        if (e !== undefined) acc.treesFromCache++;
        else {
          const buf = dbs.trees.get(key);
          if (buf === undefined) return;
          if (level < minCachedLevel) {
            decodeSelfsInto(selfs, buf, p.parent.length - 1);
            acc.treesRead++;
            return;
          }
          cache.set(id, (e = decodeEntries(buf, p.parent.length - 1)));
        }
        addEntries(selfs, e);
        acc.treesRead++;
      };
      const acc: ReadAccumulator = {
        treesRead: 0,
        treesFromCache: 0,
        writes: 0,
        add(seriesId, cover, range, head) {
          for (const { level, t } of cover) {
            readNode(acc, seriesId, level, t);
            acc.writes += (dbs.nodes.get([seriesId, level, t])?.[1] ?? 0) + (head?.stats.get(level)?.get(t)?.[1] ?? 0);
          }
          if (head === undefined) return;
          for (const node of head.nodes.values()) {
            if (node.t < range.st || node.t >= range.et) continue;
            for (const [id, v] of node.selfs) {
              const old = selfs.get(id);
              selfs.set(id, old === undefined ? v : old + v);
            }
          }
        },
        toTree: () => selfsToTree(selfs, p),
      };
      return acc;
    },

    addTimeline(seriesId, level, range, samples, head) {
      const d = levelDuration(level);
      const from = Math.floor(range.st / d) * d;
      for (const { key, value } of dbs.nodes.getRange({ start: [seriesId, level, from], end: [seriesId, level, range.et] })) {
        const i = Math.max(0, Math.floor((key[2] - range.st) / d));
        if (i < samples.length) samples[i] += value[0];
      }
      const byT = head?.stats.get(level);
      if (byT === undefined) return;
      for (const [t, [s]] of byT) {
        if (t < from || t >= range.et) continue;
        const i = Math.max(0, Math.floor((t - range.st) / d));
        if (i < samples.length) samples[i] += s;
      }
    },

    sweep(seriesId, boundarySec) {
      let n = 0;
      for (let level = 0; level <= maxLevel; level++) {
        // A node [t, t+d) is entirely old when t + d <= boundary; keys are whole seconds.
        const last = boundarySec - levelDuration(level);
        n += removeRange([seriesId, level, -Infinity], [seriesId, level, last + 1]);
      }
      return n;
    },

    drop(seriesId) {
      appOf.delete(seriesId);
      return removeRange([seriesId], [seriesId, Infinity]);
    },
  };
}
