// Stored segment nodes: for each (series, level, node start) the self value per call path (binary,
// path-codec) and a small record [samples, writes] kept apart so timelines never read trees. Write
// methods must run inside the store's write transaction: that is what serializes read-modify-write per key.
import type { Database } from 'lmdb';
import type { Tree } from '../model/tree.js';
import { createDecodedCache } from './decoded-cache.js';
import { addEntries, decodeEntries, decodeSelfsInto, encodeSelfs, encodeSortedEntries, selfsToTree, treeEntries, type Selfs } from './path-codec.js';
import { createTruncateScratch, truncatedEntries } from './path-truncate.js';
import type { PathDict } from './path-dict.js';
import { levelDuration, writeTargets, type AlignedRange, type NodeRef } from './segment-math.js';

export type NodeKey = [number, number, number]; // [seriesId, level, startSec]
/** [samples, writes]. */
export type NodeStats = [number, number];

export interface SegmentDbs {
  trees: Database<Buffer, NodeKey>;
  nodes: Database<NodeStats, NodeKey>;
}

export interface WriteItem {
  seriesId: number;
  app: string;
  tree: Tree;
  range: AlignedRange;
}

/** Accumulates the stored nodes of several series of one app, then builds one tree from them. */
export interface ReadAccumulator {
  treesRead: number;
  /** Of treesRead, how many came decoded from the cache. */
  treesFromCache: number;
  writes: number;
  toTree(): Tree;
}

export interface SegmentData {
  /**
   * Spreads each tree over every node its range touches, at every level, and returns trees written.
   * Items hitting the same node are merged in memory first, so a batch does one read-modify-write per
   * node instead of one per item and level.
   */
  write(items: readonly WriteItem[]): number;
  /** A reader for `app`: add nodes of any of its series, then take the merged tree. */
  reader(app: string): ReadAccumulator & { add(seriesId: number, cover: readonly NodeRef[]): void };
  /** Adds node sample totals at `level` into per-bucket `samples` starting at range.st. */
  addTimeline(seriesId: number, level: number, range: AlignedRange, samples: number[]): void;
  /** Deletes nodes that end at or before `boundarySec`; returns trees deleted. */
  sweep(seriesId: number, boundarySec: number): number;
  /** Deletes every node of a series; returns trees deleted. */
  drop(seriesId: number): number;
}

interface PendingNode {
  key: NodeKey;
  app: string;
  selfs: Selfs;
  samples: number;
  writes: number;
}

export function createSegmentData(
  dbs: SegmentDbs,
  paths: PathDict,
  opts: { maxLevel: number; maxNodesPerTree: number; decodedCacheEntries?: number; minCachedLevel?: number },
): SegmentData {
  const { maxLevel, maxNodesPerTree } = opts;
  // Coarse nodes only: they are the ones long-range reads share; level-0 nodes are many and read rarely.
  const cache = createDecodedCache(opts.decodedCacheEntries ?? 256);
  const minCachedLevel = opts.minCachedLevel ?? 2;
  const scratch = createTruncateScratch();

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
    return n;
  };

  return {
    write(items) {
      const byNode = new Map<string, PendingNode>();
      for (const { seriesId, app, tree, range } of items) {
        // Flatten once; every level then adds ~one entry per stack.
        const entries = treeEntries(tree, paths.of(app));
        for (const { level, t, ratio } of writeTargets(range, maxLevel)) {
          const id = `${seriesId}:${level}:${t}`;
          let node = byNode.get(id);
          if (node === undefined) byNode.set(id, (node = { key: [seriesId, level, t], app, selfs: new Map(), samples: 0, writes: 0 }));
          addEntries(node.selfs, entries, ratio);
          node.samples += tree.total * ratio;
          node.writes++;
        }
      }
      for (const node of byNode.values()) {
        const p = paths.of(node.app);
        const selfs = node.selfs;
        cache.delete(node.key.join(':'));
        const old = dbs.trees.get(node.key);
        if (old !== undefined) decodeSelfsInto(selfs, old, p.parent.length - 1);
        // Truncated entries come out sorted, so they are encoded without another map or sort.
        const cut = truncatedEntries(selfs, p, maxNodesPerTree, scratch);
        const bytes = cut === undefined ? encodeSelfs(selfs) : encodeSortedEntries(cut);
        dbs.trees.put(node.key, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        const stats = dbs.nodes.get(node.key);
        dbs.nodes.put(node.key, [(stats?.[0] ?? 0) + node.samples, (stats?.[1] ?? 0) + node.writes]);
      }
      return byNode.size;
    },
    reader(app) {
      const p = paths.of(app);
      const selfs: Selfs = new Map();
      const acc = {
        treesRead: 0,
        treesFromCache: 0,
        writes: 0,
        add(seriesId: number, cover: readonly NodeRef[]) {
          for (const { level, t } of cover) {
            const key: NodeKey = [seriesId, level, t];
            const id = key.join(':');
            let e = level >= minCachedLevel ? cache.get(id) : undefined;
            if (e !== undefined) acc.treesFromCache++;
            else {
              const buf = dbs.trees.get(key);
              if (buf === undefined) continue;
              if (level < minCachedLevel) {
                decodeSelfsInto(selfs, buf, p.parent.length - 1);
                acc.treesRead++;
                acc.writes += dbs.nodes.get(key)?.[1] ?? 0;
                continue;
              }
              cache.set(id, (e = decodeEntries(buf, p.parent.length - 1)));
            }
            addEntries(selfs, e);
            acc.treesRead++;
            acc.writes += dbs.nodes.get(key)?.[1] ?? 0;
          }
        },
        toTree: () => selfsToTree(selfs, p),
      };
      return acc;
    },
    addTimeline(seriesId, level, range, samples) {
      const d = levelDuration(level);
      const from = Math.floor(range.st / d) * d;
      for (const { key, value } of dbs.nodes.getRange({ start: [seriesId, level, from], end: [seriesId, level, range.et] })) {
        const i = Math.max(0, Math.floor((key[2] - range.st) / d));
        if (i < samples.length) samples[i] += value[0];
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
      return removeRange([seriesId], [seriesId, Infinity]);
    },
  };
}
