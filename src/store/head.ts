// The in-memory head: what the ingester applied since the last flush, per series as level-0 nodes (10 s
// buckets of pathId -> self) plus [samples, writes] per node at every level, so timelines and `average`
// stay exact before anything is written. A flush takes the whole head and writes it in one transaction.
import type { Entries, Selfs } from './path-codec.js';
import { writeTargets, type AlignedRange } from './segment-math.js';

export interface HeadNode {
  t: number;
  selfs: Selfs;
}

export interface HeadSeries {
  id: number;
  app: string;
  /** Level-0 nodes by start second. */
  nodes: Map<number, HeadNode>;
  /** level -> start second -> [samples, writes]. */
  stats: Map<number, Map<number, [number, number]>>;
}

export interface Head {
  /** Spreads one profile (flattened to path entries) over the nodes its range touches. */
  add(seriesId: number, app: string, range: AlignedRange, entries: Entries, total: number): void;
  series(seriesId: number): HeadSeries | undefined;
  /** Takes everything out (the flush's snapshot); the head is empty afterwards. */
  take(): HeadSeries[];
  /** Forgets series (deleted apps). */
  drop(seriesIds: Iterable<number>): void;
  /** Path entries held, the head's memory measure. */
  readonly entries: number;
  readonly size: number;
}

export function createHead(maxLevel: number): Head {
  let all = new Map<number, HeadSeries>();
  let entries = 0;
  return {
    add(seriesId, app, range, e, total) {
      let s = all.get(seriesId);
      if (s === undefined) all.set(seriesId, (s = { id: seriesId, app, nodes: new Map(), stats: new Map() }));
      for (const { level, t, ratio } of writeTargets(range, maxLevel)) {
        let byT = s.stats.get(level);
        if (byT === undefined) s.stats.set(level, (byT = new Map()));
        const st = byT.get(t);
        if (st === undefined) byT.set(t, [total * ratio, 1]);
        else {
          st[0] += total * ratio;
          st[1]++;
        }
        if (level !== 0) continue;
        let node = s.nodes.get(t);
        if (node === undefined) s.nodes.set(t, (node = { t, selfs: new Map() }));
        const { ids, values } = e;
        const selfs = node.selfs;
        for (let i = 0; i < ids.length; i++) {
          const v = ratio === 1 ? values[i] : values[i] * ratio;
          const old = selfs.get(ids[i]);
          if (old === undefined) {
            selfs.set(ids[i], v);
            entries++;
          } else selfs.set(ids[i], old + v);
        }
      }
    },
    series: (id) => all.get(id),
    take() {
      const out = [...all.values()];
      all = new Map();
      entries = 0;
      return out;
    },
    drop(ids) {
      for (const id of ids) {
        const s = all.get(id);
        if (s === undefined) continue;
        for (const n of s.nodes.values()) entries -= n.selfs.size;
        all.delete(id);
      }
    },
    get entries() {
      return entries;
    },
    get size() {
      return all.size;
    },
  };
}
