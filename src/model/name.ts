// The `name` query parameter (`app.name{k=v,...}`) -> SeriesKey. A state machine like OG's
// ParseKey, with docs/compatibility.md#5: dotted tag keys are accepted (every Node 0.6 client sends them) and app
// names may contain `/` (as Grafana allows). Error texts are OG's so clients see familiar messages.
import { invalidParameter } from './errors.js';
import type { SeriesKey } from './series-key.js';

export const RESERVED_NAME_KEY = '__name__';

const isTagKeyChar = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '_' || c === '.';

const isAppNameChar = (c: string) => isTagKeyChar(c) || c === '-' || c === '/';

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const SHORT_ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '\\': '\\\\',
  "'": "\\'",
};

/** Go's `%q` of a rune (strconv.QuoteRune): `'-'`, `'\n'`, `'\x00'`, `'\u200b'`. */
export function goQuoteRune(c: string): string {
  const short = SHORT_ESCAPES[c];
  if (short !== undefined) return `'${short}'`;
  if (PRINTABLE.test(c)) return `'${c}'`;
  const cp = c.codePointAt(0)!;
  if (cp < 0x80) return `'\\x${cp.toString(16).padStart(2, '0')}'`;
  if (cp < 0x10000) return `'\\u${cp.toString(16).padStart(4, '0')}'`;
  return `'\\U${cp.toString(16).padStart(8, '0')}'`;
}

const badChar = (what: string, s: string, c: string) => `${what}: ${s}: character is not allowed: ${goQuoteRune(c)}`;

/** Returns OG's error text for an invalid tag key, or undefined when the key is valid (`[A-Za-z0-9_.]+`, not reserved). */
export function validateTagKey(key: string): string | undefined {
  if (key.length === 0) return 'tag key is required';
  for (const c of key) {
    if (!isTagKeyChar(c)) return badChar('invalid tag key', key, c);
  }
  if (key === RESERVED_NAME_KEY) return `tag key is reserved: ${key}`;
  return undefined;
}

/** Returns OG's error text for an invalid application name, or undefined when it is valid (`[A-Za-z0-9_./-]+`). */
export function validateAppName(name: string): string | undefined {
  if (name.length === 0) return 'application name is required';
  for (const c of name) {
    if (!isAppNameChar(c)) return badChar('invalid application name', name, c);
  }
  return undefined;
}

const fail = (text: string) => invalidParameter(`name: ${text}`);

/**
 * Parses `app{k=v,...}`. Throws a 400 `name: <OG error>`. Keys and values are trimmed, values kept
 * verbatim otherwise (quotes too, docs/compatibility.md#18); a key without `=` before `}` and an unterminated pair are
 * dropped; everything after the closing `}` is ignored; a `__name__` tag replaces the app name.
 */
export function parseName(raw: string): SeriesKey {
  const open = raw.indexOf('{');
  const appPart = (open < 0 ? raw : raw.slice(0, open)).trim();
  const appErr = validateAppName(appPart);
  if (appErr !== undefined) throw fail(appErr);

  let appName = appPart;
  // No prototype, so a tag key like `__proto__` is stored like any other.
  const labels: Record<string, string> = Object.create(null);
  if (open >= 0) {
    let state: 'key' | 'value' = 'key';
    let key = '';
    let start = open + 1; // start of the current key or value
    for (let i = open + 1; i < raw.length; i++) {
      const c = raw[i];
      if (state === 'key') {
        if (c === '}') break; // a key without `=` is dropped
        if (c === '=') {
          key = raw.slice(start, i).trim();
          state = 'value';
          start = i + 1;
        }
        // OG keeps `,` and `{` inside a key, so `a,b=c` fails validation on ','.
      } else if (c === ',' || c === '}') {
        if (key !== RESERVED_NAME_KEY) {
          const keyErr = validateTagKey(key);
          if (keyErr !== undefined) throw fail(keyErr);
        }
        const value = raw.slice(start, i).trim();
        if (key === RESERVED_NAME_KEY) {
          const nameErr = validateAppName(value);
          if (nameErr !== undefined) throw fail(nameErr);
          appName = value;
        } else {
          labels[key] = value;
        }
        if (c === '}') break;
        state = 'key';
        start = i + 1;
      }
    }
  }
  return { appName, labels };
}
