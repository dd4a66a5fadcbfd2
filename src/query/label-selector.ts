// Grafana/Prometheus label selectors (`{service_name="x", env=~"p.*"}`), as Grafana's Pyroscope data
// source sends them to the querier. Pure. Values may be "double", 'single' or `raw` quoted; regexes are
// anchored as in Prometheus (checked here so a bad one is a 400 naming the matcher).
import { invalidParameter } from '../model/errors.js';
import type { LabelMatcher, MatchOp } from '../model/selector.js';
import { compileRegex } from '../store/selector-eval.js';

const NAME_START = /[A-Za-z_]/;
const NAME_RUNE = /[A-Za-z0-9_.]/;
const MAX_SELECTOR_LENGTH = 16_384;

const ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };

/** `{}`, `` (empty) or `{name op "value", ...}` → matchers. Throws 400 (invalid_parameter) saying where. */
export function parseLabelSelector(raw: string): LabelMatcher[] {
  if (raw.length > MAX_SELECTOR_LENGTH) throw invalidParameter(`label selector longer than ${MAX_SELECTOR_LENGTH} characters`);
  const s = raw.trim();
  if (s === '') return [];
  if (!s.startsWith('{') || !s.endsWith('}')) throw invalidParameter(`label selector must be {name="value", ...}: ${raw}`);
  const end = s.length - 1;
  let i = 1;
  const out: LabelMatcher[] = [];
  const space = () => {
    while (i < end && /\s/.test(s[i])) i++;
  };
  const at = () => `at position ${i} of ${s}`;
  for (;;) {
    space();
    if (i >= end) break;
    if (!NAME_START.test(s[i])) throw invalidParameter(`label selector: expected a label name ${at()}`);
    const start = i;
    while (i < end && NAME_RUNE.test(s[i])) i++;
    const name = s.slice(start, i);
    space();
    const two = s.slice(i, i + 2);
    const op: MatchOp | undefined = two === '!=' || two === '=~' || two === '!~' ? two : s[i] === '=' ? '=' : undefined;
    if (op === undefined) throw invalidParameter(`label selector: expected =, !=, =~ or !~ after ${name} ${at()}`);
    i += op.length;
    space();
    const quote = s[i];
    if (quote !== '"' && quote !== "'" && quote !== '`') throw invalidParameter(`label selector: the value of ${name} must be quoted ${at()}`);
    i++;
    let value = '';
    for (;;) {
      if (i >= end) throw invalidParameter(`label selector: unterminated value of ${name}`);
      const c = s[i];
      if (c === quote) {
        i++;
        break;
      }
      if (c === '\\' && quote !== '`') {
        const e = s[i + 1];
        if (e !== undefined && e in ESCAPES) {
          value += ESCAPES[e];
          i += 2;
          continue;
        }
        value += c + (e ?? ''); // regex escapes such as \d or \. stay as written
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    const m: LabelMatcher = { name, op, value };
    if (op === '=~' || op === '!~') compileRegex(m, { anchored: true });
    out.push(m);
    space();
    if (i >= end) break;
    if (s[i] !== ',') throw invalidParameter(`label selector: expected , after ${name}${op}${JSON.stringify(value)} ${at()}`);
    i++;
  }
  return out;
}

/** Whether `value` satisfies `m` with Prometheus semantics (regexes anchored; a missing label is ''). */
export function matchesValue(m: LabelMatcher, value: string | undefined): boolean {
  const v = value ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return compileRegex(m, { anchored: true }).test(v);
    case '!~':
      return !compileRegex(m, { anchored: true }).test(v);
  }
}

/** A tag matcher for the store, whose regexes search unanchored (the original's FlameQL): anchor it here. */
export function anchoredForStore(m: LabelMatcher): LabelMatcher {
  return m.op === '=~' || m.op === '!~' ? { ...m, value: `^(?:${m.value})$` } : m;
}
