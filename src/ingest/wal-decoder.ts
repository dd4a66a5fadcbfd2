// Loaded by the store's worker thread (by URL, from the composition root): turns one write-ahead-log record
// back into the series and stacks the store keeps. The record was validated before it was logged, so this
// only decodes. Folded bodies (the common text format) go straight to the sink line by line, so the store maps
// each stack text to a call-path id through its cache without a tree; pprof streams its non-cumulative series
// as location stacks (resolved once per location); the other formats (and cumulative pprof) decode to trees.
import { systemClock } from '../lib/clock.js';
import { malformedBody } from '../model/errors.js';
import type { ProfileSink, RecordDecoder } from '../model/profile-sink.js';
import type { DecodeLimits } from '../model/profile.js';
import { entryFromRecord } from '../store/log/entry.js';
import { createDecoders } from './formats/index.js';
import type { SeriesKey } from '../model/series-key.js';
import { DEFAULT_TENANT } from '../model/tenant.js';
import { storedAppName } from '../store/tenant-stores.js';
import type { IngestRequest } from './request.js';

// Limits were enforced when the request was accepted; these only keep a corrupt record from running away.
const LIMITS: DecodeLimits = {
  maxDecompressedBytes: 1 << 30,
  maxSeriesPerRequest: 10_000_000,
  maxLabelsPerSeries: 10_000,
};

// pprof cumulative baselines live here, in the one thread that sees every logged record in order.
let report: (reason: string) => void = () => {};
const decoders = createDecoders({ clock: systemClock, onCumulativeSkipped: () => report('cumulative_without_prev') });

/** The store worker's metric hook: a raw cumulative upload that only became a baseline is counted by reason. */
export function setReporter(fn: (reason: string) => void): void {
  report = fn;
}

/**
 * Folded text straight from the bytes, the same rules as the folded decoder (lines split at `\n` without a
 * trailing `\r`, the stack before the last space, the count after it): the stack goes to the sink as a byte
 * range, so the store's cache answers a known stack without decoding the body to text.
 */
function folded(body: Uint8Array, sink: ReturnType<ProfileSink['series']>): void {
  const n = body.length;
  let start = 0;
  let line = 0;
  while (start < n) {
    let end = body.indexOf(NL, start);
    if (end < 0) end = n;
    line++;
    const stop = end > start && body[end - 1] === CR ? end - 1 : end;
    let space = stop - 1;
    while (space >= start && body[space] !== SPACE) space--;
    if (space >= start) {
      const value = countOf(body, space + 1, stop, line);
      if (value !== 0 && space > start) sink.stackBytes(body, start, space, value);
    }
    start = end + 1;
  }
}

const NL = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;

/** The decimal count in body[from, to); a record holds validated counts, so anything else is a corrupt record. */
function countOf(body: Uint8Array, from: number, to: number, line: number): number {
  if (to <= from) throw malformedBody('folded', `line ${line}`, 'invalid sample count');
  let v = 0;
  for (let i = from; i < to; i++) {
    const d = body[i] - 0x30;
    if (d < 0 || d > 9) throw malformedBody('folded', `line ${line}`, 'invalid sample count');
    v = v * 10 + d;
  }
  // Past 15 digits the running sum may round where Number() of the text does not.
  return to - from > 15 ? Number(Buffer.from(body.buffer, body.byteOffset + from, to - from).toString('latin1')) : v;
}

export const decodeRecord: RecordDecoder = (meta, payload, sink) => {
  const { body, contentType, format, request } = entryFromRecord<IngestRequest>(meta, payload);
  if (body.length === 0) return;
  const startMs = request.from.ms;
  const endMs = Math.max(request.until.ms, startMs);
  const metadata = { spyName: request.spyName, sampleRate: request.sampleRate, units: request.units, aggregation: request.aggregation };
  // The tenant is part of the stored key (store/tenant-stores.ts); records logged before tenants existed are the default tenant's.
  const tenant = request.storageTenant ?? DEFAULT_TENANT;
  const stored = (key: SeriesKey): SeriesKey => ({ ...key, appName: storedAppName(tenant, key.appName) });
  if (format === 'groups') {
    folded(body, sink.series({ key: stored(request.key), metadata, startMs, endMs }));
    return;
  }
  const input = {
    body,
    contentType,
    key: request.key,
    spyName: request.spyName,
    sampleRate: request.sampleRate,
    sampleRateGiven: request.sampleRateGiven,
    units: request.units,
    aggregation: request.aggregation,
    limits: LIMITS,
  };
  const profiles = format === 'pprof' ? decoders.pprof.stream(input, (key, metadata) => sink.series({ key: stored(key), metadata, startMs, endMs })) : decoders[format](input);
  for (const p of profiles) sink.series({ key: stored(p.key), metadata: p.metadata, startMs, endMs }).tree(p.tree);
};
