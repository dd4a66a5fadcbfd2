// The /ingest query string -> IngestRequest. Pure: the route passes the parsed query, the two
// headers that matter and the clock's now. Only `name` and `format` can fail (400); every other parameter
// falls back to its default the way OG does.
import { firstValue, type QueryParams } from '../lib/query-param.js';
import type { IngestRequest } from '../model/ingest-request.js';
import type { Aggregation } from '../model/profile.js';
import { DEFAULT_NAME_LIMITS, parseName, type NameLimits } from '../model/name.js';
import { parseTime } from '../model/time.js';
import { DEFAULT_TENANT } from '../model/tenant.js';
import { detectFormat } from './detect.js';

export type { IngestRequest } from '../model/ingest-request.js';

export type { QueryParams };

export const DEFAULT_SAMPLE_RATE = 100;
export { DEFAULT_TENANT };
const MAX_UINT32 = 0xffff_ffff;

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
  headers: { contentType?: string; tenant?: string; storageTenant?: string },
  nowMs: number,
  nameLimits: NameLimits = DEFAULT_NAME_LIMITS,
): IngestRequest {
  const rawName = firstValue(query, 'name') ?? '';
  const key = parseName(rawName, nameLimits);
  const format = detectFormat(firstValue(query, 'format'), headers.contentType);

  let from = parseTime(firstValue(query, 'from'), nowMs);
  let until = parseTime(firstValue(query, 'until'), nowMs);
  if (from.ms > until.ms) [from, until] = [until, from];

  const rate = parseSampleRate(firstValue(query, 'sampleRate'));
  const tenant = headers.tenant?.trim();

  return {
    key,
    rawName,
    from,
    until,
    sampleRate: rate ?? DEFAULT_SAMPLE_RATE,
    sampleRateGiven: rate !== undefined,
    spyName: firstValue(query, 'spyName') ?? 'unknown',
    units: firstValue(query, 'units') ?? 'samples',
    aggregation: parseAggregation(firstValue(query, 'aggregationType')),
    format,
    contentType: headers.contentType,
    tenant: tenant ? tenant : DEFAULT_TENANT,
    storageTenant: headers.storageTenant ?? DEFAULT_TENANT,
  };
}
