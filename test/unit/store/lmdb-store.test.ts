import { afterEach, describe, expect, it } from 'vitest';
import { isPyrelayError } from '../../../src/model/errors.js';
import type { LabelMatcher } from '../../../src/model/selector.js';
import { T0, folded, profile, tempStore } from './helpers.js';

const m = (name: string, op: LabelMatcher['op'], value: string): LabelMatcher => ({ name, op, value });
const HOUR = { startMs: T0, endMs: T0 + 3_600_000 };
let cleanup: () => Promise<void> = async () => {};
afterEach(() => cleanup());

async function seeded() {
  const env = await tempStore();
  cleanup = env.cleanup;
  const { store } = env;
  await Promise.all([
    store.put(profile('app.cpu', { env: 'prod', host: 'a' }, { 'main;work': 3 }, T0)),
    store.put(profile('app.cpu', { env: 'prod', host: 'a' }, { 'main;work': 1, 'main;idle': 1 }, T0 + 10_000)),
    store.put(profile('app.cpu', { env: 'staging', host: 'b' }, { 'main;test': 5 }, T0 + 20_000)),
    store.put(profile('app.cpu', { host: 'ab' }, { 'main;x': 7 }, T0 + 600_000)),
    store.put(profile('other.alloc_objects', { env: 'prod', region: 'eu' }, { 'alloc;buf': 2 }, T0 + 7_200_000)),
  ]);
  return env;
}

describe('lmdb store: put + select', () => {
  it('merges every matching series exactly', async () => {
    const { store } = await seeded();
    const all = await store.select({ appName: 'app.cpu', matchers: [] }, HOUR);
    expect(folded(all.tree)).toEqual({ 'main;idle': 1, 'main;test': 5, 'main;work': 4, 'main;x': 7 });
    expect(all.metadata).toEqual({ spyName: 'gospy', sampleRate: 100, units: 'samples', aggregation: 'sum' });
    expect(all.treesRead).toBeGreaterThan(0);

    const prod = await store.select({ appName: 'app.cpu', matchers: [m('env', '=', 'prod')] }, HOUR);
    expect(folded(prod.tree)).toEqual({ 'main;idle': 1, 'main;work': 4 });
    const notProd = await store.select({ appName: 'app.cpu', matchers: [m('env', '!=', 'prod')] }, HOUR);
    expect(folded(notProd.tree)).toEqual({ 'main;test': 5, 'main;x': 7 });
    const re = await store.select({ appName: 'app.cpu', matchers: [m('host', '=~', '^a')] }, HOUR);
    expect(folded(re.tree)).toEqual({ 'main;idle': 1, 'main;work': 4, 'main;x': 7 });
    const nre = await store.select({ appName: 'app.cpu', matchers: [m('host', '!~', 'b')] }, HOUR);
    expect(folded(nre.tree)).toEqual({ 'main;idle': 1, 'main;work': 4 });
  });

  it('restricts to the time range and builds the timeline from node totals', async () => {
    const { store } = await seeded();
    const r = await store.select({ appName: 'app.cpu', matchers: [] }, { startMs: T0 + 5_000, endMs: T0 + 20_000 });
    // aligned to [T0, T0+20 s): the first two writes only
    expect(folded(r.tree)).toEqual({ 'main;idle': 1, 'main;work': 4 });
    expect(r.timeline).toEqual({ startTime: T0 / 1000, durationDelta: 10, samples: [3, 2] });
    const h = await store.select({ appName: 'app.cpu', matchers: [] }, HOUR);
    expect(h.timeline.samples).toHaveLength(360);
    expect(h.timeline.samples.slice(0, 3)).toEqual([3, 2, 5]);
    expect(h.timeline.samples[60]).toBe(7);
    expect(h.timeline.samples.reduce((a, b) => a + b)).toBe(17);
  });

  it('returns an empty result with a timeline when nothing matches', async () => {
    const { store } = await seeded();
    const r = await store.select({ appName: 'nope.cpu', matchers: [] }, HOUR);
    expect(r.tree.total).toBe(0);
    expect(r.metadata).toBeUndefined();
    expect(r.treesRead).toBe(0);
    expect(r.timeline.samples.every((v) => v === 0)).toBe(true);
  });

  it('rejects an invalid regex as invalid_parameter', async () => {
    const { store } = await seeded();
    await expect(store.select({ appName: 'app.cpu', matchers: [m('host', '=~', '[')] }, HOUR)).rejects.toSatisfy(
      (e) => isPyrelayError(e) && e.code === 'invalid_parameter' && e.message.includes('host=~"["'),
    );
  });

  it('lists label names and values, including __name__, with and without a range', async () => {
    const { store } = await seeded();
    expect(await store.labelNames()).toEqual(['__name__', 'env', 'host', 'region']);
    expect(await store.labelNames({ appName: 'app.cpu', matchers: [] })).toEqual(['__name__', 'env', 'host']);
    expect(await store.labelNames(undefined, { startMs: T0 + 7_000_000, endMs: T0 + 8_000_000 })).toEqual(['__name__', 'env', 'region']);
    expect(await store.labelNames(undefined, { startMs: T0 - 100_000, endMs: T0 - 50_000 })).toEqual([]);
    expect(await store.labelValues('__name__')).toEqual(['app.cpu', 'other.alloc_objects']);
    expect(await store.labelValues('env')).toEqual(['prod', 'staging']);
    expect(await store.labelValues('env', { appName: 'app.cpu', matchers: [m('host', '=', 'b')] })).toEqual(['staging']);
    expect(await store.labelValues('host', undefined, { startMs: T0 + 300_000, endMs: T0 + 900_000 })).toEqual(['ab']);
    expect(await store.labelValues('__name__', undefined, { startMs: T0, endMs: T0 + 60_000 })).toEqual(['app.cpu']);
  });

  it('lists apps with their last metadata and deletes an app completely', async () => {
    const { store } = await seeded();
    await store.put({ ...profile('app.cpu', {}, { z: 1 }, T0 + 30_000), metadata: { spyName: 'pyspy', sampleRate: 0, units: '', aggregation: 'sum' } });
    expect(await store.apps()).toEqual([
      { name: 'app.cpu', spyName: 'pyspy' },
      { name: 'other.alloc_objects', spyName: 'gospy', sampleRate: 100, units: 'samples' },
    ]);
    expect(await store.deleteApp('app.cpu')).toBe(true);
    expect(await store.deleteApp('app.cpu')).toBe(false);
    expect((await store.apps()).map((a) => a.name)).toEqual(['other.alloc_objects']);
    expect(await store.labelValues('__name__')).toEqual(['other.alloc_objects']);
    expect(await store.labelValues('host')).toEqual([]);
    const gone = await store.select({ appName: 'app.cpu', matchers: [] }, HOUR);
    expect(gone.tree.total).toBe(0);
    expect(gone.timeline.samples.every((v) => v === 0)).toBe(true);
    // a new write after the delete starts from scratch (fresh dictionary, fresh series)
    await store.put(profile('app.cpu', { host: 'a' }, { 'q;r': 2 }, T0));
    expect(folded((await store.select({ appName: 'app.cpu', matchers: [] }, HOUR)).tree)).toEqual({ 'q;r': 2 });
    const other = await store.select({ appName: 'other.alloc_objects', matchers: [] }, { startMs: T0, endMs: T0 + 86_400_000 });
    expect(folded(other.tree)).toEqual({ 'alloc;buf': 2 });
  });
});

describe('lmdb store: persistence', () => {
  it('returns identical results after close and reopen', async () => {
    const env = await seeded();
    const q = { appName: 'app.cpu', matchers: [m('host', '=~', 'a')] };
    const before = await env.store.select(q, HOUR);
    const labels = await env.store.labelNames();
    const apps = await env.store.apps();
    await env.store.close();
    await env.store.close(); // idempotent
    await expect(env.store.select(q, HOUR)).rejects.toSatisfy((e) => isPyrelayError(e) && e.code === 'unavailable');
    const again = await env.openStore();
    const after = await again.select(q, HOUR);
    expect(folded(after.tree)).toEqual(folded(before.tree));
    expect(after.timeline).toEqual(before.timeline);
    expect(after.treesRead).toBe(before.treesRead);
    expect(after.metadata).toEqual(before.metadata);
    expect(await again.labelNames()).toEqual(labels);
    expect(await again.apps()).toEqual(apps);
    // new symbols and series keep working on top of the reopened dictionary
    await again.put(profile('app.cpu', { host: 'a', env: 'prod' }, { 'main;new': 1 }, T0 + 40_000));
    const merged = await again.select({ appName: 'app.cpu', matchers: [m('env', '=', 'prod')] }, HOUR);
    expect(folded(merged.tree)).toEqual({ 'main;idle': 1, 'main;new': 1, 'main;work': 4 });
  });

  it('close waits for queued puts', async () => {
    const env = await tempStore();
    cleanup = env.cleanup;
    const puts = Array.from({ length: 50 }, (_, i) => env.store.put(profile('w.cpu', {}, { a: 1 }, T0 + i * 10_000)));
    await env.store.close();
    await Promise.all(puts);
    const again = await env.openStore();
    expect((await again.select({ appName: 'w.cpu', matchers: [] }, HOUR)).tree.total).toBe(50);
  });
});
