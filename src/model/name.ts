// The `name` query parameter (`app.name{k=v,...}`) -> SeriesKey. Stricter than the original's ParseKey
// (docs/name-syntax.md): what it would guess at is a 400 here. Dotted tag keys are accepted
// (docs/compatibility.md#5: every Node 0.6 client sends them) and app names may contain `/` (as Grafana
// allows). Error texts start as the original's so clients see familiar messages.
import { PyrelayError, invalidParameter } from './errors.js';
import type { SeriesKey } from './series-key.js';

export const RESERVED_NAME_KEY = '__name__';
/** `__*` keys that real clients send and that stay ordinary tags: pyroscope-go adds `__session_id__` to every upload. */
export const CLIENT_DUNDER_KEYS: ReadonlySet<string> = new Set(['__session_id__']);
/**
 * `__name__` holds the app; every other `__*` key is reserved too (as in Prometheus), so a client cannot
 * set one, except the few real clients send (CLIENT_DUNDER_KEYS).
 */
export const isReservedKey = (key: string) => key.startsWith('__') && !CLIENT_DUNDER_KEYS.has(key);

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

/** Returns OG's error text for an invalid tag key, or undefined when the key is valid (`[A-Za-z0-9_.]+`, not `__*`). */
export function validateTagKey(key: string): string | undefined {
  if (key.length === 0) return 'tag key is required';
  for (const c of key) {
    if (!isTagKeyChar(c)) return badChar('invalid tag key', key, c);
  }
  if (isReservedKey(key)) return `tag key is reserved: ${key}`;
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

/** Length and count limits on `name` (config `ingest.max-*`); checked while parsing, before anything is stored. */
export interface NameLimits {
  /** Characters of the application name (ASCII, so also bytes). */
  maxAppNameLength: number;
  maxTagKeyLength: number;
  /** UTF-8 bytes of one tag value. */
  maxTagValueBytes: number;
  /** Tags in `name` (`ingest.max-labels-per-series`): past it 422, like the decoders' label limit. */
  maxTags: number;
}

/**
 * The defaults of the config keys. Their maxima keep the longest label pair (key + value, or `__name__`
 * + app) well under lmdb's 1978-byte key limit, which turned long names into 500s.
 */
export const DEFAULT_NAME_LIMITS: NameLimits = { maxAppNameLength: 512, maxTagKeyLength: 128, maxTagValueBytes: 1024, maxTags: 64 };
/** The largest the config allows: nothing longer can be stored, so queries past them are a 400, not a 500 from lmdb. */
export const MAX_APP_NAME_LENGTH = 1024;
export const MAX_TAG_KEY_LENGTH = 256;
export const MAX_TAG_VALUE_BYTES = 1024;
/** For names that select rather than store (`name=` on /render, DELETE /api/apps): only the hard maxima apply. */
export const QUERY_NAME_LIMITS: NameLimits = {
  maxAppNameLength: MAX_APP_NAME_LENGTH,
  maxTagKeyLength: MAX_TAG_KEY_LENGTH,
  maxTagValueBytes: MAX_TAG_VALUE_BYTES,
  maxTags: 10_000,
};

/** A 400 when a selector's app name, tag key or value is longer than anything that can be stored; undefined otherwise. */
export function queryLengthError(what: 'application name' | 'tag key' | 'tag value', text: string): string | undefined {
  const [len, max, unit] =
    what === 'application name'
      ? [text.length, MAX_APP_NAME_LENGTH, 'characters']
      : what === 'tag key'
        ? [text.length, MAX_TAG_KEY_LENGTH, 'characters']
        : [Buffer.byteLength(text), MAX_TAG_VALUE_BYTES, 'bytes'];
  return len > max ? `${what} is ${len} ${unit} long, longer than anything stored (at most ${max})` : undefined;
}

// Names are trimmed of spaces only; any other control or layout character is refused where it stands.
const isControl = (code: number) => code < 0x20 || code === 0x7f;
const isSpace = (c: string | undefined) => c === ' ';

/**
 * Parses `app{k=v,...}` strictly (docs/name-syntax.md): app name, then optionally `{`, comma-separated
 * `key=value` pairs (a trailing comma is allowed) and `}`, with nothing but spaces after it. Keys and
 * values are trimmed of spaces, values kept verbatim otherwise (quotes too). Everything else is a 400
 * that says what is wrong and at which offset: an unterminated `{`, a key without `=`, text after `}`,
 * control characters, duplicate and reserved (`__*`) keys, and lengths over `limits`.
 */
export function parseName(raw: string, limits: NameLimits = DEFAULT_NAME_LIMITS): SeriesKey {
  for (let i = 0; i < raw.length; i++) {
    if (isControl(raw.charCodeAt(i))) throw fail(`control character ${goQuoteRune(raw[i])} at offset ${i} is not allowed`);
  }
  const open = raw.indexOf('{');
  const appName = (open < 0 ? raw : raw.slice(0, open)).trim();
  const appErr = validateAppName(appName);
  if (appErr !== undefined) throw fail(appErr);
  if (appName.length > limits.maxAppNameLength) {
    throw limitFail('max-app-name-length', `application name is ${appName.length} characters long, more than the limit of ${limits.maxAppNameLength}`);
  }
  // No prototype, so a tag key like `constructor` is stored like any other.
  const labels: Record<string, string> = Object.create(null);
  if (open < 0) return { appName, labels };

  let count = 0;
  let i = open + 1;
  const n = raw.length;
  const shown = raw.length > 200 ? `${raw.slice(0, 200)}...` : raw;
  const unterminated = () => fail(`missing closing '}' (the tags opened at offset ${open} run to the end): ${shown}`);
  for (;;) {
    while (isSpace(raw[i])) i++;
    if (i >= n) throw unterminated();
    if (raw[i] === '}') break; // `app{}` or a trailing comma
    const keyStart = i;
    while (i < n && raw[i] !== '=' && raw[i] !== ',' && raw[i] !== '}') i++;
    const key = raw.slice(keyStart, i).trim();
    if (i >= n) throw unterminated();
    if (raw[i] !== '=') {
      throw fail(key === '' ? `tag key is required at offset ${keyStart}` : `tag ${key} has no value: expected '=' at offset ${i}`);
    }
    const keyErr = validateTagKey(key);
    if (keyErr !== undefined) throw fail(keyErr);
    if (key.length > limits.maxTagKeyLength) {
      throw limitFail('max-tag-key-length', `tag key at offset ${keyStart} is ${key.length} characters long, more than the limit of ${limits.maxTagKeyLength}`);
    }
    const valueStart = ++i;
    while (i < n && raw[i] !== ',' && raw[i] !== '}') i++;
    if (i >= n) throw unterminated();
    const value = raw.slice(valueStart, i).trim();
    const bytes = Buffer.byteLength(value);
    if (bytes > limits.maxTagValueBytes) {
      throw limitFail('max-tag-value-length', `value of tag ${key} is ${bytes} bytes long, more than the limit of ${limits.maxTagValueBytes}`);
    }
    if (key in labels) throw fail(`duplicate tag key ${key} at offset ${keyStart}`);
    labels[key] = value;
    if (++count > limits.maxTags) {
      throw new PyrelayError('limit_exceeded', `name: more than ${limits.maxTags} tags (ingest.max-labels-per-series)`, {
        limit: 'max-labels-per-series',
      });
    }
    if (raw[i] === '}') break;
    i++; // the comma
  }
  const rest = raw.slice(i + 1);
  if (rest.trim() !== '') throw fail(`unexpected ${goQuoteRune(rest.trim()[0])} at offset ${i + 1 + rest.indexOf(rest.trim()[0])} after the closing '}'`);
  return { appName, labels };
}

/** A length limit: 400 (a bad parameter), counted under the limit's config key. */
const limitFail = (limit: string, text: string) => new PyrelayError('invalid_parameter', `name: ${text} (ingest.${limit})`, { limit });
