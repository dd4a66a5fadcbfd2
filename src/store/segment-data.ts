// Stored segment nodes: for each (series, level, node start) a tree (binary, tree-codec) and a small
// record [samples, writes] kept apart so timelines never read trees. Write methods must run inside the
// store's write transaction: that is what serializes read-modify-write per tree key.
import type { Database } from 'lmdb';
import { Tree } from '../model/tree.js';
import { truncateTree } from '../model/truncate.js';
import { countNodes, decodeTreeInto, encodeTree } from './tree-codec.js';
import { levelDuration, writeTargets, type AlignedRange, type NodeRef } from './segment-math.js';
import type { SymbolDict } from './symbol-dict.js';

export type NodeKey = [number, number, number]; // [seriesId, level, startSec]
/** [samples, writes]. */
export type NodeStats = [number, number];

export interface SegmentDbs {
  trees: Database<Buffer, NodeKey>;
  nodes: Database<NodeStats, NodeKey>;
}

export interface ReadOutcome {
  treesRead: number;
  writes: number;
}

export interface WriteItem {
  seriesId: number;
  app: string;
  tree: Tree;
  range: AlignedRange;
}

export interface SegmentData {
  /**
   * Spreads each tree over every node its range touches, at every level, and returns trees written.
   * Items hitting the same node are merged in memory first, so a batch does one read-modify-write per
   * node instead of one per item and level (a bulk load of 100 consecutive 10 s profiles touches ~115
   * nodes, not 700).
   */
  write(items: readonly WriteItem[]): number;
  /** Merges the stored trees of the given nodes into `into`. */
  read(seriesId: number, app: string, cover: readonly NodeRef[], into: Tree): ReadOutcome;
  /** Adds node sample totals at `level` into per-bucket `samples` starting at range.st. */
  addTimeline(seriesId: number, level: number, range: AlignedRange, samples: number[]): void;
  /** Deletes nodes that end at or before `boundarySec`; returns trees deleted. */
  sweep(seriesId: number, boundarySec: number): number;
  /** Deletes every node of a series; returns trees deleted. */
  drop(seriesId: number): number;
}

export function createSegmentData(dbs: SegmentDbs, dict: SymbolDict, opts: { maxLevel: number; maxNodesPerTree: number }): SegmentData {
  const { maxLevel, maxNodesPerTree } = opts;

  const removeRange = (start: NodeKey | [number], end: NodeKey | [number, number]): number => {
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
      // Group contributions by node first and build one node tree at a time: holding every merged tree
      // of a batch at once made the GC dominate the write path.
      const byNode = new Map<string, { key: NodeKey; app: string; parts: { tree: Tree; ratio: number }[] }>();
      for (const { seriesId, app, tree, range } of items) {
        for (const { level, t, ratio } of writeTargets(range, maxLevel)) {
          const id = `${seriesId}:${level}:${t}`;
          let node = byNode.get(id);
          if (node === undefined) byNode.set(id, (node = { key: [seriesId, level, t], app, parts: [] }));
          node.parts.push({ tree, ratio });
        }
      }
      for (const { key, app, parts } of byNode.values()) {
        const merged = new Tree();
        const old = dbs.trees.get(key);
        if (old !== undefined) decodeTreeInto(merged, old, dict.names(app));
        let samples = 0;
        for (const { tree, ratio } of parts) {
          merged.merge(tree, ratio);
          samples += tree.total * ratio;
        }
        const out = countNodes(merged) > maxNodesPerTree ? truncateTree(merged, maxNodesPerTree) : merged;
        dbs.trees.put(key, Buffer.from(encodeTree(out, (name) => dict.idOf(app, name))));
        const stats = dbs.nodes.get(key);
        dbs.nodes.put(key, [(stats?.[0] ?? 0) + samples, (stats?.[1] ?? 0) + parts.length]);
      }
      return byNode.size;
    },
    read(seriesId, app, cover, into) {
      const names = dict.names(app);
      const out: ReadOutcome = { treesRead: 0, writes: 0 };
      for (const { level, t } of cover) {
        const key: NodeKey = [seriesId, level, t];
        const buf = dbs.trees.get(key);
        if (buf === undefined) continue;
        decodeTreeInto(into, buf, names);
        out.treesRead++;
        out.writes += dbs.nodes.get(key)?.[1] ?? 0;
      }
      return out;
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
