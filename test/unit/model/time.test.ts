import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTime } from '../../../src/model/time.js';

// 2020-01-01T00:00:00Z plus 123 ms, so flooring to seconds is visible.
const NOW = 1_577_836_800_123;
const S = 1000;
const nowSec = String(Math.floor(NOW / S));

describe('parseTime', () => {
  it.each([
    // empty and garbage mean now; forward is the resolved unix seconds
    [undefined, NOW, nowSec],
    ['', NOW, nowSec],
    ['   ', NOW, nowSec],
    ['now', NOW, nowSec],
    ['garbage', NOW, nowSec],
  ])('%j -> now', (raw, ms, forward) => {
    expect(parseTime(raw, NOW)).toEqual({ ms, forward });
  });

  it.each([
    ['now-1s', NOW - 1 * S],
    ['now+1s', NOW + 1 * S],
    ['now-15m', NOW - 15 * 60 * S],
    ['now-1min', NOW - 60 * S],
    ['now-1h', NOW - 3600 * S],
    ['now-7d', NOW - 7 * 86400 * S],
    ['now-1w', NOW - 7 * 86400 * S],
    ['now-1mon', NOW - 30 * 86400 * S],
    ['now-1M', NOW - 30 * 86400 * S],
    ['now-1y', NOW - 365 * 86400 * S],
    ['now-1', NOW], // no unit counts 0
    ['now-1x', NOW], // unknown unit counts 0
    ['-1h', NOW - 3600 * S], // the reference part is ignored
    ['yesterday-1h', NOW - 3600 * S],
    [' now - 1 h ', NOW - 3600 * S], // spaces are deleted first
    ['now-1_0m', NOW - 10 * 60 * S], // so are `_` and `,`
    ['now-1h30m', NOW - 90 * 60 * S], // a sequence of pairs
    ['now-1d+2h', NOW + 2 * 3600 * S], // OG splits at `+` before `-`
  ])('relative %j', (raw, ms) => {
    expect(parseTime(raw, NOW)).toEqual({ ms, forward: String(Math.floor(ms / S)) });
  });

  it.each([
    // digits: length picks the unit; forward keeps the digits as received
    ['1577836800', 1_577_836_800_000],
    ['1690000000', 1_690_000_000_000],
    ['1577836800001', 1_577_836_800_001],
    ['1577836800000001', 1_577_836_800_000],
    ['1577836800999999', 1_577_836_800_999],
    ['1577836800000000001', 1_577_836_800_000],
    ['1690000000123456789', 1_690_000_000_123],
    ['0', 0],
    ['1', 1000],
    ['0001577836800', 1_577_836_800], // 13 digits even with leading zeros: ms
    ['1,577,836,800', 1_577_836_800_000],
  ])('absolute %j', (raw, ms) => {
    expect(parseTime(raw, NOW)).toEqual({ ms, forward: raw.replace(/,/g, '') });
  });

  it.each([
    ['20200101', Date.UTC(2020, 0, 1)],
    ['20230719', Date.UTC(2023, 6, 19)],
    ['20240229', Date.UTC(2024, 1, 29)],
  ])('YYYYMMDD %j -> midnight UTC, forwarded as unix seconds', (raw, ms) => {
    expect(parseTime(raw, NOW)).toEqual({ ms, forward: String(ms / S) });
  });

  it.each([
    ['20230230', 20_230_230_000], // no such date: seconds
    ['18991231', 18_991_231_000], // year must be after 1900
    ['20231301', 20_231_301_000],
    ['20230100', 20_230_100_000],
  ])('invalid date %j falls back to seconds', (raw, ms) => {
    expect(parseTime(raw, NOW)).toEqual({ ms, forward: raw });
  });

  it('treats absurdly large values as now', () => {
    expect(parseTime('99999999999999999999999', NOW)).toEqual({ ms: NOW, forward: nowSec });
    expect(parseTime('now-99999999999999999999999y', NOW)).toEqual({ ms: NOW, forward: nowSec });
  });

  it('never throws and always yields integers', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        const t = parseTime(s, NOW);
        expect(Number.isSafeInteger(t.ms)).toBe(true);
        expect(t.forward).toMatch(/^-?[0-9]+$/);
      }),
      { numRuns: 2000 },
    );
  });
});
