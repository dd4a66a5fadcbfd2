import { describe, expect, it } from 'vitest';
import type { LocationTable } from '../../../src/model/profile-sink.js';
import { createLocationPaths } from '../../../src/store/location-paths.js';
import type { StoredAppPaths } from '../../../src/store/path-dict.js';

/** The dictionary in memory, as path-dict keeps it. */
function memoryPaths(): StoredAppPaths {
  const parent = [-1];
  const sym = [-1];
  const depth = [0];
  const names: string[] = [];
  const symIds = new Map<string, number>();
  const kids = new Map<string, number>();
  const symbolOf = (name: string) => {
    let s = symIds.get(name);
    if (s === undefined) symIds.set(name, (s = names.push(name) - 1));
    return s;
  };
  const childOf = (p: number, s: number) => {
    let id = kids.get(`${p}:${s}`);
    if (id === undefined) {
      id = parent.push(p) - 1;
      sym.push(s);
      depth.push(depth[p] + 1);
      kids.set(`${p}:${s}`, id);
    }
    return id;
  };
  return { parent, sym, depth, names, symbolOf, childOf, childId: (p, name) => childOf(p, symbolOf(name)), findChild: (p, s) => kids.get(`${p}:${s}`) };
}

/** The app's stack cache as location-paths sees it: hash -> leaf id, bounded. */
function hashCache(max = 1000) {
  const map = new Map<number, number>();
  return {
    map,
    ofHash: (hash: number) => map.get(hash),
    rememberHash(hash: number, id: number) {
      if (map.size >= max) map.clear();
      map.set(hash, id);
    },
  };
}

/** Locations as frame lists (root first); some expand to several frames (inlining), some to none. */
const table = (locations: string[][]): LocationTable => ({ size: locations.length, framesOf: (loc) => locations[loc] });
const LOCS = [['main'], ['work', 'inlined'], [], ['leaf'], ['main']];
/** The path's frames, root first. */
const framesOf = (paths: StoredAppPaths, id: number): string[] => {
  const out: string[] = [];
  for (let p = id; p > 0; p = paths.parent[p]) out.unshift(paths.names[paths.sym[p]]);
  return out;
};
/** Stacks as location indexes, leaf first (pprof's order). */
const STACKS = [[3, 1, 0], [1, 0], [2], [], [3, 2, 1, 2, 4], [0, 0]];
const expected = STACKS.map((s) => [...s].reverse().flatMap((l) => LOCS[l]));

describe('location paths', () => {
  it('gives each stack the path of its frames, from the dictionary or the cache', () => {
    const paths = memoryPaths();
    const cache = hashCache();
    for (let round = 0; round < 2; round++) {
      // A new record each round (new table object): the second round is served from the cache.
      const lp = createLocationPaths(table(LOCS), paths, cache);
      const pathsBefore = paths.parent.length;
      STACKS.forEach((s, i) => expect(framesOf(paths, lp.leafOf(s, s.length, i))).toEqual(expected[i]));
      if (round === 1) expect(paths.parent.length).toBe(pathsBefore);
    }
    expect(cache.map.size).toBeGreaterThan(0);
  });

  it('never trusts a cached id: a colliding or stale entry is checked against the dictionary', () => {
    // Every lookup "hits" the same wrong leaf (as a hash collision would).
    const lying = { ofHash: () => 2, rememberHash: () => {} };
    const paths = memoryPaths();
    const lp = createLocationPaths(table(LOCS), paths, lying);
    STACKS.forEach((s, i) => expect(framesOf(paths, lp.leafOf(s, s.length, i))).toEqual(expected[i]));

    // Ids cached against one dictionary, then the dictionary is rebuilt with other ids (dict.reset()).
    const cache = hashCache();
    const first = memoryPaths();
    STACKS.forEach((s, i) => createLocationPaths(table(LOCS), first, cache).leafOf(s, s.length, i));
    const rebuilt = memoryPaths();
    rebuilt.childId(0, 'other');
    rebuilt.childId(rebuilt.childId(0, 'main'), 'x');
    const again = createLocationPaths(table(LOCS), rebuilt, cache);
    STACKS.forEach((s, i) => expect(framesOf(rebuilt, again.leafOf(s, s.length, 100 + i))).toEqual(expected[i]));
  });

  it('resolves a sample once for the series it feeds (same stack key)', () => {
    const paths = memoryPaths();
    const cache = hashCache();
    const lp = createLocationPaths(table(LOCS), paths, cache);
    const a = lp.leafOf([3, 1, 0], 3, 7);
    // Same key: the locations are not looked at again.
    expect(lp.leafOf([], 0, 7)).toBe(a);
    expect(framesOf(paths, lp.leafOf([], 0, 8))).toEqual([]);
  });
});
