import { describe, expect, it } from 'vitest';
import { anchoredForStore, matchesValue, parseLabelSelector } from '../../../src/query/label-selector.js';

describe('Prometheus-style label selectors', () => {
  it('parses the shapes Grafana sends', () => {
    expect(parseLabelSelector('')).toEqual([]);
    expect(parseLabelSelector('{}')).toEqual([]);
    expect(parseLabelSelector('{service_name="shop", env=~"p.*",zone!="b" , x!~\'y\', k=`a\\d`,}')).toEqual([
      { name: 'service_name', op: '=', value: 'shop' },
      { name: 'env', op: '=~', value: 'p.*' },
      { name: 'zone', op: '!=', value: 'b' },
      { name: 'x', op: '!~', value: 'y' },
      { name: 'k', op: '=', value: 'a\\d' },
    ]);
    expect(parseLabelSelector('{a="q\\"uote\\n", otel.scope.name="x"}')).toEqual([
      { name: 'a', op: '=', value: 'q"uote\n' },
      { name: 'otel.scope.name', op: '=', value: 'x' },
    ]);
  });

  it('rejects malformed selectors with a 400 saying where', () => {
    for (const [bad, msg] of [
      ['service_name="x"', /must be \{name="value"/],
      ['{service_name=x}', /must be quoted/],
      ['{service_name~"x"}', /expected =, !=, =~ or !~/],
      ['{a="x" b="y"}', /expected , after a="x"/],
      ['{a="x}', /unterminated/],
      ['{1a="x"}', /expected a label name/],
      ['{a=~"("}', /invalid regex/],
    ] as const) {
      expect(() => parseLabelSelector(bad), bad).toThrow(msg);
    }
    expect(() => parseLabelSelector(`{a="${'x'.repeat(20_000)}"}`)).toThrow(/longer than/);
  });

  it('matches with anchored regexes; a missing label is the empty string', () => {
    const [re] = parseLabelSelector('{env=~"p.*"}');
    expect(matchesValue(re, 'prod')).toBe(true);
    expect(matchesValue(re, 'xprod')).toBe(false);
    expect(matchesValue({ name: 'env', op: '!=', value: 'a' }, undefined)).toBe(true);
    expect(matchesValue({ name: 'env', op: '=', value: '' }, undefined)).toBe(true);
    expect(anchoredForStore(re)).toEqual({ name: 'env', op: '=~', value: '^(?:p.*)$' });
  });
});
