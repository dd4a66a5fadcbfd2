// A scraped profile as an /ingest request: the name, the time window, the multipart parts.
import { describe, expect, it } from 'vitest';
import { defaultProfiles } from '../../../src/config/scrape-defaults.js';
import { parseMultipart } from '../../../src/ingest/multipart.js';
import { buildUpload, profileWindow, sampleTypeConfigJson, seriesName } from '../../../src/scrape/upload.js';

describe('scrape upload', () => {
  it('names the series app{public labels} with keys sorted; __ labels stay out', () => {
    expect(seriesName('shop', { job: 'j', instance: 'h:1', env: 'prod', __address__: 'h:1', __name__: 'shop', __profile_cpu_path: '/x' })).toBe(
      'shop{env=prod,instance=h:1,job=j}',
    );
  });

  it('writes sample_type_config as the original does: empty and false fields omitted', () => {
    expect(JSON.parse(sampleTypeConfigJson(defaultProfiles(false).mem))).toEqual({
      inuse_objects: { units: 'objects', aggregation: 'average' },
      alloc_objects: { units: 'objects', cumulative: true },
      inuse_space: { units: 'bytes', aggregation: 'average' },
      alloc_space: { units: 'bytes', cumulative: true },
    });
    expect(JSON.parse(sampleTypeConfigJson(defaultProfiles(false).cpu))).toEqual({ samples: { units: 'samples', 'display-name': 'cpu', sampled: true } });
  });

  it('aligns windows as the original: collected profiles from the rounded start, instant ones over the interval', () => {
    expect(profileWindow(1_700_000_004_400, 10_000, 10_000)).toEqual({ fromMs: 1_700_000_000_000, untilMs: 1_700_000_010_000 });
    expect(profileWindow(1_700_000_005_000, 10_000, 10_000)).toEqual({ fromMs: 1_700_000_010_000, untilMs: 1_700_000_020_000 });
    expect(profileWindow(1_700_000_012_000, 0, 15_000)).toEqual({ fromMs: 1_699_999_995_000, untilMs: 1_700_000_010_000 });
  });

  it('builds a multipart body with file parts profile, prev_profile and sample_type_config, and no format', () => {
    const u = buildUpload({
      appName: 'a',
      spyName: 'gospy',
      labels: { job: 'j', instance: 'h:1' },
      profile: defaultProfiles(false).mem,
      body: Buffer.from('cur'),
      prev: Buffer.from('prev'),
      fromMs: 1_700_000_000_000,
      untilMs: 1_700_000_010_000,
    });
    expect(u.query).toEqual({ name: 'a{instance=h:1,job=j}', from: '1700000000', until: '1700000010', spyName: 'gospy' });
    const parts = parseMultipart(u.body, u.contentType);
    expect(parts.map((p) => [p.name, p.filename, Buffer.from(p.data).toString().slice(0, 4)])).toEqual([
      ['profile', 'profile.pprof', 'cur'],
      ['prev_profile', 'profile.pprof', 'prev'],
      ['sample_type_config', 'sample_type_config.json', '{"in'],
    ]);
  });
});
