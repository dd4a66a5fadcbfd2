import { describe, expect, it } from 'vitest';
import { Tree } from '../../../src/model/tree.js';
import { buildDiffRender, buildRender, renderQuery } from '../../../src/query/render.js';
import type { SelectResult } from '../../../src/store/types.js';
import { createMemoryStore, profile } from '../../helpers/memory-store.js';

const T0 = 1_700_000_000_000;
const result = (stacks: [string[], number][], md?: Partial<NonNullable<SelectResult['metadata']>>): SelectResult => ({
  tree: Tree.fromStacks(stacks),
  metadata: md && { spyName: 'pyspy', sampleRate: 100, units: 'samples', aggregation: 'sum', ...md },
  timeline: { startTime: T0 / 1000, durationDelta: 10, samples: [1, 2] },
  treesRead: 1,
});
const side = (appName: string, startMs = T0, endMs = T0 + 20_000) => ({ selector: { appName, matchers: [] }, range: { startMs, endMs } });

describe('buildRender', () => {
  it('has every field the UI reads and no aggregation type', () => {
    const r = buildRender(result([[['a'], 2]], {}), { ...side('app.cpu'), maxNodes: 1024 });
    expect(Object.keys(r).sort()).toEqual(['annotations', 'flamebearer', 'groups', 'heatmap', 'metadata', 'telemetry', 'timeline', 'version']);
    expect(r.telemetry.treesRead).toBe(1); // what the store reported
    expect(r.metadata).toEqual({
      format: 'single',
      spyName: 'pyspy',
      sampleRate: 100,
      units: 'samples',
      name: 'app.cpu 2023-11-14T22:13:20Z',
      appName: 'app.cpu',
      startTime: T0 / 1000,
      endTime: T0 / 1000 + 20,
      query: 'app.cpu{}',
      maxNodes: 1024,
    });
    expect(r.timeline).toEqual({ startTime: T0 / 1000, durationDelta: 10, samples: [1, 2], watermarks: {} });
    expect(JSON.stringify(r)).not.toMatch(/aggregation/);
  });

  it('falls back to the ingest defaults when nothing matched', () => {
    const r = buildRender(result([]), { ...side('x.cpu'), maxNodes: -1 });
    expect(r.metadata).toMatchObject({ spyName: 'unknown', sampleRate: 100, units: 'samples' });
  });
});

describe('buildDiffRender', () => {
  it('names the app diff_<left> when the apps differ and spans both ranges', () => {
    const r = buildDiffRender(result([[['a'], 1]], {}), result([[['a'], 3]], {}), side('l.cpu', T0, T0 + 10_000), side('r.cpu', T0 - 5000, T0 + 5000), -1);
    expect(r.metadata).toMatchObject({ format: 'double', appName: 'diff_l.cpu', startTime: T0 / 1000 - 5, endTime: T0 / 1000 + 10 });
    expect([r.leftTicks, r.rightTicks, r.flamebearer.numTicks]).toEqual([1, 3, 4]);
    expect(r.timeline).toBeNull();
  });

  it('rejects different sample rates with a 400', () => {
    expect(() => buildDiffRender(result([], { sampleRate: 100 }), result([], { sampleRate: 99 }), side('a'), side('a'), -1)).toThrow(
      'left sample rate (100) does not match right sample rate (99)',
    );
  });
});

describe('renderQuery', () => {
  it('leaves out groups without data', async () => {
    const store = createMemoryStore([profile('app.cpu', { env: 'prod' }, { a: 1 }, T0)]);
    const r = await renderQuery(store, { ...side('app.cpu'), maxNodes: -1, groupBy: 'env' });
    expect(Object.keys(r.groups)).toEqual(['prod']);
  });
});
