// The payloads of recently appended records, kept in memory so a healthy target takes a fresh item without
// reading it back from lmdb and re-verifying its checksum (a copy and a CRC per target per item). Bounded in
// bytes, oldest evicted first: a target that fell behind reads its older items from disk as before.

export interface CachedRecord {
  payload: Uint8Array;
  meta: Record<string, unknown>;
}

export interface PayloadCache {
  put(seq: number, record: CachedRecord): void;
  get(seq: number): CachedRecord | undefined;
  delete(seq: number): void;
  readonly bytes: number;
  readonly size: number;
}

/** `maxBytes` 0 disables the cache; a payload larger than maxBytes is never cached. */
export function createPayloadCache(maxBytes: number): PayloadCache {
  // Insertion order = append order, so the first key is the oldest.
  const entries = new Map<number, CachedRecord>();
  let bytes = 0;
  const remove = (seq: number) => {
    const e = entries.get(seq);
    if (e === undefined) return;
    entries.delete(seq);
    bytes -= e.payload.length;
  };
  return {
    put(seq, record) {
      const size = record.payload.length;
      if (size > maxBytes) return;
      remove(seq);
      for (const oldest of entries.keys()) {
        if (bytes + size <= maxBytes) break;
        remove(oldest);
      }
      entries.set(seq, record);
      bytes += size;
    },
    get: (seq) => entries.get(seq),
    delete: remove,
    get bytes() {
      return bytes;
    },
    get size() {
      return entries.size;
    },
  };
}
