// Call-path ids for pprof stacks given as location indexes (model/profile-sink.ts `locations`), without a tree.
// One record's locations are resolved for one app once: each location's frame symbols, and its part of a
// stack hash (a polynomial over symbol ids: one multiply-add per location). The hash keys the app's stack
// cache across records; a cached leaf is checked against the stack by walking its parents in the path
// dictionary (array reads), so a hash collision, or an id forgotten by dict.reset(), only costs a miss.
// A miss walks the dictionary (childOf per frame), assigning paths as needed: inside the write transaction.
import type { LocationTable } from '../model/profile-sink.js';
import type { StoredAppPaths } from './path-dict.js';
import type { AppStackCache } from './stack-cache.js';

export interface LocationPaths {
  readonly table: LocationTable;
  /** The leaf path id of `locs[0..n)` (leaf first); calls with the same `stackKey` have the same stack. */
  leafOf(locs: readonly number[], n: number, stackKey: number): number;
}

const BASE = 0x01000193;

/** `cache`: the app's stack cache (bounded there). */
export function createLocationPaths(table: LocationTable, paths: StoredAppPaths, cache: Pick<AppStackCache, 'ofHash' | 'rememberHash'>): LocationPaths {
  const size = table.size;
  // Per location index (typed and sized to the table: a sparsely grown JS array is a slow dictionary).
  const symStart = new Int32Array(size).fill(-1);
  const symCount = new Int32Array(size);
  const syms: number[] = [];
  const hash = new Int32Array(size);
  const pow = new Int32Array(size);
  let lastKey = -1;
  let lastId = 0;

  const resolve = (loc: number) => {
    symStart[loc] = syms.length;
    let h = 0;
    let p = 1;
    for (const frame of table.framesOf(loc)) {
      const s = paths.symbolOf(frame);
      syms.push(s);
      h = (Math.imul(h, BASE) + Math.imul(s + 1, 0x9e3779b1)) | 0;
      p = Math.imul(p, BASE);
    }
    symCount[loc] = syms.length - symStart[loc];
    hash[loc] = h;
    pow[loc] = p;
  };

  /** Whether path `leaf` is the stack `locs[0..n)`: its frames, leaf first, are the path's symbols upwards. */
  const isPathOf = (leaf: number, locs: readonly number[], n: number): boolean => {
    const { sym, parent } = paths;
    let id = leaf;
    for (let k = 0; k < n; k++) {
      const loc = locs[k];
      const first = symStart[loc];
      for (let j = first + symCount[loc] - 1; j >= first; j--) {
        if (id <= 0 || sym[id] !== syms[j]) return false;
        id = parent[id];
      }
    }
    return id === 0;
  };

  const walk = (locs: readonly number[], n: number): number => {
    let h = n;
    for (let k = n - 1; k >= 0; k--) {
      const loc = locs[k];
      if (symStart[loc] < 0) resolve(loc);
      h = (Math.imul(h, pow[loc]) + hash[loc]) | 0;
    }
    const cacheKey = h & 0x3fffffff; // a small-integer Map key
    const cached = cache.ofHash(cacheKey);
    if (cached !== undefined && isPathOf(cached, locs, n)) return cached;
    let id = 0;
    for (let k = n - 1; k >= 0; k--) {
      const loc = locs[k];
      const end = symStart[loc] + symCount[loc];
      for (let j = symStart[loc]; j < end; j++) id = paths.childOf(id, syms[j]);
    }
    cache.rememberHash(cacheKey, id);
    return id;
  };

  return {
    table,
    leafOf(locs, n, stackKey) {
      if (stackKey !== lastKey) {
        lastId = walk(locs, n);
        lastKey = stackKey;
      }
      return lastId;
    },
  };
}
