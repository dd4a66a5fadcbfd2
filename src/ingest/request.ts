// The /ingest query string -> IngestRequest (spec 1.2). Pure: the route passes the parsed query, the two
// headers that matter and the clock's now. Only `name` and `format` can fail (400); every other parameter
// falls back to its default the way OG does.
import type { Aggregation, FormatId } from '../model/profile.js';
import type { SeriesKey } from '../model/series-key.js';
import { DEFAULT_NAME_LIMITS, parseName, type NameLimits } from '../model/name.js';
import { parseTime, type ParsedTime } from '../model/time.js';
import { detectFormat } from './detect.js';

export interface IngestRequest {
  key: SeriesKey;
  /** `name` exactly as received. */
  rawName: string;
  from: ParsedTime;
  until: ParsedTime;
  sampleRate: number;
  /** True only when `sampleRate` was sent and valid (an invalid one is replaced by 100 as if absent). */
  sampleRateGiven: boolean;
  spyName: string;
  units: string;
  aggregation: Aggregation;
  format: FormatId;
  contentType: string | undefined;
  /** X-Scope-OrgID, or `anonymous` (decision 31). */
  tenant: string;
}

export type QueryParams = Record<string, string | string[] | undefined>;

export const DEFAULT_SAMPLE_RATE = 100;
export const DEFAULT_TENANT = 'anonymous';
const MAX_UINT32 = 0xffff_ffff;

/** First value of a parameter, like Go's url.Values.Get; empty means absent. */
function first(query: QueryParams, name: string): string | undefined {
  const v = query[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}

/**
 * A decimal integer in 1..2^32-1 (OG's uint32); anything else (0, negative, fractional, garbage) is
 * invalid and replaced by the default: a rate of 0 would turn every sample into infinite time.
 */
function parseSampleRate(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^\+?[0-9]+$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= 1 && n <= MAX_UINT32 ? n : undefined;
}

export function parseAggregation(raw: string | undefined): Aggregation {
  return raw === 'average' || raw === 'avg' ? 'average' : 'sum';
}

export function parseIngestRequest(
  query: QueryParams,
  headers: { contentType?: string; tenant?: string },
  nowMs: number,
  nameLimits: NameLimits = DEFAULT_NAME_LIMITS,
): IngestRequest {
  const rawName = first(query, 'name') ?? '';
  const key = parseName(rawName, nameLimits);
  const format = detectFormat(first(query, 'format'), headers.contentType);

  let from = parseTime(first(query, 'from'), nowMs);
  let until = parseTime(first(query, 'until'), nowMs);
  if (from.ms > until.ms) [from, until] = [until, from];

  const rate = parseSampleRate(first(query, 'sampleRate'));
  const tenant = headers.tenant?.trim();

  return {
    key,
    rawName,
    from,
    until,
    sampleRate: rate ?? DEFAULT_SAMPLE_RATE,
    sampleRateGiven: rate !== undefined,
    spyName: first(query, 'spyName') ?? 'unknown',
    units: first(query, 'units') ?? 'samples',
    aggregation: parseAggregation(first(query, 'aggregationType')),
    format,
    contentType: headers.contentType,
    tenant: tenant ? tenant : DEFAULT_TENANT,
  };
}
