// `from` / `until` syntax (OG attime.Parse). Parsing never fails: garbage means now.
// Besides the resolved time we keep what to forward to remote targets (docs/compatibility.md#10): absolute digits at
// the precision the client sent, relative times resolved once here so every target sees the same window.

export interface ParsedTime {
  /** Unix milliseconds (integer, floored). */
  ms: number;
  /** Absolute integer to forward as `from`/`until`: the received digits, or unix seconds when resolved here. */
  forward: string;
}

// Beyond this a JS Date is invalid; such inputs are garbage and count as now.
const MAX_ABS_MS = 8.64e15;

const SECOND = 1000;

const atNow = (nowMs: number): ParsedTime => {
  const ms = Math.floor(nowMs);
  return { ms, forward: String(Math.floor(ms / SECOND)) };
};

const resolved = (ms: number, nowMs: number): ParsedTime =>
  Number.isFinite(ms) && Math.abs(ms) <= MAX_ABS_MS ? { ms: Math.floor(ms), forward: String(Math.floor(Math.floor(ms) / SECOND)) } : atNow(nowMs);

/** `YYYYMMDD` with a real calendar date and a year after 1900 (Go's time.Parse("20060102") + OG's check) -> UTC ms. */
function parseYmd(s: string): number | undefined {
  const y = Number(s.slice(0, 4));
  const m = Number(s.slice(4, 6));
  const d = Number(s.slice(6, 8));
  if (y <= 1900 || m < 1 || m > 12 || d < 1) return undefined;
  const ms = Date.UTC(y, m - 1, d);
  // Date.UTC rolls Feb 30 over into March; Go rejects it.
  if (new Date(ms).getUTCDate() !== d) return undefined;
  return ms;
}

/** Digits only: length picks the unit (13 ms, 16 µs, 19 ns, else seconds). BigInt keeps ns exact. */
function parseDigits(s: string, nowMs: number): ParsedTime {
  if (s.length === 8) {
    const ymd = parseYmd(s);
    if (ymd !== undefined) return { ms: ymd, forward: String(ymd / SECOND) };
  }
  const v = BigInt(s);
  let ms: bigint;
  switch (s.length) {
    case 13:
      ms = v;
      break;
    case 16:
      ms = v / 1000n;
      break;
    case 19:
      ms = v / 1_000_000n;
      break;
    default:
      ms = v * 1000n;
  }
  if (ms > BigInt(MAX_ABS_MS)) return atNow(nowMs);
  return { ms: Number(ms), forward: s };
}

function unitSeconds(unit: string): number {
  if (unit.startsWith('s')) return 1;
  if (unit.startsWith('mon') || unit.startsWith('M')) return 30 * 86_400;
  if (unit.startsWith('min') || unit.startsWith('m')) return 60;
  if (unit.startsWith('h')) return 3600;
  if (unit.startsWith('d')) return 86_400;
  if (unit.startsWith('w')) return 7 * 86_400;
  if (unit.startsWith('y')) return 365 * 86_400;
  return 0;
}

/**
 * `<int><unit>` pairs after the sign, e.g. `1h30m`. OG reads the unit as the whole rest of the string, so it
 * only ever honours the first pair; the spec describes a sequence, which agrees with OG for single pairs.
 */
function parseOffsetMs(offset: string): number {
  let sign = 1;
  let rest = offset;
  if (rest[0] === '-') {
    sign = -1;
    rest = rest.slice(1);
  } else if (rest[0] === '+') {
    rest = rest.slice(1);
  }
  let total = 0;
  const pair = /(\d*)(\D*)/y;
  while (rest.length > 0) {
    pair.lastIndex = 0;
    const m = pair.exec(rest)!;
    const num = m[1] === '' ? 0 : Number(m[1]);
    total += num * unitSeconds(m[2]) * SECOND;
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}

/** Resolves a `from`/`until` value against `nowMs`. Never throws. */
export function parseTime(raw: string | undefined, nowMs: number): ParsedTime {
  const s = (raw ?? '').trim().replace(/[_, ]/g, '');
  if (s === '') return atNow(nowMs);
  if (/^[0-9]+$/.test(s)) return parseDigits(s, nowMs);
  // The reference before the sign (`now`, or anything else) always means now; OG looks for `+` first.
  let i = s.indexOf('+');
  if (i < 0) i = s.indexOf('-');
  if (i < 0) return atNow(nowMs);
  return resolved(Math.floor(nowMs) + parseOffsetMs(s.slice(i)), nowMs);
}

/** Unix ms as RFC 3339 in UTC with whole seconds (`2026-01-02T03:04:05Z`), as the original names exports. */
export const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
