// Tenants in the store's keys: each tenant's view holds only its own apps under their own names, the
// default tenant's keys are the ones the store always had, and retention can differ per tenant.
import { afterEach, describe, expect, it } from 'vitest';
import { createTenantStores } from '../../../src/store/tenant-stores.js';
import { T0, folded, profile, tempStore } from './helpers.js';

const HOUR = { startMs: T0, endMs: T0 + 3_600_000 };
let cleanup: () => Promise<void> = async () => {};
afterEach(() => cleanup());

describe('tenant-scoped store', () => {
  it('isolates tenants on every read and keeps the default tenant’s keys unchanged', async () => {
    const env = await tempStore();
    cleanup = env.cleanup;
    const stores = createTenantStores(env.store);
    await stores.put({ ...profile('shop.cpu', { env: 'prod' }, { 'a;b': 3 }, T0), tenant: 'team-a' });
    await stores.put({ ...profile('shop.cpu', { zone: 'z' }, { 'c;d': 5 }, T0), tenant: 'team-b' });
    await stores.put(profile('shop.cpu', { host: 'h' }, { 'e;f': 7 }, T0)); // no tenant: anonymous
    const [a, b, anon] = ['team-a', 'team-b', 'anonymous'].map((t) => stores.forTenant(t));
    const sel = { appName: 'shop.cpu', matchers: [] };
    expect(folded((await a.select(sel, HOUR)).tree)).toEqual({ 'a;b': 3 });
    expect(folded((await b.select(sel, HOUR)).tree)).toEqual({ 'c;d': 5 });
    expect(folded((await anon.select(sel, HOUR)).tree)).toEqual({ 'e;f': 7 });
    expect(await a.labelNames()).toEqual(['__name__', 'env']);
    expect(await b.labelNames(sel, HOUR)).toEqual(['__name__', 'zone']);
    expect(await a.labelValues('__name__')).toEqual(['shop.cpu']);
    expect(await a.labelValues('zone')).toEqual([]);
    expect(await b.labelValues('zone', undefined, HOUR)).toEqual(['z']);
    expect((await a.apps()).map((x) => x.name)).toEqual(['shop.cpu']);
    expect(await stores.tenants()).toEqual(['anonymous', 'team-a', 'team-b']);
    // The raw store shows the default tenant's app under its plain name, the others prefixed.
    expect((await env.store.apps()).map((x) => x.name).sort()).toEqual(['shop.cpu', 'team-a|shop.cpu', 'team-b|shop.cpu']);
    expect(await a.deleteApp('shop.cpu')).toBe(true);
    expect(await a.apps()).toEqual([]);
    expect(folded((await b.select(sel, HOUR)).tree)).toEqual({ 'c;d': 5 });
    expect(folded((await anon.select(sel, HOUR)).tree)).toEqual({ 'e;f': 7 });
  });

  it('applies a tenant’s own retention on write and in the sweep', async () => {
    const env = await tempStore({ tenantRetentionMs: { short: 3_600_000 } });
    cleanup = env.cleanup;
    const stores = createTenantStores(env.store);
    const now = env.clock.now();
    // Older than 1 h: refused for `short` only.
    await expect(stores.put({ ...profile('x.cpu', {}, { a: 1 }, now - 7_200_000), tenant: 'short' })).rejects.toThrow(/older than the retention/);
    await stores.put({ ...profile('x.cpu', {}, { a: 1 }, now - 7_200_000), tenant: 'long' });
    await stores.put({ ...profile('x.cpu', {}, { a: 2 }, now - 600_000), tenant: 'short' });
    await env.clock.advance(3_600_000);
    expect(await env.store.sweepRetention()).toBeGreaterThan(0);
    const range = { startMs: now - 8_000_000, endMs: now + 3_600_000 };
    expect((await stores.forTenant('short').select({ appName: 'x.cpu', matchers: [] }, range)).tree.total).toBe(0);
    expect(await stores.forTenant('short').apps()).toEqual([]);
    expect((await stores.forTenant('long').select({ appName: 'x.cpu', matchers: [] }, range)).tree.total).toBe(1);
  });
});
