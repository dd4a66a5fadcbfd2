// The payloads of recently appended records, kept in memory so a target takes a fresh item without reading
// it back from lmdb and re-verifying its checksum (a copy and a CRC per target per item). Bounded in bytes.
// Targets take items oldest first, so when full the cache gives room to the oldest items: a new one is
// refused (evicting the oldest would evict exactly what every target reads next), while an older item read
// back from disk for one target (so the others need not read it again) evicts newer entries. An entry only a
// lagging target still needs (another target took it `laggardMs` ago) is evicted first.

export interface CachedRecord {
  payload: Uint8Array;
  meta: Record<string, unknown>;
}

export interface PayloadCache {
  /** Caches seq for `targets`; false when it did not fit. */
  put(seq: number, record: CachedRecord, targets: readonly string[]): boolean;
  get(seq: number): CachedRecord | undefined;
  /** `target` took seq (or finished it): dropped from the cache once no target still needs it. */
  taken(seq: number, target: string, nowMs: number): void;
  delete(seq: number): void;
  readonly bytes: number;
  readonly size: number;
}

interface Entry {
  record: CachedRecord;
  /** Targets that have not taken it yet. */
  waiting: string[];
  /** When a target first took it (undefined: none yet). */
  firstTakenAtMs: number | undefined;
}

export interface PayloadCacheOptions {
  /** 0 disables the cache; a payload larger than this is never cached. */
  maxBytes: number;
  /** An entry another target took this long ago may be evicted for a newer one. */
  laggardMs: number;
  now(): number;
}

export function createPayloadCache(o: PayloadCacheOptions): PayloadCache {
  // Insertion order = append order, so the first key is the oldest.
  const entries = new Map<number, Entry>();
  let bytes = 0;
  const remove = (seq: number) => {
    const e = entries.get(seq);
    if (e === undefined) return;
    entries.delete(seq);
    bytes -= e.record.payload.length;
  };
  // A target that is down would otherwise keep the cache full of what only it needs: let the oldest of
  // those go as soon as they lag, not only when room is needed.
  const dropLaggingHead = () => {
    const cutoff = o.now() - o.laggardMs;
    for (const [seq, e] of entries) {
      if (e.firstTakenAtMs === undefined || e.firstTakenAtMs > cutoff) return;
      remove(seq);
    }
  };
  const makeRoom = (incoming: number, need: number) => {
    const cutoff = o.now() - o.laggardMs;
    const newer: number[] = [];
    for (const [seq, e] of entries) {
      if (bytes + need <= o.maxBytes) return;
      if (e.firstTakenAtMs !== undefined && e.firstTakenAtMs <= cutoff) remove(seq);
      else if (seq > incoming) newer.push(seq);
    }
    if (bytes + need <= o.maxBytes || newer.length === 0) return;
    // Only when the incoming item then fits: never evict for nothing.
    newer.sort((x, y) => y - x);
    let freed = 0;
    let k = 0;
    while (k < newer.length && bytes - freed + need > o.maxBytes) freed += entries.get(newer[k++])!.record.payload.length;
    if (bytes - freed + need > o.maxBytes) return;
    for (const seq of newer.slice(0, k)) remove(seq);
  };
  return {
    put(seq, record, targets) {
      const size = record.payload.length;
      if (size > o.maxBytes || targets.length === 0) return false;
      remove(seq);
      dropLaggingHead();
      if (bytes + size > o.maxBytes) makeRoom(seq, size);
      if (bytes + size > o.maxBytes) return false;
      entries.set(seq, { record, waiting: [...targets], firstTakenAtMs: undefined });
      bytes += size;
      return true;
    },
    get: (seq) => entries.get(seq)?.record,
    taken(seq, target, nowMs) {
      const e = entries.get(seq);
      if (e === undefined) return;
      const i = e.waiting.indexOf(target);
      if (i < 0) return;
      e.waiting.splice(i, 1);
      e.firstTakenAtMs ??= nowMs;
      if (e.waiting.length === 0) remove(seq);
    },
    delete: remove,
    get bytes() {
      return bytes;
    },
    get size() {
      return entries.size;
    },
  };
}
