// Per-app symbol dictionary: every frame name is stored once per app as [app, id] -> name, and trees
// reference ids. The id -> name array is cached in memory per app and loaded lazily on first use.
// idOf() writes new entries to the database, so it must run inside the store's write transaction.
import type { Database } from 'lmdb';

export interface SymbolDict {
  /** id -> name for `app` (loaded on first use). */
  names(app: string): readonly string[];
  /** The id of `name` in `app`, assigning and persisting a new one when unseen. */
  idOf(app: string, name: string): number;
  /** Removes the app's dictionary (inside a write transaction). */
  drop(app: string): void;
  /** Forgets the in-memory cache, e.g. after an aborted transaction left ids that were never stored. */
  reset(): void;
}

interface AppSymbols {
  names: string[];
  ids: Map<string, number>;
}

export function createSymbolDict(db: Database<string, [string, number]>): SymbolDict {
  const cache = new Map<string, AppSymbols>();

  const load = (app: string): AppSymbols => {
    let s = cache.get(app);
    if (s !== undefined) return s;
    s = { names: [], ids: new Map() };
    for (const { key, value } of db.getRange({ start: [app, 0], end: [app, Infinity] })) {
      s.names[key[1]] = value;
      s.ids.set(value, key[1]);
    }
    cache.set(app, s);
    return s;
  };

  return {
    names: (app) => load(app).names,
    idOf(app, name) {
      const s = load(app);
      let id = s.ids.get(name);
      if (id === undefined) {
        id = s.names.length;
        s.names.push(name);
        s.ids.set(name, id);
        db.put([app, id], name);
      }
      return id;
    },
    drop(app) {
      const keys = [...db.getKeys({ start: [app, 0], end: [app, Infinity] })];
      for (const k of keys) db.remove(k);
      cache.delete(app);
    },
    reset: () => cache.clear(),
  };
}
