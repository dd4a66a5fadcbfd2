// Tenants partition one store through its keys: a tenant's app `shop.cpu` is stored as `team-a|shop.cpu`
// (`|` occurs in neither app names nor tenant ids), so its series ids, label index entries, symbol
// dictionary, metadata and retention are all its own, and the default tenant's names are unchanged: data
// written before tenants existed is tenant `anonymous`'s without a migration. `storedAppName` is the one
// place the key is built; everything else here scopes reads to a tenant and strips the prefix again.
import { DEFAULT_TENANT } from '../model/tenant.js';
import { APP_LABEL } from './selector-eval.js';
import type { ProfileStore, TimeRange } from './types.js';
import type { SeriesSelector } from '../model/selector.js';

const SEP = '|';

/** The app name a tenant's app is stored under (unchanged for the default tenant). */
export function storedAppName(tenant: string, appName: string): string {
  return tenant === DEFAULT_TENANT ? appName : `${tenant}${SEP}${appName}`;
}

/** The tenant and app of a stored app name. */
export function splitStoredAppName(stored: string): { tenant: string; appName: string } {
  const i = stored.indexOf(SEP);
  return i < 0 ? { tenant: DEFAULT_TENANT, appName: stored } : { tenant: stored.slice(0, i), appName: stored.slice(i + 1) };
}

export interface TenantStores extends ProfileStore {
  /** One tenant's view: its apps under their own names, nothing of any other tenant. */
  forTenant(tenant: string): ProfileStore;
  /** Tenants with stored apps, the default tenant first. */
  tenants(): Promise<string[]>;
}

const sortedUnique = (values: Iterable<string>) => [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

export function createTenantStores(store: ProfileStore): TenantStores {
  const forTenant = (tenant: string): ProfileStore => {
    const q = (appName: string) => storedAppName(tenant, appName);
    const scoped = (s: SeriesSelector): SeriesSelector => ({ ...s, appName: q(s.appName) });
    const own = (stored: string): string | undefined => {
      const { tenant: t, appName } = splitStoredAppName(stored);
      return t === tenant ? appName : undefined;
    };
    /** The tenant's stored app names (with series in `range` when given). */
    const ownApps = async (range?: TimeRange) => (await store.labelValues(APP_LABEL, undefined, range)).filter((a) => own(a) !== undefined);
    return {
      put: (p) => store.put({ ...p, key: { ...p.key, appName: q(p.key.appName) } }),
      select: (selector, range) => store.select(scoped(selector), range),
      async labelNames(selector, range) {
        if (selector !== undefined) return store.labelNames(scoped(selector), range);
        const names: string[] = [];
        for (const app of await ownApps(range)) names.push(...(await store.labelNames({ appName: app, matchers: [] }, range)));
        return sortedUnique(names);
      },
      async labelValues(label, selector, range) {
        if (label === APP_LABEL) {
          const stored = await store.labelValues(APP_LABEL, selector && scoped(selector), range);
          return sortedUnique(stored.map(own).filter((a): a is string => a !== undefined));
        }
        if (selector !== undefined) return store.labelValues(label, scoped(selector), range);
        const values: string[] = [];
        for (const app of await ownApps(range)) values.push(...(await store.labelValues(label, { appName: app, matchers: [] }, range)));
        return sortedUnique(values);
      },
      async apps() {
        const out = [];
        for (const a of await store.apps()) {
          const name = own(a.name);
          if (name !== undefined) out.push({ ...a, name });
        }
        return out;
      },
      deleteApp: (appName) => store.deleteApp(q(appName)),
      close: async () => {},
    };
  };
  return {
    ...forTenant(DEFAULT_TENANT),
    // A put carries its tenant; one without is the default tenant's.
    put: (p) => forTenant(p.tenant ?? DEFAULT_TENANT).put(p),
    forTenant,
    async tenants() {
      const all = sortedUnique((await store.apps()).map((a) => splitStoredAppName(a.name).tenant));
      return all.includes(DEFAULT_TENANT) ? [DEFAULT_TENANT, ...all.filter((t) => t !== DEFAULT_TENANT)] : all;
    },
    close: () => store.close(),
  };
}
