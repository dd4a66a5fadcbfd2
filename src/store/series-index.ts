// Series identity and the label index: normalized key -> numeric series id, the series record
// (app, labels, time extent) and an ordered index [labelName, value, seriesId] that includes
// `__name__` -> app. Mutating methods must run inside the store's write transaction.
import { createHash } from 'node:crypto';
import type { Database } from 'lmdb';
import { invalidParameter } from '../model/errors.js';
import { normalizeKey, type SeriesKey } from '../model/series-key.js';
import { APP_LABEL, type LabelIndexView } from './selector-eval.js';

export interface SeriesRecord {
  key: string;
  app: string;
  labels: Record<string, string>;
  /** Extent of the data written (Unix ms), for range-restricted label queries. */
  minMs: number;
  maxMs: number;
}

export interface SeriesIndexDbs {
  meta: Database<number, string>;
  seriesIds: Database<number, string>;
  series: Database<SeriesRecord, number>;
  labels: Database<true, [string, string, number]>;
}

export interface SeriesIndex extends LabelIndexView {
  /** Id of the series, creating it (and its index entries) on first write; widens its time extent. */
  ensure(key: SeriesKey, startMs: number, endMs: number): number;
  get(id: number): SeriesRecord | undefined;
  all(): Iterable<{ id: number; record: SeriesRecord }>;
  /** Distinct values of a label over all series, sorted. */
  distinctValues(name: string): string[];
  remove(id: number): void;
  /** Writes the extents that grew since the last call (inside a write transaction). */
  writeExtents(): void;
  reset(): void;
}

// Above every valid UTF-8 string that can be a label value, so [name, MAX] ends a prefix scan.
const MAX_STR = '\u{10FFFF}'.repeat(4);
const NEXT_ID = 'nextSeriesId';
// lmdb keys are limited to 1978 bytes: long normalized keys are stored by digest, and a label pair that
// cannot fit the index is refused instead of failing the whole write batch.
const MAX_KEY_BYTES = 1900;
const idKey = (norm: string) => (Buffer.byteLength(norm) <= MAX_KEY_BYTES ? norm : `sha256:${createHash('sha256').update(norm).digest('hex')}`);

export function createSeriesIndex(dbs: SeriesIndexDbs): SeriesIndex {
  const ids = new Map<string, number>();
  // Time extents of series written since open, so a put inside the known extent reads nothing.
  const extents = new Map<number, SeriesRecord>();
  // Kept in memory: writes are asynchronous, so reading the counter back could see a stale value.
  let nextId: number | undefined;
  // Series whose extent grew since the last flush: written by writeExtents() in the flush's transaction
  // instead of one asynchronous write per profile (reads see `extents` meanwhile).
  const widened = new Set<number>();

  const entries = (rec: SeriesRecord): [string, string][] => [[APP_LABEL, rec.app], ...Object.entries(rec.labels)];

  return {
    ensure(key, startMs, endMs) {
      const norm = normalizeKey(key);
      let id = ids.get(norm) ?? dbs.seriesIds.get(idKey(norm));
      if (id === undefined) {
        for (const [n, v] of Object.entries(key.labels)) {
          if (Buffer.byteLength(n) + Buffer.byteLength(v) > MAX_KEY_BYTES - 32) {
            throw invalidParameter(`tag ${n} is too long to index (${Buffer.byteLength(v)} bytes)`);
          }
        }
        id = nextId ?? dbs.meta.get(NEXT_ID) ?? 1;
        nextId = id + 1;
        dbs.meta.put(NEXT_ID, nextId);
        dbs.seriesIds.put(idKey(norm), id);
        const rec: SeriesRecord = { key: norm, app: key.appName, labels: { ...key.labels }, minMs: startMs, maxMs: endMs };
        dbs.series.put(id, rec);
        extents.set(id, rec);
        for (const [n, v] of entries(rec)) dbs.labels.put([n, v, id], true);
      } else {
        const rec = extents.get(id) ?? dbs.series.get(id);
        if (rec !== undefined && (startMs < rec.minMs || endMs > rec.maxMs)) {
          const wider = { ...rec, minMs: Math.min(rec.minMs, startMs), maxMs: Math.max(rec.maxMs, endMs) };
          extents.set(id, wider);
          widened.add(id);
        } else if (rec !== undefined) extents.set(id, rec);
      }
      ids.set(norm, id);
      return id;
    },
    get: (id) => extents.get(id) ?? dbs.series.get(id),
    *all() {
      for (const { key, value } of dbs.series.getRange()) yield { id: key, record: extents.get(key) ?? value };
    },
    writeExtents() {
      for (const id of widened) {
        const rec = extents.get(id);
        if (rec !== undefined) dbs.series.put(id, rec);
      }
      widened.clear();
    },
    *seriesWith(name, value) {
      for (const k of dbs.labels.getKeys({ start: [name, value, 0], end: [name, value, Infinity] })) yield k[2];
    },
    *valuesOf(name) {
      let last: string | undefined;
      for (const k of dbs.labels.getKeys({ start: [name, ''], end: [name, MAX_STR] })) {
        if (k[1] !== last) yield (last = k[1]);
      }
    },
    distinctValues(name) {
      return [...this.valuesOf(name)];
    },
    remove(id) {
      const rec = dbs.series.get(id);
      if (rec === undefined) return;
      for (const [n, v] of entries(rec)) dbs.labels.remove([n, v, id]);
      dbs.seriesIds.remove(idKey(rec.key));
      dbs.series.remove(id);
      ids.delete(rec.key);
      extents.delete(id);
      widened.delete(id);
    },
    reset: () => {
      widened.clear();
      nextId = undefined;
      ids.clear();
      extents.clear();
    },
  };
}
