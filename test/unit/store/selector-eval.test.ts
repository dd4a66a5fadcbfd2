import { describe, expect, it } from 'vitest';
import { isPyrelayError } from '../../../src/model/errors.js';
import type { LabelMatcher } from '../../../src/model/selector.js';
import { evaluateSelector, type LabelIndexView } from '../../../src/store/selector-eval.js';

// series 1: app.cpu{env=prod,host=a}; 2: app.cpu{env=staging,host=b}; 3: app.cpu{host=ab}; 4: other.cpu{env=prod}
const rows: [string, string, number][] = [
  ['__name__', 'app.cpu', 1],
  ['__name__', 'app.cpu', 2],
  ['__name__', 'app.cpu', 3],
  ['__name__', 'other.cpu', 4],
  ['env', 'prod', 1],
  ['env', 'staging', 2],
  ['env', 'prod', 4],
  ['host', 'a', 1],
  ['host', 'b', 2],
  ['host', 'ab', 3],
];
const view: LabelIndexView = {
  seriesWith: (n, v) => rows.filter((r) => r[0] === n && r[1] === v).map((r) => r[2]),
  valuesOf: (n) => [...new Set(rows.filter((r) => r[0] === n).map((r) => r[1]))],
};
const sel = (...matchers: LabelMatcher[]) => ({ appName: 'app.cpu', matchers });
const m = (name: string, op: LabelMatcher['op'], value: string): LabelMatcher => ({ name, op, value });
const og = { anchored: false };

describe('selector evaluation', () => {
  it('intersects the app with = and =~, subtracts != and !~', () => {
    expect(evaluateSelector(sel(), view, og)).toEqual([1, 2, 3]);
    expect(evaluateSelector(sel(m('env', '=', 'prod')), view, og)).toEqual([1]);
    expect(evaluateSelector(sel(m('env', '!=', 'prod')), view, og)).toEqual([2, 3]);
    expect(evaluateSelector(sel(m('host', '=~', 'a|b'), m('env', '!~', 'stag.*')), view, og)).toEqual([1, 3]);
    expect(evaluateSelector(sel(m('env', '=', 'nope')), view, og)).toEqual([]);
    expect(evaluateSelector({ appName: 'missing', matchers: [] }, view, og)).toEqual([]);
  });

  it('regex is an unanchored search by default (OG) and anchored on request', () => {
    expect(evaluateSelector(sel(m('host', '=~', 'b')), view, og)).toEqual([2, 3]);
    expect(evaluateSelector(sel(m('host', '=~', 'b')), view, { anchored: true })).toEqual([2]);
    expect(evaluateSelector(sel(m('host', '=~', '(?i)AB')), view, { anchored: true })).toEqual([3]);
  });

  it('an invalid regex is invalid_parameter naming the matcher', () => {
    try {
      evaluateSelector(sel(m('env', '=', 'nope'), m('host', '!~', '(')), view, og);
      expect.unreachable();
    } catch (e) {
      expect(isPyrelayError(e) && e.code).toBe('invalid_parameter');
      expect((e as Error).message).toContain('host!~"("');
    }
  });
});
