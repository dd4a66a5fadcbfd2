// A Connect `push.v1.PusherService/Push` body -> one IngestInput per RawSample, so pushed profiles take the
// very same pipeline as /ingest (format pprof, the raw profile as a multipart upload with the
// sample_type_config its `__name__` implies, the name from the labels, the sample's ID as the dedup id). Pure: the route passes the decoded body, the tenant and the clock's now.
import { fromBinary, fromJson, type JsonValue } from '@bufbuild/protobuf';
import { PyrelayError, invalidParameter, malformedBody } from '../model/errors.js';
import { createHash } from 'node:crypto';
import { fromGrafanaLabels, sampleTypeConfigFor, SPY_NAME_LABEL, type ProfileName } from '../model/grafana-names.js';
import { normalizeKey, type SeriesKey } from '../model/series-key.js';
import type { ParsedTime } from '../model/time.js';
import { PushRequestSchema, type PushRequest } from '../proto/push/v1/push_pb.js';
import { maybeGunzip } from './gzip.js';
import type { IngestInput } from './pipeline.js';
import { DEFAULT_TENANT, type IngestRequest } from './request.js';

export type PushEncoding = 'proto' | 'json';

/** Longest RawSample.ID used as dedup id (longer ones are ignored, like the /ingest header). */
export const MAX_PROFILE_ID_LENGTH = 128;

/** The Connect body encoding of a Content-Type, or undefined when Connect unary does not allow it. */
export function pushEncodingOf(contentType: string | undefined): PushEncoding | undefined {
  const ct = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (ct === 'application/proto' || ct === 'application/protobuf' || ct === 'application/x-protobuf') return 'proto';
  if (ct === 'application/json') return 'json';
  return undefined;
}

export function decodePushRequest(body: Uint8Array, encoding: PushEncoding): PushRequest {
  try {
    if (encoding === 'proto') return fromBinary(PushRequestSchema, body);
    const json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body)) as JsonValue;
    return fromJson(PushRequestSchema, json, { ignoreUnknownFields: true });
  } catch (e) {
    throw malformedBody(`push.v1.PushRequest (${encoding})`, 'body', (e as Error).message);
  }
}

export interface PushedSample {
  input: IngestInput;
  profileName: ProfileName;
}

export interface PushLimits {
  maxDecompressedBytes: number;
  /** RawSamples one Push may carry; more is a 429 resource_exhausted. */
  maxSamplesPerPush: number;
}

/** Reads Profile.time_nanos (9) and duration_nanos (10) without decoding the rest. */
export function pprofTimes(b: Uint8Array): { timeNanos: bigint; durationNanos: bigint } {
  let pos = 0;
  let timeNanos = 0n;
  let durationNanos = 0n;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= b.length || shift > 63n) throw malformedBody('pprof', `byte ${pos}`, 'truncated varint');
      const c = b[pos++];
      result |= BigInt(c & 0x7f) << shift;
      if (c < 0x80) return result;
      shift += 7n;
    }
  };
  while (pos < b.length) {
    const tag = Number(varint());
    const field = tag >>> 3;
    const wire = tag & 7;
    if (wire === 0) {
      const v = BigInt.asIntN(64, varint());
      if (field === 9) timeNanos = v;
      else if (field === 10) durationNanos = v;
    } else if (wire === 2) {
      const len = Number(varint());
      pos += len;
      if (pos > b.length) throw malformedBody('pprof', `byte ${pos}`, 'field runs past the end of the profile');
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw malformedBody('pprof', `byte ${pos}`, `unsupported wire type ${wire}`);
  }
  return { timeNanos, durationNanos };
}

const atMs = (ms: number): ParsedTime => ({ ms, forward: String(Math.floor(ms / 1000)) });

/** The profile's own time window (time_nanos + duration_nanos), or `now` when it has none. */
function windowOf(pprof: Uint8Array, nowMs: number): { from: ParsedTime; until: ParsedTime } {
  const { timeNanos, durationNanos } = pprofTimes(pprof);
  if (timeNanos <= 0n) return { from: atMs(nowMs), until: atMs(nowMs) };
  const fromMs = Number(timeNanos / 1_000_000n);
  const untilMs = fromMs + Number((durationNanos > 0n ? durationNanos : 0n) / 1_000_000n);
  return { from: atMs(fromMs), until: atMs(untilMs) };
}

/**
 * One IngestInput per RawSample. The labels map to a series key (docs/grafana.md); the raw profile is
 * inflated here once (the decoder would otherwise do it) so its time window can be read.
 */
export function pushToIngestInputs(req: PushRequest, ctx: { tenant: string | undefined; nowMs: number; limits: PushLimits; onLimit?: (limit: string) => void }): PushedSample[] {
  const total = req.series.reduce((n, s) => n + s.samples.length, 0);
  if (total > ctx.limits.maxSamplesPerPush) {
    ctx.onLimit?.('max-profiles-per-push');
    throw new PyrelayError('body_too_large', `push carries ${total} profiles, more than the limit of ${ctx.limits.maxSamplesPerPush} (max-profiles-per-push)`);
  }
  const tenant = ctx.tenant?.trim() || DEFAULT_TENANT;
  const out: PushedSample[] = [];
  let budget = ctx.limits.maxDecompressedBytes;
  req.series.forEach((series, i) => {
    let mapped;
    try {
      mapped = fromGrafanaLabels(series.labels);
    } catch (e) {
      if (e instanceof PyrelayError) throw invalidParameter(`series[${i}] ${e.message}`);
      throw e;
    }
    const spy = series.labels.find((l) => l.name === SPY_NAME_LABEL)?.value;
    series.samples.forEach((sample, j) => {
      if (sample.rawProfile.length === 0) throw invalidParameter(`series[${i}].samples[${j}]: raw_profile is empty`);
      // One budget for the whole push: every sample is inflated before any is stored, so per-sample caps
      // would let many small gzip bombs add up.
      const overBudget = () =>
        new PyrelayError('decompressed_too_large', `series[${i}].samples[${j}]: the push's profiles exceed the decompressed limit of ${ctx.limits.maxDecompressedBytes} bytes`);
      let pprof: Uint8Array;
      try {
        pprof = maybeGunzip(sample.rawProfile, Math.max(1, budget), `series[${i}].samples[${j}] raw_profile`);
      } catch (e) {
        throw e instanceof PyrelayError && e.code === 'decompressed_too_large' ? overBudget() : e;
      }
      budget -= pprof.length;
      if (budget < 0) throw overBudget();
      const { from, until } = windowOf(pprof, ctx.nowMs);
      const { body, contentType } = pprofUpload(pprof, mapped.profileName);
      const request = ingestRequestOf(mapped.key, { from, until, tenant, spyName: spy || 'unknown', contentType });
      const id = sample.ID.trim();
      out.push({
        profileName: mapped.profileName,
        input: {
          request,
          body,
          rawQuery: { name: request.rawName, from: from.forward, until: until.forward, ...(spy ? { spyName: spy } : {}) },
          profileId: id !== '' && id.length <= MAX_PROFILE_ID_LENGTH ? id : undefined,
        },
      });
    });
  });
  return out;
}

/**
 * The multipart upload /ingest would get for this profile: the pprof as `profile` and, as
 * `sample_type_config`, how its sample types are named for this `__name__` (docs/grafana.md). The boundary
 * is derived from the content, so the same push always builds the same body (and profile id).
 */
export function pprofUpload(pprof: Uint8Array, name: ProfileName): { body: Buffer; contentType: string } {
  const config = Buffer.from(JSON.stringify(sampleTypeConfigFor(name)));
  const boundary = `pyrelay-push-${createHash('sha256').update(pprof).update(config).digest('hex').slice(0, 32)}`;
  const part = (field: string, data: Uint8Array) => [
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${field}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    data,
    Buffer.from('\r\n'),
  ];
  const body = Buffer.concat([...part('profile', pprof), ...part('sample_type_config', config), Buffer.from(`--${boundary}--\r\n`)]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

function ingestRequestOf(key: SeriesKey, o: { from: ParsedTime; until: ParsedTime; tenant: string; spyName: string; contentType: string }): IngestRequest {
  return {
    key,
    rawName: normalizeKey(key),
    from: o.from,
    until: o.until.ms < o.from.ms ? o.from : o.until,
    sampleRate: 100,
    sampleRateGiven: false,
    spyName: o.spyName,
    units: 'samples',
    aggregation: 'sum',
    format: 'pprof',
    contentType: o.contentType,
    tenant: o.tenant,
  };
}
