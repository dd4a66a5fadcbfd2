// FlameQL: `app.name{k="v", k2!="x", k3=~"re", k4!~"re"}` → SeriesSelector. Pure.
// Values must be double-quoted; escapes follow Go string literals, except that an unknown escape
// (`\.`, `\d`) is kept verbatim so regexes written for OG (which only stripped the quotes) still work.
import { invalidParameter } from '../model/errors.js';
import { QUERY_NAME_LIMITS, goQuoteRune, parseName, queryLengthError, validateAppName } from '../model/name.js';
import { labelRegexError } from '../model/regex.js';
import type { LabelMatcher, MatchOp, SeriesSelector } from '../model/selector.js';

const KEY_RUNE = /[A-Za-z0-9_.]/;
const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';

/** Parses a FlameQL query; throws PyrelayError('invalid_parameter') with OG-style messages. */
export function parseFlameQL(raw: string): SeriesSelector {
  const q = raw.trim();
  const brace = q.indexOf('{');
  const appName = (brace < 0 ? q : q.slice(0, brace)).trim();
  // Same app-name rules as `name` on /ingest (`[A-Za-z0-9_./-]+`), so every stored app can be queried.
  const appErr = validateAppName(appName) ?? queryLengthError('application name', appName);
  if (appErr !== undefined) throw invalidParameter(appErr);
  if (brace < 0) return { appName, matchers: [] };
  if (!q.endsWith('}')) throw invalidParameter(`invalid query syntax: expected } at the end: ${q}`);
  return { appName, matchers: parseMatchers(q, brace + 1, q.length - 1) };
}

/** Matchers between `start` (after `{`) and `end` (the closing `}`), comma-separated; a trailing comma is allowed. */
function parseMatchers(q: string, start: number, end: number): LabelMatcher[] {
  const matchers: LabelMatcher[] = [];
  let i = start;
  const skipSpace = () => {
    while (i < end && isSpace(q[i])) i++;
  };
  for (;;) {
    skipSpace();
    if (i >= end) break;
    const keyStart = i;
    while (i < end && KEY_RUNE.test(q[i])) i++;
    const key = q.slice(keyStart, i);
    const stop = q[i];
    if (i < end && stop !== '=' && stop !== '!' && !isSpace(stop)) {
      throw invalidParameter(`invalid tag key: ${q.slice(keyStart, i + 1)}: character is not allowed: ${goQuoteRune(stop)}`);
    }
    if (key === '') throw invalidParameter(`tag key is required: ${q.slice(keyStart, end)}`);
    if (key === '__name__') throw invalidParameter('tag key is reserved: __name__');
    const keyLengthErr = queryLengthError('tag key', key);
    if (keyLengthErr !== undefined) throw invalidParameter(keyLengthErr);
    skipSpace();
    const op = readOp(q, i, end);
    if (op === undefined) throw invalidParameter(`match operator is required: ${q.slice(keyStart, end)}`);
    i += op.length;
    skipSpace();
    if (q[i] !== '"') throw invalidParameter(`invalid tag value syntax: ${key}: the value must be double-quoted`);
    const { value, next } = readQuoted(q, i, end, key);
    i = next;
    if (op === '=~' || op === '!~') checkRegex(key, value);
    else {
      const valueLengthErr = queryLengthError('tag value', value);
      if (valueLengthErr !== undefined) throw invalidParameter(`${key}: ${valueLengthErr}`);
    }
    matchers.push({ name: key, op, value });
    skipSpace();
    if (i >= end) break;
    if (q[i] !== ',') throw invalidParameter(`invalid tag matchers syntax: expected ',' after ${key}${op}"${value}"`);
    i++;
  }
  return matchers;
}

function readOp(q: string, i: number, end: number): MatchOp | undefined {
  const two = i + 1 < end ? q.slice(i, i + 2) : '';
  if (two === '=~' || two === '!=' || two === '!~') return two;
  if (q[i] === '=' && i < end) return '=';
  return undefined;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

/** Reads a double-quoted Go-style string starting at `q[i] === '"'`; returns the value and the index after the closing quote. */
function readQuoted(q: string, i: number, end: number, key: string): { value: string; next: number } {
  let out = '';
  let j = i + 1;
  while (j < end) {
    const c = q[j];
    if (c === '"') return { value: out, next: j + 1 };
    if (c !== '\\') {
      out += c;
      j++;
      continue;
    }
    const e = q[j + 1];
    if (e === undefined || j + 1 >= end) break;
    if (e in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[e];
      j += 2;
      continue;
    }
    const hexLen = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    const hex = q.slice(j + 2, j + 2 + hexLen);
    if (hexLen > 0 && hex.length === hexLen && /^[0-9A-Fa-f]+$/.test(hex)) {
      out += String.fromCodePoint(parseInt(hex, 16));
      j += 2 + hexLen;
      continue;
    }
    const oct = q.slice(j + 1, j + 4);
    if (/^[0-7]{3}$/.test(oct)) {
      out += String.fromCharCode(parseInt(oct, 8));
      j += 4;
      continue;
    }
    out += c + e; // unknown escape: keep it (regex syntax such as \. or \d)
    j += 2;
  }
  throw invalidParameter(`invalid tag value syntax: ${key}: unterminated quoted value`);
}

/** Fails at parse time with the RE2 parser's reason; the anchoring does not change validity. */
function checkRegex(key: string, value: string): void {
  const reason = labelRegexError(value);
  if (reason !== undefined) throw invalidParameter(`invalid tag value syntax: ${key}: invalid regex "${value}": ${reason}`);
}

const quote = (v: string) => JSON.stringify(v);

/** The canonical FlameQL text of a selector (`app{k="v",k2=~"re"}`), shown as `metadata.query`. */
export function formatSelector(s: SeriesSelector): string {
  return `${s.appName}{${s.matchers.map((m) => `${m.name}${m.op}${quote(m.value)}`).join(',')}}`;
}

/**
 * `name` is an alias of `query` (docs/compatibility.md#23). Clients send either FlameQL or a segment key (`app{k=v}`,
 * values unquoted); the latter becomes `=` matchers with the values verbatim.
 */
export function parseQueryOrName(raw: string): SeriesSelector {
  try {
    return parseFlameQL(raw);
  } catch (flameqlError) {
    if (raw.includes('"')) throw flameqlError; // quoted values: it was meant as FlameQL
    let key;
    try {
      key = parseName(raw, QUERY_NAME_LIMITS);
    } catch {
      throw flameqlError;
    }
    const matchers = Object.keys(key.labels).map((name): LabelMatcher => ({ name, op: '=', value: key.labels[name] }));
    return { appName: key.appName, matchers };
  }
}
