// The pprof ingest decoder (docs/compatibility.md#3, #4, #12, #13, #14, #34): raw or multipart bodies,
// gzip sniffed, one DecodedProfile per (sample type × label set). Pure apart from the injected baselines.
import { isMultipart } from '../../../model/content-type.js';
import type { SeriesSink } from '../../../model/profile-sink.js';
import type { DecodedProfile, DecodeInput, ProfileDecoder, ProfileMetadata } from '../../../model/profile.js';
import type { SeriesKey } from '../../../model/series-key.js';
import { Tree } from '../../../model/tree.js';
import { maybeGunzip } from '../../gzip.js';
import { parseMultipart, type MultipartPart } from '../../multipart.js';
import { subtractTrees, type CumulativeBaselines } from './cumulative.js';
import { indexProfile, type PprofIndex } from './profile-index.js';
import { frameStyleFor } from './sample-walker.js';
import { DEFAULT_SAMPLE_TYPES, parseSampleTypeConfig, resolveSlots, type SampleTypeMapping, type SampleTypeSlot } from './sample-types.js';
import { buildSeries, type BuiltSeries } from './series-builder.js';

export interface PprofDecoderDeps {
  baselines: CumulativeBaselines;
}

/** Opens the sink of one streamed series (see PprofDecoder.stream). */
export type OpenSeries = (key: SeriesKey, metadata: ProfileMetadata) => SeriesSink;

export interface PprofDecoder extends ProfileDecoder {
  /**
   * The store ingester's decode: non-cumulative series go to `open(...)`'s sink as location stacks while the
   * samples are walked (no trees); the cumulative ones come back as profiles, as from the plain decode.
   */
  stream(input: DecodeInput, open: OpenSeries): DecodedProfile[];
}

export function createPprofDecoder(deps: PprofDecoderDeps): PprofDecoder {
  const decode = (input: DecodeInput, open: OpenSeries | undefined): DecodedProfile[] => {
    if (input.body.length === 0) return [];
    let profile: Uint8Array | undefined = input.body;
    let prev: Uint8Array | undefined;
    let mapping: SampleTypeMapping = DEFAULT_SAMPLE_TYPES;
    // docs/compatibility.md#3: a multipart body is parsed as multipart whatever the format parameter says.
    if (isMultipart(input.contentType)) {
      const parts = parseMultipart(input.body, input.contentType!, input.limits.maxMultipartParts);
      profile = firstPart(parts, 'profile');
      prev = firstPart(parts, 'prev_profile');
      const config = firstPart(parts, 'sample_type_config');
      if (config !== undefined) {
        mapping = parseSampleTypeConfig(maybeGunzip(config, input.limits.maxDecompressedBytes, 'pprof sample_type_config'));
      }
    }
    if (profile === undefined) return []; // docs/compatibility.md#14: the caller counts it as empty
    return decodeProfiles(input, profile, prev, mapping, deps.baselines, open);
  };
  return Object.assign((input: DecodeInput) => decode(input, undefined), { stream: decode });
}

/** The first non-empty part with that name (empty parts are ignored, as in OG). */
function firstPart(parts: MultipartPart[], name: string): Uint8Array | undefined {
  for (const p of parts) if (p.name === name && p.data.length > 0) return p.data;
  return undefined;
}

function decodeProfiles(
  input: DecodeInput,
  profileBytes: Uint8Array,
  prevBytes: Uint8Array | undefined,
  mapping: SampleTypeMapping,
  baselines: CumulativeBaselines,
  open: OpenSeries | undefined,
): DecodedProfile[] {
  const limit = input.limits.maxDecompressedBytes;
  const style = frameStyleFor(input.spyName);
  const cur = indexProfile(maybeGunzip(profileBytes, limit, 'pprof profile'));
  const slots = resolveSlots(typesOf(cur), mapping);
  const validateOnly = input.validateOnly === true;
  const stream = open === undefined ? undefined : (s: BuiltSeries) => open(s.key, metadataOf(s.slot, input));
  const series = buildSeries(cur, { key: input.key, slots, style, limits: input.limits, validateOnly, ...(stream ? { stream } : {}) });

  let prevTrees: Map<string, Tree> | undefined;
  if (prevBytes !== undefined) {
    // The previous profile only matters for cumulative types, but is validated whole.
    const prev = indexProfile(maybeGunzip(prevBytes, limit, 'pprof prev_profile'));
    const prevSlots = resolveSlots(typesOf(prev), mapping).filter((s) => s.cumulative);
    prevTrees = new Map();
    for (const s of buildSeries(prev, { key: input.key, slots: prevSlots, style, limits: input.limits })) {
      prevTrees.set(baselineId(s), s.tree);
    }
  }

  const out: DecodedProfile[] = [];
  for (const s of series) {
    let tree: Tree | undefined = s.tree;
    if (s.sink !== undefined) continue; // streamed: its stacks are with the caller already
    if (validateOnly && !s.slot.cumulative) {
      // No tree was built: a series exists only once a positive value reached it, as in the full decode.
      if (s.total > 0) out.push({ key: s.key, tree: s.tree, metadata: metadataOf(s.slot, input) });
      continue;
    }
    if (s.slot.cumulative) {
      if (prevTrees !== undefined) {
        // A series absent from prev_profile had no samples then: its whole value accrued since.
        const before = prevTrees.get(baselineId(s));
        tree = before === undefined ? s.tree : subtractTrees(s.tree, before).tree;
      } else {
        tree = baselines.delta(baselineId(s), s.tree);
      }
    }
    if (tree === undefined || !(tree.total > 0)) continue;
    out.push({ key: s.key, tree, metadata: metadataOf(s.slot, input) });
  }
  return out;
}

const baselineId = (s: BuiltSeries) => `${s.id}\u0000${s.slot.sampleType}`;

const metadataOf = (slot: SampleTypeSlot, input: DecodeInput) => ({
  spyName: input.spyName,
  // docs/compatibility.md#4: the query sampleRate is ignored for pprof.
  sampleRate: slot.sampleRate,
  units: slot.units,
  aggregation: slot.aggregation,
});

function typesOf(ix: PprofIndex) {
  return {
    sampleTypes: ix.sampleTypes.map((t, i) => ({
      type: ix.string(t.type, `sample_type #${i} type`),
      unit: ix.string(t.unit, `sample_type #${i} unit`),
    })),
    periodType: ix.periodType === undefined ? undefined : { type: ix.string(ix.periodType.type, 'period_type type'), unit: ix.string(ix.periodType.unit, 'period_type unit') },
    period: ix.period,
  };
}
