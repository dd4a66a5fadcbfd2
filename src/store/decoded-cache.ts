// A bounded LRU of decoded segment nodes, so repeated long-range reads add cached (pathId, self) entries
// instead of re-parsing the same varint blobs. Bounded by entry count (a coarse node holds at most
// maxNodesPerTree-ish entries). Writers delete what they touch, so a rolled-back transaction can never
// leave a cached value behind: only reads of committed data fill the cache.
import type { Entries } from './path-codec.js';

export interface DecodedCache {
  get(key: string): Entries | undefined;
  set(key: string, e: Entries): void;
  delete(key: string): void;
  clear(): void;
  readonly size: number;
}

export function createDecodedCache(maxEntries: number): DecodedCache {
  const map = new Map<string, Entries>();
  return {
    get(key) {
      const e = map.get(key);
      if (e !== undefined) {
        // Re-insert to mark it most recently used (Map keeps insertion order).
        map.delete(key);
        map.set(key, e);
      }
      return e;
    },
    set(key, e) {
      if (maxEntries <= 0) return;
      map.delete(key);
      map.set(key, e);
      if (map.size > maxEntries) map.delete(map.keys().next().value!);
    },
    delete: (key) => void map.delete(key),
    clear: () => map.clear(),
    get size() {
      return map.size;
    },
  };
}
