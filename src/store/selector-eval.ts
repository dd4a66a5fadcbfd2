// FlameQL selector evaluation over a label index: intersect the app and every `=`/`=~`
// dimension, then subtract every `!=`/`!~` match. Pure: the index is passed in as two lookups.
import { compileLabelRegex, type LabelRegex, type LabelRegexOptions } from '../model/regex.js';
import type { LabelMatcher, SeriesSelector } from '../model/selector.js';

export const APP_LABEL = '__name__';

export interface LabelIndexView {
  /** Series ids having `name=value`. */
  seriesWith(name: string, value: string): Iterable<number>;
  /** Every value stored for `name`. */
  valuesOf(name: string): Iterable<string>;
}

export type RegexOptions = LabelRegexOptions;

/** Compiles a `=~`/`!~` matcher's value (RE2 semantics, linear time); invalid ones throw 'invalid_parameter'. */
export const compileRegex = (m: LabelMatcher, opts: RegexOptions): LabelRegex => compileLabelRegex(m.value, opts, `matcher ${m.name}${m.op}${JSON.stringify(m.value)}`);

function matching(m: LabelMatcher, view: LabelIndexView, opts: RegexOptions): Set<number> {
  const out = new Set<number>();
  if (m.op === '=' || m.op === '!=') {
    for (const id of view.seriesWith(m.name, m.value)) out.add(id);
    return out;
  }
  const re = compileRegex(m, opts);
  for (const value of view.valuesOf(m.name)) {
    if (re.test(value)) for (const id of view.seriesWith(m.name, value)) out.add(id);
  }
  return out;
}

/** Series ids matching `selector`, ascending. Invalid regexes throw 'invalid_parameter'. */
export function evaluateSelector(selector: SeriesSelector, view: LabelIndexView, opts: RegexOptions): number[] {
  // Compile every regex first so an invalid one fails even when an earlier dimension is empty.
  for (const m of selector.matchers) if (m.op === '=~' || m.op === '!~') compileRegex(m, opts);
  let result = new Set<number>(view.seriesWith(APP_LABEL, selector.appName));
  for (const m of selector.matchers) {
    if (result.size === 0) break;
    if (m.op !== '=' && m.op !== '=~') continue;
    const dim = matching(m, view, opts);
    result = new Set([...result].filter((id) => dim.has(id)));
  }
  for (const m of selector.matchers) {
    if (result.size === 0) break;
    if (m.op !== '!=' && m.op !== '!~') continue;
    for (const id of matching(m, view, opts)) result.delete(id);
  }
  return [...result].sort((a, b) => a - b);
}
