// One parsed ingest request: what every source (HTTP /ingest, scrape, the Push API) hands the pipeline and
// remote write. Parsing lives in ingest/request.ts; the shape is shared vocabulary, so it lives here.
import type { Aggregation, FormatId } from './profile.js';
import type { SeriesKey } from './series-key.js';
import type { ParsedTime } from './time.js';

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
  /** X-Scope-OrgID, or `anonymous` (docs/compatibility.md#31). */
  tenant: string;
}
