// Per-app call-path dictionary: every distinct stack prefix (a node of the app's union call tree) gets a
// small integer id, stored once as [app, id] -> [parentId, symbolId]; id 0 is the root. Stored segment
// nodes then keep only (pathId, self) pairs, so merging a profile into a node touches ~one entry per
// stack instead of every tree node, and blobs shrink ~5x. A child's id is always larger than its parent's.
// add() writes new entries to the database, so it must run inside the store's write transaction.
import type { Database } from 'lmdb';
import type { SymbolDict } from './symbol-dict.js';

/** The in-memory view of one app's paths. */
export interface AppPaths {
  /** pathId -> parent pathId (-1 for the root). */
  readonly parent: readonly number[];
  /** pathId -> symbol id (-1 for the root). */
  readonly sym: readonly number[];
  /** pathId -> depth (0 for the root). */
  readonly depth: readonly number[];
  /** symbol id -> frame name. */
  readonly names: readonly string[];
  /** The id of frame `name` under `parentId`, assigning and persisting a new path when unseen. */
  childId(parentId: number, name: string): number;
  /** Id of the child of `parentId` with symbol `symId`, or undefined (no writes). */
  findChild(parentId: number, symId: number): number | undefined;
}

/** The dictionary's own view: childId in two halves, so a frame's symbol is resolved once and reused. */
export interface StoredAppPaths extends AppPaths {
  /** The symbol id of frame `name`, assigning and persisting a new one when unseen. */
  symbolOf(name: string): number;
  /** childId for a frame already resolved to its symbol id (symbolOf). */
  childOf(parentId: number, symId: number): number;
}

export interface PathDict {
  of(app: string): StoredAppPaths;
  /** Removes the app's paths and symbols (inside a write transaction). */
  drop(app: string): void;
  /** Forgets the in-memory caches, e.g. after an aborted transaction left ids that were never stored. */
  reset(): void;
}

const SYM_SPACE = 2 ** 26;

export function createPathDict(db: Database<[number, number], [string, number]>, symbols: SymbolDict): PathDict {
  const cache = new Map<string, StoredAppPaths>();

  const load = (app: string): StoredAppPaths => {
    const parent: number[] = [-1];
    const sym: number[] = [-1];
    const depth: number[] = [0];
    // Per parent, symbol id -> child id: small-integer keys stay fast Map lookups (a packed parent*2^26+symbol
    // key is a heap number, and childId was the ingester's top frame with it).
    const children: (Map<number, number> | undefined)[] = [];
    const kidsOf = (parentId: number) => (children[parentId] ??= new Map());
    for (const { key, value } of db.getRange({ start: [app, 1], end: [app, Infinity] })) {
      const id = key[1];
      parent[id] = value[0];
      sym[id] = value[1];
      depth[id] = depth[value[0]] + 1; // parents load first: their ids are smaller
      kidsOf(value[0]).set(value[1], id);
    }
    const names = symbols.names(app);
    const childOf = (parentId: number, s: number): number => {
      const kids = kidsOf(parentId);
      let id = kids.get(s);
      if (id === undefined) {
        id = parent.length;
        if (s >= SYM_SPACE || id >= 2 ** 27) throw new RangeError(`app ${app} has too many distinct stacks to index`);
        parent.push(parentId);
        sym.push(s);
        depth.push(depth[parentId] + 1);
        kids.set(s, id);
        db.put([app, id], [parentId, s]);
      }
      return id;
    };
    return {
      parent,
      sym,
      depth,
      names,
      findChild: (parentId, symId) => children[parentId]?.get(symId),
      symbolOf: (name) => symbols.idOf(app, name),
      childOf,
      childId: (parentId, name) => childOf(parentId, symbols.idOf(app, name)),
    };
  };

  return {
    of(app) {
      let p = cache.get(app);
      if (p === undefined) cache.set(app, (p = load(app)));
      return p;
    },
    drop(app) {
      const keys = [...db.getKeys({ start: [app, 0], end: [app, Infinity] })];
      for (const k of keys) db.remove(k);
      cache.delete(app);
      symbols.drop(app);
    },
    reset() {
      cache.clear();
      symbols.reset();
    },
  };
}
