import { describe, expect, it } from 'vitest';
import { parseIngestRequest } from '../../../src/ingest/request.js';
import { PyrelayError } from '../../../src/model/errors.js';

const NOW = 1_700_000_000_000;
const parse = (q: Record<string, string | string[] | undefined>, h: { contentType?: string; tenant?: string } = {}) => parseIngestRequest(q, h, NOW);

function codeOf(fn: () => unknown): [string, number, string] {
  try {
    fn();
  } catch (e) {
    if (e instanceof PyrelayError) return [e.code, e.status, e.message];
    throw e;
  }
  throw new Error('expected an error');
}

describe('parseIngestRequest', () => {
  it('applies the defaults', () => {
    const r = parse({ name: 'app.cpu' });
    expect(r).toEqual({
      key: { appName: 'app.cpu', labels: {} },
      rawName: 'app.cpu',
      from: { ms: NOW, forward: String(NOW / 1000) },
      until: { ms: NOW, forward: String(NOW / 1000) },
      sampleRate: 100,
      sampleRateGiven: false,
      spyName: 'unknown',
      units: 'samples',
      aggregation: 'sum',
      format: 'groups',
      contentType: undefined,
      tenant: 'anonymous',
      storageTenant: 'anonymous',
    });
  });

  it('reads every parameter', () => {
    const r = parse(
      {
        name: 'app.cpu{env=prod}',
        from: '1699999990',
        until: '1700000000000',
        sampleRate: '17',
        spyName: 'nodespy',
        units: 'objects',
        aggregationType: 'average',
        format: 'pprof',
      },
      { contentType: 'multipart/form-data; boundary=x', tenant: 'team-a' },
    );
    expect(r.key).toEqual({ appName: 'app.cpu', labels: { env: 'prod' } });
    expect(r.from).toEqual({ ms: 1_699_999_990_000, forward: '1699999990' });
    expect(r.until).toEqual({ ms: 1_700_000_000_000, forward: '1700000000000' });
    expect(r.sampleRate).toBe(17);
    expect(r.sampleRateGiven).toBe(true);
    expect(r.spyName).toBe('nodespy');
    expect(r.units).toBe('objects');
    expect(r.aggregation).toBe('average');
    expect(r.format).toBe('pprof');
    expect(r.contentType).toBe('multipart/form-data; boundary=x');
    expect(r.tenant).toBe('team-a');
  });

  it.each([
    ['avg', 'average'],
    ['average', 'average'],
    ['sum', 'sum'],
    ['max', 'sum'], // not validated
    ['', 'sum'],
  ])('aggregationType=%j -> %s', (raw, want) => {
    expect(parse({ name: 'a', aggregationType: raw }).aggregation).toBe(want);
  });

  it.each([
    ['100', 100, true],
    ['0', 100, false], // a rate of 0 is replaced like any invalid one
    ['+7', 7, true],
    ['4294967295', 4294967295, true],
    ['4294967296', 100, false],
    ['-1', 100, false],
    ['1.5', 100, false],
    ['abc', 100, false],
    ['', 100, false],
  ])('sampleRate=%j -> %d (given %s); invalid values are replaced, never rejected', (raw, rate, given) => {
    const r = parse({ name: 'a', sampleRate: raw });
    expect(r.sampleRate).toBe(rate);
    expect(r.sampleRateGiven).toBe(given);
  });

  it('swaps from and until when from > until', () => {
    const r = parse({ name: 'a', from: 'now', until: 'now-1h' });
    expect(r.from.ms).toBe(NOW - 3_600_000);
    expect(r.until.ms).toBe(NOW);
    expect(r.from.forward).toBe(String(NOW / 1000 - 3600));
  });

  it('takes the first value of repeated parameters (Go url.Values.Get)', () => {
    const r = parse({ name: ['first', 'second'], spyName: ['gospy', 'pyspy'] });
    expect(r.key.appName).toBe('first');
    expect(r.spyName).toBe('gospy');
  });

  it('defaults an empty tenant header to anonymous', () => {
    expect(parse({ name: 'a' }, { tenant: '  ' }).tenant).toBe('anonymous');
  });

  it('rejects a missing or empty name with 400', () => {
    expect(codeOf(() => parse({}))).toEqual(['invalid_parameter', 400, 'name: application name is required']);
    expect(codeOf(() => parse({ name: '' }))).toEqual(['invalid_parameter', 400, 'name: application name is required']);
  });

  it('rejects a bad tag key with the OG text', () => {
    expect(codeOf(() => parse({ name: 'app{cluster-name=x}' }))).toEqual(['invalid_parameter', 400, "name: invalid tag key: cluster-name: character is not allowed: '-'"]);
  });

  it('rejects an unknown format with 400', () => {
    expect(codeOf(() => parse({ name: 'a', format: 'xml' }))[0]).toBe('unknown_format');
  });

  it('detects the format from the content type', () => {
    expect(parse({ name: 'a' }, { contentType: 'binary/octet-stream+tree' }).format).toBe('tree');
  });
});
