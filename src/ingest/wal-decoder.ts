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
import { forEachFoldedLine, UNUSUAL_COUNT } from './formats/folded.js';
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
 * Folded text straight from the bytes (the folded decoder's own line reader): the stack goes to the sink as a byte
 * range, so the store's cache answers a known stack without decoding the body to text.
 */
function folded(body: Uint8Array, sink: ReturnType<ProfileSink['series']>): void {
  forEachFoldedLine(body, (start, space, stop, count, line) => {
    const value = count === UNUSUAL_COUNT ? longCount(body, space + 1, stop, line) : count;
    if (value !== 0 && space > start) sink.stackBytes(body, start, space, value);
  });
}

/** A count of 16 digits (validated, so at most 2^53-1) is parsed from its text; anything else is a corrupt record. */
function longCount(body: Uint8Array, from: number, to: number, line: number): number {
  const text = Buffer.from(body.buffer, body.byteOffset + from, to - from).toString('latin1');
  if (!/^[0-9]+$/.test(text)) throw malformedBody('folded', `line ${line}`, 'invalid sample count');
  return Number(text);
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
