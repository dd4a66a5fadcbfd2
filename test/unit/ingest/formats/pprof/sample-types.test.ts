import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLE_TYPES, parseSampleTypeConfig, periodSampleRate, resolveSlots } from '../../../../../src/ingest/formats/pprof/sample-types.js';

const types = (...t: string[]) => t.map((x) => ({ type: x.split('/')[0], unit: x.split('/')[1] }));

describe('resolveSlots', () => {
  it('maps Go heap types per the default table', () => {
    const slots = resolveSlots(
      { sampleTypes: types('alloc_objects/count', 'alloc_space/bytes', 'inuse_objects/count', 'inuse_space/bytes'), periodType: { type: 'space', unit: 'bytes' }, period: 524288 },
      DEFAULT_SAMPLE_TYPES,
    );
    expect(slots.map((s) => [s.displayName, s.units, s.aggregation, s.cumulative, s.sampleRate, s.valueIndex])).toEqual([
      ['alloc_objects', 'objects', 'sum', true, 0, 0],
      ['alloc_space', 'bytes', 'sum', true, 0, 1],
      ['inuse_objects', 'objects', 'average', false, 0, 2],
      ['inuse_space', 'bytes', 'average', false, 0, 3],
    ]);
  });

  it('maps mutex and goroutine names', () => {
    const slots = resolveSlots({ sampleTypes: types('contentions/count', 'delay/nanoseconds', 'goroutine/count'), periodType: undefined, period: 0 }, DEFAULT_SAMPLE_TYPES);
    expect(slots.map((s) => `${s.displayName}:${s.units}:${s.aggregation}:${s.cumulative}`)).toEqual([
      'mutex_count:lock_samples:sum:true',
      'mutex_duration:lock_nanoseconds:sum:true',
      'goroutines:goroutines:average:false',
    ]);
  });

  it('an unmapped type whose name is taken by a mapped one is not stored twice; duplicates are read once', () => {
    const slots = resolveSlots(
      { sampleTypes: types('cpu/nanoseconds', 'samples/count', 'samples/count', 'wall/nanoseconds'), periodType: { type: 'wall', unit: 'nanoseconds' }, period: 20_000_000 },
      DEFAULT_SAMPLE_TYPES,
    );
    expect(slots.map((s) => [s.sampleType, s.displayName, s.valueIndex, s.sampleRate])).toEqual([
      ['samples', 'cpu', 1, 50],
      ['wall', 'wall', 3, 50],
    ]);
  });
});

describe('periodSampleRate', () => {
  it('uses integer division and the period unit', () => {
    expect(periodSampleRate({ sampleTypes: [], periodType: { type: 'cpu', unit: 'nanoseconds' }, period: 10_224_000 })).toBe(97);
    expect(periodSampleRate({ sampleTypes: [], periodType: { type: 'cpu', unit: 'count' }, period: 3 })).toBe(333_333_333);
    // no usable period: the /ingest default; a period longer than 1 s still gives 1, never 0
    expect(periodSampleRate({ sampleTypes: [], periodType: undefined, period: 3 })).toBe(100);
    expect(periodSampleRate({ sampleTypes: [], periodType: { type: 'cpu', unit: 'nanoseconds' }, period: 0 })).toBe(100);
    expect(periodSampleRate({ sampleTypes: [], periodType: { type: 'cpu', unit: 'nanoseconds' }, period: -10 })).toBe(100);
    expect(periodSampleRate({ sampleTypes: [], periodType: { type: 'cpu', unit: 'seconds' }, period: 2 })).toBe(1);
  });
});

describe('parseSampleTypeConfig', () => {
  const parse = (s: string) => parseSampleTypeConfig(new TextEncoder().encode(s));

  it('reads the documented fields, omitting empty ones', () => {
    const m = parse('{"alloc_space":{"units":"bytes","display-name":"","aggregation":"avg","cumulative":false,"sampled":true},"x":{}}');
    expect(m.get('alloc_space')).toEqual({ units: 'bytes', displayName: undefined, aggregation: 'average', cumulative: false, sampled: true });
    expect(m.get('x')).toEqual({ units: undefined, displayName: undefined, cumulative: undefined, sampled: undefined });
  });

  it.each([
    ['[]', /must be a JSON object/],
    ['{"a": 1}', /sample_type_config.a: must be an object/],
    ['{"a": {"units": 3}}', /sample_type_config.a.units: must be a string/],
    ['{"a": {"cumulative": "yes"}}', /sample_type_config.a.cumulative: must be a boolean/],
  ])('rejects %s', (json, re) => {
    expect(() => parse(json)).toThrow(re);
  });
});
