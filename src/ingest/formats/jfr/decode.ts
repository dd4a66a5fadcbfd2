// format=jfr: raw JFR, or a multipart form with `jfr` (required) and `labels` (a LabelsSnapshot)
// parts, each gzip-sniffed. Chunks are decoded one after another (each with its own metadata, pools
// and `event` setting) and their samples merged into one tree per (series, label set).
import { isReservedKey } from '../../../model/name.js';
import { isMultipart } from '../../../model/content-type.js';
import { malformedBody } from '../../../model/errors.js';
import type { DecodedProfile, DecodeInput, ProfileDecoder } from '../../../model/profile.js';
import { normalizeKey, type Labels, type SeriesKey } from '../../../model/series-key.js';
import { Tree } from '../../../model/tree.js';
import { maybeGunzip } from '../../gzip.js';
import { parseMultipart } from '../../multipart.js';
import { readChunkHeader } from './chunk.js';
import { decodeChunk, type SeriesSpec } from './events.js';
import { contextLabels, decodeLabelsSnapshot, type LabelsSnapshot } from './labels-snapshot.js';
import { readMetadata } from './metadata.js';

const PROFILE_ID = 'profile_id';
// Same tag-key rule as the name parser (docs/compatibility.md#5); other keys could never be queried.
const VALID_KEY = /^[A-Za-z0-9_.]+$/;

export const decodeJfr: ProfileDecoder = (input) => {
  const { jfr, labels } = splitBody(input);
  if (jfr.length === 0) return [];
  const snapshot = labels === undefined || labels.length === 0 ? undefined : decodeLabelsSnapshot(labels);
  return decodeJfrBytes(jfr, snapshot, input);
};

function splitBody(input: DecodeInput): { jfr: Uint8Array; labels?: Uint8Array } {
  const max = input.limits.maxDecompressedBytes;
  if (!isMultipart(input.contentType)) {
    // The original does not inflate a raw body; accepting a gzipped one costs nothing.
    return { jfr: maybeGunzip(input.body, max, 'jfr') };
  }
  const parts = parseMultipart(input.body, input.contentType, input.limits.maxMultipartParts);
  const jfrPart = parts.find((p) => p.name === 'jfr');
  if (jfrPart === undefined) throw malformedBody('jfr', 'multipart', 'jfr field is required');
  const labelsPart = parts.find((p) => p.name === 'labels');
  return {
    jfr: maybeGunzip(jfrPart.data, max, 'jfr'),
    labels: labelsPart && maybeGunzip(labelsPart.data, max, 'jfr labels'),
  };
}

/** Decodes every chunk of a JFR recording into series named `<app>.<suffix>`. */
export function decodeJfrBytes(buf: Uint8Array, snapshot: LabelsSnapshot | undefined, input: DecodeInput): DecodedProfile[] {
  const out = new Map<string, DecodedProfile>();
  const targets = new Map<string, DecodedProfile[]>();
  const labelsByContext = new Map<number, Record<string, string>>();
  const { maxSeriesPerRequest, maxLabelsPerSeries } = input.limits;

  const seriesFor = (key: SeriesKey, spec: SeriesSpec): DecodedProfile => {
    const id = normalizeKey(key);
    let p = out.get(id);
    if (p === undefined) {
      if (out.size >= maxSeriesPerRequest) {
        throw malformedBody('jfr', 'series', `the recording produces more than the limit of ${maxSeriesPerRequest} series`);
      }
      const n = Object.keys(key.labels).length;
      if (n > maxLabelsPerSeries) {
        throw malformedBody('jfr', 'context labels', `a series would have ${n} labels, more than the limit of ${maxLabelsPerSeries}`);
      }
      p = {
        key,
        tree: new Tree(input.limits.nodeBudget),
        metadata: { spyName: input.spyName, sampleRate: input.sampleRate, units: spec.units, aggregation: spec.aggregation },
      };
      out.set(id, p);
    }
    return p;
  };

  /** The series a sample of `spec` in context `ctx` goes to: its own, plus the one without profile_id. */
  const targetsFor = (spec: SeriesSpec, ctx: number): DecodedProfile[] => {
    const cacheKey = `${spec.suffix}\0${ctx}`;
    let t = targets.get(cacheKey);
    if (t !== undefined) return t;
    let ctxLabels = labelsByContext.get(ctx);
    if (ctxLabels === undefined) {
      ctxLabels = {};
      for (const [k, v] of Object.entries(contextLabels(snapshot, ctx))) if (VALID_KEY.test(k) && !isReservedKey(k) && v !== '') ctxLabels[k] = v;
      labelsByContext.set(ctx, ctxLabels);
    }
    const appName = `${input.key.appName}.${spec.suffix}`;
    // Context labels override the name tags.
    const labels: Labels = { ...input.key.labels, ...ctxLabels };
    t = [seriesFor({ appName, labels }, spec)];
    if (ctxLabels[PROFILE_ID] !== undefined) {
      const rest = { ...labels };
      delete rest[PROFILE_ID];
      t.push(seriesFor({ appName, labels: rest }, spec));
    }
    targets.set(cacheKey, t);
    return t;
  };

  // Every chunk is at least a header long, so this loop ends within buf.length / 68 iterations.
  for (let pos = 0, index = 0; pos < buf.length; index++) {
    const h = readChunkHeader(buf, pos, index);
    const md = readMetadata(buf, h);
    for (const s of decodeChunk(buf, h, md)) {
      for (const p of targetsFor(s.series, s.contextId)) p.tree.insertStack(s.frames, s.value);
    }
    pos += h.size;
  }
  return [...out.values()].filter((p) => p.tree.total > 0);
}
