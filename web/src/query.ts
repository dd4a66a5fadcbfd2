// Pure helpers for the UI's URL state: FlameQL queries (`app{k="v"}`), time parameters (`now-1h`, unix
// seconds) and the original's URL parameters, so old links and bookmarks keep working.

export interface Matcher {
  key: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

export interface ParsedQuery {
  appName: string;
  matchers: Matcher[];
}

const MATCHER = /\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*,?/y;

/** `app{k="v",x!="y"}` → parts. Text that does not parse keeps its app name and drops the matchers. */
export function parseQuery(query: string): ParsedQuery {
  const q = query.trim();
  const brace = q.indexOf('{');
  if (brace < 0) return { appName: q, matchers: [] };
  const appName = q.slice(0, brace).trim();
  const body = q.slice(brace + 1, q.lastIndexOf('}') < 0 ? undefined : q.lastIndexOf('}'));
  const matchers: Matcher[] = [];
  MATCHER.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (MATCHER.lastIndex < body.length && (m = MATCHER.exec(body)) !== null) {
    matchers.push({ key: m[1], op: m[2] as Matcher['op'], value: m[3].replace(/\\(.)/g, '$1') });
  }
  return { appName, matchers };
}

const quote = (v: string) => `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`;

export function formatQuery(q: ParsedQuery): string {
  return `${q.appName}{${q.matchers.map((m) => `${m.key}${m.op}${quote(m.value)}`).join(',')}}`;
}

/** Adds (or replaces) the `key` matcher. */
export function withMatcher(query: string, m: Matcher): string {
  const p = parseQuery(query);
  return formatQuery({ appName: p.appName, matchers: [...p.matchers.filter((x) => x.key !== m.key), m] });
}

export function withoutMatcher(query: string, key: string): string {
  const p = parseQuery(query);
  return formatQuery({ appName: p.appName, matchers: p.matchers.filter((x) => x.key !== key) });
}

export function withApp(query: string, appName: string): string {
  return formatQuery({ appName, matchers: parseQuery(query).matchers });
}

const UNIT_SECONDS: [RegExp, number][] = [
  [/^(s|sec|second|seconds)$/, 1],
  [/^(m|min|minute|minutes)$/, 60],
  [/^(h|hour|hours)$/, 3600],
  [/^(d|day|days)$/, 86_400],
  [/^(w|week|weeks)$/, 7 * 86_400],
  [/^(M|mon|month|months)$/, 30 * 86_400],
  [/^(y|year|years)$/, 365 * 86_400],
];

/** Resolves a from/until parameter to unix ms, as the server does for the forms the UI writes; undefined if unknown. */
export function resolveTime(text: string, nowMs: number): number | undefined {
  const t = text.trim();
  if (t === '' || t === 'now') return nowMs;
  const rel = /^now-(\d+)([A-Za-z]+)$/.exec(t);
  if (rel) {
    const unit = UNIT_SECONDS.find(([re]) => re.test(rel[2]));
    return unit ? nowMs - Number(rel[1]) * unit[1] * 1000 : undefined;
  }
  if (/^\d+$/.test(t)) {
    if (t.length === 13) return Number(t);
    if (t.length === 16) return Math.floor(Number(t) / 1000);
    if (t.length === 19) return Math.floor(Number(t.slice(0, 16)) / 1000);
    return Number(t) * 1000;
  }
  return undefined;
}

/** Unix seconds as the URL's absolute form (what the original writes after a timeline selection). */
export const unixSeconds = (ms: number) => String(Math.floor(ms / 1000));

export interface TimePreset {
  label: string;
  from: string;
}

export const TIME_PRESETS: TimePreset[] = [
  { label: '5m', from: 'now-5m' },
  { label: '15m', from: 'now-15m' },
  { label: '1h', from: 'now-1h' },
  { label: '6h', from: 'now-6h' },
  { label: '24h', from: 'now-24h' },
  { label: '7d', from: 'now-7d' },
  { label: '30d', from: 'now-30d' },
];

/** A readable form of a from/until pair: `last 1h` for presets, otherwise local dates. */
export function describeRange(from: string, until: string, nowMs: number): string {
  if (until === 'now' && /^now-\d+[A-Za-z]+$/.test(from)) return `last ${from.slice(4)}`;
  const f = resolveTime(from, nowMs);
  const u = resolveTime(until, nowMs);
  if (f === undefined || u === undefined) return `${from} to ${until}`;
  return `${formatDate(f)} to ${formatDate(u)}`;
}

export function formatDate(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** `<input type="datetime-local">` value of a unix ms time (local). */
export function toLocalInput(ms: number): string {
  return formatDate(ms).replace(' ', 'T');
}

/** Unix ms of an `<input type="datetime-local">` value; undefined when empty or invalid. */
export function fromLocalInput(v: string): number | undefined {
  if (v === '') return undefined;
  const ms = new Date(v).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

/** The comparison pages' parameters with the original's defaults: each side's query and range fall back to the shared ones. */
export interface ComparisonParams {
  query: string;
  from: string;
  until: string;
  leftQuery: string;
  leftFrom: string;
  leftUntil: string;
  rightQuery: string;
  rightFrom: string;
  rightUntil: string;
}

export function comparisonParams(search: URLSearchParams, nowMs: number, fallbackQuery: string): ComparisonParams {
  const get = (k: string) => {
    const v = search.get(k);
    return v === null || v === '' ? undefined : v;
  };
  const query = get('query') ?? get('leftQuery') ?? fallbackQuery;
  const from = get('from') ?? 'now-1h';
  const until = get('until') ?? 'now';
  // Without explicit sides, compare the first half of the range with the second half (docs/compatibility.md#59).
  const f = resolveTime(from, nowMs) ?? nowMs - 3600_000;
  const u = resolveTime(until, nowMs) ?? nowMs;
  const mid = unixSeconds(f + (u - f) / 2);
  return {
    query,
    from,
    until,
    leftQuery: get('leftQuery') ?? query,
    leftFrom: get('leftFrom') ?? from,
    leftUntil: get('leftUntil') ?? mid,
    rightQuery: get('rightQuery') ?? query,
    rightFrom: get('rightFrom') ?? mid,
    rightUntil: get('rightUntil') ?? until,
  };
}
