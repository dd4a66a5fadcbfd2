import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../../src/lib/clock.js';
import type { Aggregation, TimedProfile } from '../../../src/model/profile.js';
import { Tree } from '../../../src/model/tree.js';
import { createLmdbStore, type LmdbStore, type LmdbStoreOptions } from '../../../src/store/lmdb-store.js';

export const T0 = 1_700_000_000_000; // aligned to 10^5 s

export const tree = (m: Record<string, number>) => Tree.fromStacks(Object.entries(m).map(([k, v]) => [k.split(';'), v] as const));

export const folded = (t: Tree) => Object.fromEntries([...t.toFoldedMap()].sort(([a], [b]) => (a < b ? -1 : 1)));

export function profile(
  appName: string,
  labels: Record<string, string>,
  stacks: Record<string, number>,
  startMs: number,
  endMs = startMs + 10_000,
  aggregation: Aggregation = 'sum',
): TimedProfile {
  return {
    key: { appName, labels },
    tree: tree(stacks),
    metadata: { spyName: 'gospy', sampleRate: 100, units: 'samples', aggregation },
    startMs,
    endMs,
  };
}

export async function tempStore(over: Partial<LmdbStoreOptions> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'pyrelay-store-'));
  const clock = new FakeClock(T0 + 86_400_000);
  const opts: LmdbStoreOptions = { path: dir, clock, retentionMs: 0, maxNodesPerTree: 2048, ...over };
  const stores: LmdbStore[] = [];
  const openStore = async (extra: Partial<LmdbStoreOptions> = {}) => {
    const s = await createLmdbStore({ ...opts, ...extra });
    stores.push(s);
    return s;
  };
  const store = await openStore();
  const cleanup = async () => {
    for (const s of stores) await s.close();
    await rm(dir, { recursive: true, force: true });
  };
  return { dir, clock, store, openStore, cleanup };
}
