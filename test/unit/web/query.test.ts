import { describe, expect, it } from 'vitest';
import { formatAge, formatBytes, formatValue } from '../../../web/src/format.js';
import { comparisonParams, describeRange, formatQuery, parseQuery, resolveTime, withApp, withMatcher, withoutMatcher } from '../../../web/src/query.js';

const NOW = 1_700_000_000_000;

describe('UI query helpers', () => {
  it('parses and formats FlameQL queries, keeping quotes and operators', () => {
    expect(parseQuery('app.cpu{}')).toEqual({ appName: 'app.cpu', matchers: [] });
    expect(parseQuery('app.cpu')).toEqual({ appName: 'app.cpu', matchers: [] });
    expect(parseQuery('app.cpu{env="prod", region!~"eu-.*",q="a\\"b"}')).toEqual({
      appName: 'app.cpu',
      matchers: [
        { key: 'env', op: '=', value: 'prod' },
        { key: 'region', op: '!~', value: 'eu-.*' },
        { key: 'q', op: '=', value: 'a"b' },
      ],
    });
    expect(formatQuery(parseQuery('app.cpu{env="prod",q="a\\"b"}'))).toBe('app.cpu{env="prod",q="a\\"b"}');
  });

  it('adds, replaces and removes tag matchers; switching app keeps them', () => {
    expect(withMatcher('app.cpu{}', { key: 'env', op: '=', value: 'prod' })).toBe('app.cpu{env="prod"}');
    expect(withMatcher('app.cpu{env="dev",x="1"}', { key: 'env', op: '=', value: 'prod' })).toBe('app.cpu{x="1",env="prod"}');
    expect(withoutMatcher('app.cpu{env="dev",x="1"}', 'env')).toBe('app.cpu{x="1"}');
    expect(withApp('app.cpu{env="dev"}', 'other.alloc')).toBe('other.alloc{env="dev"}');
  });

  it('resolves the time forms the UI writes like the server does', () => {
    expect(resolveTime('now', NOW)).toBe(NOW);
    expect(resolveTime('now-1h', NOW)).toBe(NOW - 3600_000);
    expect(resolveTime('now-30m', NOW)).toBe(NOW - 1800_000);
    expect(resolveTime('now-7d', NOW)).toBe(NOW - 7 * 86_400_000);
    expect(resolveTime('1700000000', NOW)).toBe(1_700_000_000_000);
    expect(resolveTime('1700000000123', NOW)).toBe(1_700_000_000_123);
    expect(resolveTime('1700000000123456', NOW)).toBe(1_700_000_000_123);
    expect(resolveTime('1700000000123456789', NOW)).toBe(1_700_000_000_123);
    expect(resolveTime('yesterday', NOW)).toBeUndefined();
    expect(describeRange('now-1h', 'now', NOW)).toBe('last 1h');
  });

  it('comparison parameters default to the shared query and the two halves of the range', () => {
    const p = comparisonParams(new URLSearchParams('query=app.cpu%7B%7D&from=1700000000&until=1700003600'), NOW, '');
    expect(p).toEqual({
      query: 'app.cpu{}',
      from: '1700000000',
      until: '1700003600',
      leftQuery: 'app.cpu{}',
      leftFrom: '1700000000',
      leftUntil: '1700001800',
      rightQuery: 'app.cpu{}',
      rightFrom: '1700001800',
      rightUntil: '1700003600',
    });
    // Old links that only name the sides keep working.
    const old = comparisonParams(new URLSearchParams('leftQuery=a%7B%7D&rightQuery=b%7B%7D&leftFrom=1&leftUntil=2&rightFrom=3&rightUntil=4'), NOW, 'x{}');
    expect(old).toMatchObject({ query: 'a{}', leftQuery: 'a{}', rightQuery: 'b{}', leftFrom: '1', leftUntil: '2', rightFrom: '3', rightUntil: '4' });
  });

  it('formats values in the profile units', () => {
    expect(formatValue(800, 'samples', 100)).toBe('8 s');
    expect(formatValue(150, 'samples', 100)).toBe('1.5 s');
    expect(formatValue(5, 'samples', 100)).toBe('50 ms');
    expect(formatValue(12, 'samples', 0)).toBe('12 samples');
    expect(formatValue(1536, 'bytes', 0)).toBe('1.5 KiB');
    expect(formatValue(1500, 'objects', 0)).toBe('1.5K objects');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3 MiB');
    expect(formatAge(75)).toBe('1 min 15 s');
  });
});
