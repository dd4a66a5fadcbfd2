// A scraped profile as an /ingest request, the shape the original's scraper hands its ingester and forwards:
// `name=<app>{job=…,instance=…,…}`, `from`/`until`, `spyName`, no `format`, and a multipart body with the
// file parts `profile`, `prev_profile` (cumulative types) and `sample_type_config`. Pure.
import { randomBytes } from 'node:crypto';
import type { ProfileSetting } from '../config/scrape-config.js';
import { publicLabels, type LabelSet } from './labels.js';

export interface ScrapeUpload {
  /** The /ingest query parameters. */
  query: Record<string, string>;
  contentType: string;
  body: Buffer;
}

/** What the composition root wires in: the same entry point /ingest uses. Rejects when the profile is invalid. */
export type ScrapeSink = (upload: ScrapeUpload) => Promise<void>;

/** The sample_type_config JSON as the original writes it: empty and false fields omitted. */
export function sampleTypeConfigJson(profile: ProfileSetting): string {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [type, c] of Object.entries(profile.sampleTypes)) {
    const o: Record<string, unknown> = {};
    if (c.units) o.units = c.units;
    if (c.displayName) o['display-name'] = c.displayName;
    if (c.aggregation) o.aggregation = c.aggregation;
    if (c.cumulative) o.cumulative = true;
    if (c.sampled) o.sampled = true;
    out[type] = o;
  }
  return JSON.stringify(out);
}

export const hasCumulative = (p: ProfileSetting) => Object.values(p.sampleTypes).some((t) => t.cumulative === true);
export const allCumulative = (p: ProfileSetting) => {
  const types = Object.values(p.sampleTypes);
  return types.length > 0 && types.every((t) => t.cumulative === true);
};

/** `app{k=v,...}` with keys sorted bytewise: `job`, `instance` and every label not starting with `__`. */
export function seriesName(appName: string, labels: LabelSet): string {
  const pub = publicLabels(labels);
  return `${appName}{${Object.keys(pub)
    .map((k) => `${k}=${pub[k]}`)
    .join(',')}}`;
}

/**
 * The time window a scraped profile is stored under, as the original chooses it: a profile collected over
 * `seconds` (cpu) covers [now rounded to that span, + span]; an instant profile (heap, goroutines) covers the
 * interval ending at now rounded to the interval. Aligned windows fit the store's 10 s segments.
 */
export function profileWindow(nowMs: number, deltaMs: number, intervalMs: number): { fromMs: number; untilMs: number } {
  const round = (t: number, step: number) => Math.round(t / step) * step;
  if (deltaMs > 0) {
    const fromMs = round(nowMs, deltaMs);
    return { fromMs, untilMs: fromMs + deltaMs };
  }
  const untilMs = round(nowMs, intervalMs);
  return { fromMs: untilMs - intervalMs, untilMs };
}

export interface UploadInput {
  appName: string;
  spyName: string;
  labels: LabelSet;
  profile: ProfileSetting;
  body: Buffer;
  prev?: Buffer;
  fromMs: number;
  untilMs: number;
}

export function buildUpload(u: UploadInput): ScrapeUpload {
  const boundary = `pyrelay-${randomBytes(12).toString('hex')}`;
  const parts: Buffer[] = [];
  const part = (name: string, filename: string, type: string, data: Buffer) => {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`), data, Buffer.from('\r\n'));
  };
  part('profile', 'profile.pprof', 'application/octet-stream', u.body);
  if (u.prev !== undefined) part('prev_profile', 'profile.pprof', 'application/octet-stream', u.prev);
  part('sample_type_config', 'sample_type_config.json', 'application/json', Buffer.from(sampleTypeConfigJson(u.profile)));
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    // Unix seconds: every Pyroscope-compatible receiver reads them; empty parameters are not sent (docs/compatibility.md#43).
    query: {
      name: seriesName(u.appName, u.labels),
      from: String(Math.floor(u.fromMs / 1000)),
      until: String(Math.floor(u.untilMs / 1000)),
      spyName: u.spyName,
    },
    contentType: `multipart/form-data; boundary=${boundary}`,
    body: Buffer.concat(parts),
  };
}
