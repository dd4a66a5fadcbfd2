// Tenants partition the data by store: each tenant has its own store directory, so no key, index, symbol
// dictionary or retention sweep is ever shared between tenants. The default tenant keeps the directory the
// store always had (`<storage-path>/store`), so data written before tenants existed stays where it is;
// others live in `<storage-path>/tenants/<tenant>/store`, opened on first use. Reads of a tenant that
// never wrote see an empty store and create nothing; a write for a tenant past `maxTenants` is refused.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PyrelayError } from '../model/errors.js';
import { DEFAULT_TENANT, tenantDirName, tenantFromDirName } from '../model/tenant.js';
import { Tree } from '../model/tree.js';
import { alignRange, levelDuration, timelineLevel } from './segment-math.js';
import type { ProfileStore, SelectResult } from './types.js';

export interface TenantStores extends ProfileStore {
  /** The store holding one tenant's data (reads of an unknown tenant answer empty and create nothing). */
  forTenant(tenant: string): ProfileStore;
  /** Tenants with a store on disk or open, the default tenant first when it has one. */
  tenants(): string[];
}

export interface TenantStoresOptions {
  storagePath: string;
  /** Opens (creating if needed) the store in `dir` for `tenant`, e.g. with that tenant's retention. */
  open(tenant: string, dir: string): Promise<ProfileStore>;
  maxTenants: number;
}

/** What a store without data answers: the same timeline buckets, all zero. */
function emptySelect(startMs: number, endMs: number): SelectResult {
  const aligned = alignRange(startMs, endMs);
  const delta = levelDuration(timelineLevel(aligned, 6));
  return {
    tree: new Tree(),
    metadata: undefined,
    timeline: { startTime: aligned.st, durationDelta: delta, samples: new Array<number>(Math.ceil((aligned.et - aligned.st) / delta)).fill(0) },
    treesRead: 0,
  };
}

export function storeDirOf(storagePath: string, tenant: string): string {
  return tenant === DEFAULT_TENANT ? join(storagePath, 'store') : join(storagePath, 'tenants', tenantDirName(tenant), 'store');
}

export async function createTenantStores(opts: TenantStoresOptions): Promise<TenantStores> {
  const open = new Map<string, Promise<ProfileStore>>();
  let closing: Promise<void> | undefined;

  const onDisk = (): string[] => {
    const out: string[] = [];
    if (existsSync(storeDirOf(opts.storagePath, DEFAULT_TENANT))) out.push(DEFAULT_TENANT);
    try {
      for (const d of readdirSync(join(opts.storagePath, 'tenants'))) out.push(tenantFromDirName(d));
    } catch {
      // no tenant directory yet
    }
    return out;
  };
  const known = new Set(onDisk());

  const openStore = (tenant: string): Promise<ProfileStore> => {
    if (closing) return Promise.reject(new PyrelayError('unavailable', 'store is closed'));
    let p = open.get(tenant);
    if (p === undefined) {
      if (!known.has(tenant) && known.size >= opts.maxTenants) {
        return Promise.reject(new PyrelayError('limit_exceeded', `tenant limit reached: this server keeps data of at most ${opts.maxTenants} tenants (max-tenants)`));
      }
      known.add(tenant);
      p = opts.open(tenant, storeDirOf(opts.storagePath, tenant));
      open.set(tenant, p);
      p.catch(() => open.delete(tenant));
    }
    return p;
  };

  /** The open store, or undefined when the tenant has no data (a read then must not create one). */
  const existing = async (tenant: string): Promise<ProfileStore | undefined> => {
    if (open.has(tenant) || existsSync(storeDirOf(opts.storagePath, tenant))) return openStore(tenant);
    return undefined;
  };

  const forTenant = (tenant: string): ProfileStore => ({
    put: async (profile) => (await openStore(tenant)).put(profile),
    select: async (selector, range) => (await existing(tenant))?.select(selector, range) ?? emptySelect(range.startMs, range.endMs),
    labelNames: async (selector, range) => (await existing(tenant))?.labelNames(selector, range) ?? [],
    labelValues: async (label, selector, range) => (await existing(tenant))?.labelValues(label, selector, range) ?? [],
    apps: async () => (await existing(tenant))?.apps() ?? [],
    deleteApp: async (appName) => (await existing(tenant))?.deleteApp(appName) ?? false,
    close: async () => {},
  });
  const defaultStore = forTenant(DEFAULT_TENANT);
  // The default tenant's store opens at start-up, as the single store always did: a broken disk fails start-up.
  await openStore(DEFAULT_TENANT);

  return {
    ...defaultStore,
    // A put carries its tenant; everything without one is the default tenant's.
    put: async (profile) => forTenant(profile.tenant ?? DEFAULT_TENANT).put(profile),
    forTenant,
    tenants: () => {
      const all = new Set([...onDisk(), ...open.keys()]);
      return [...all].sort((a, b) => (a === DEFAULT_TENANT ? -1 : b === DEFAULT_TENANT ? 1 : a < b ? -1 : a > b ? 1 : 0));
    },
    close() {
      closing ??= (async () => {
        const stores = await Promise.allSettled([...open.values()]);
        await Promise.all(stores.map((s) => (s.status === 'fulfilled' ? s.value.close() : undefined)));
      })();
      return closing;
    },
  };
}
