// Any accepted profile -> pprof profiles labelled the Grafana way, for targets that speak the Push API.
// pprof bodies go out as they came (the `profile` part of a multipart upload); every other format, and a
// cumulative upload with its `prev_profile`, is decoded with the ingest decoders and each series re-encoded
// as a pprof whose type and period follow docs/grafana.md (sampled time as nanoseconds: value × 1e9 /
// sampleRate). Pure apart from gzip.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { gzipSync } from 'node:zlib';
import {
  profileNameOfConfig,
  profileTypeOfSuffix,
  profileTypeOfUnits,
  sentProfileType,
  splitAppName,
  type GrafanaProfileType,
  type ExportedProfile,
  type ProfileName,
  type SampleTypeConfigEntry,
} from '../model/grafana-names.js';
import type { DecodedProfile, DecodeLimits, FormatId, ProfileDecoder } from '../model/profile.js';
import type { Tree } from '../model/tree.js';
import { ProfileSchema } from '../proto/google/v1/profile_pb.js';
import { maybeGunzip } from './gzip.js';
import { parseMultipart } from './multipart.js';
import type { IngestRequest } from './request.js';

export type { ExportedProfile };

export interface ExportInput {
  body: Uint8Array;
  contentType: string | undefined;
  format: FormatId;
  request: IngestRequest;
}

export type PprofExporter = (input: ExportInput) => ExportedProfile[];

export function createPprofExporter(deps: { decoders: Record<FormatId, ProfileDecoder>; limits: DecodeLimits }): PprofExporter {
  return (input) => {
    if (input.format !== 'pprof') return exportDecoded(input, deps);
    // With a prev_profile the upload is cumulative: send what pyrelay stores (the difference), re-encoded.
    if (hasPrevProfile(input)) return exportDecoded(input, deps);
    return [exportPprof(input, deps.limits)];
  };
}

function hasPrevProfile(input: ExportInput): boolean {
  if (!isMultipart(input.contentType)) return false;
  return parseMultipart(input.body, input.contentType!).some((p) => p.name === 'prev_profile' && p.data.length > 0);
}

const isMultipart = (ct: string | undefined) => ct !== undefined && /multipart\/form-data/i.test(ct);

function exportPprof(input: ExportInput, limits: DecodeLimits): ExportedProfile {
  let pprof = input.body;
  let configured: ProfileName | undefined;
  if (isMultipart(input.contentType)) {
    const parts = parseMultipart(input.body, input.contentType!);
    pprof = parts.find((p) => p.name === 'profile' && p.data.length > 0)?.data ?? new Uint8Array(0);
    const config = parts.find((p) => p.name === 'sample_type_config' && p.data.length > 0);
    // A profile that arrived by Push carries the config its __name__ implied: that names it again.
    if (config !== undefined)
      configured = profileNameOfConfig(
        JSON.parse(Buffer.from(maybeGunzip(config.data, limits.maxDecompressedBytes, 'sample_type_config')).toString('utf8')) as Record<string, SampleTypeConfigEntry>,
      );
  }
  const { serviceName, suffix } = splitAppName(input.request.key.appName);
  const profileName =
    suffix !== undefined ? profileTypeOfSuffix(suffix)!.name : (configured ?? profileNameOfPprof(maybeGunzip(pprof, limits.maxDecompressedBytes, 'pprof profile')));
  return { serviceName, profileName, tags: input.request.key.labels, spyName: input.request.spyName, pprof };
}

/** `__name__` from a pprof's own types: the period type, else the first sample type; cpu when unclear. */
export function profileNameOfPprof(bytes: Uint8Array): ProfileName {
  if (bytes.length === 0) return 'process_cpu';
  const p = fromBinary(ProfileSchema, bytes);
  const str = (i: bigint) => p.stringTable[Number(i)] ?? '';
  const types = [p.periodType ? str(p.periodType.type) : '', ...p.sampleType.map((t) => str(t.type))];
  for (const t of types) {
    if (t === 'cpu' || t === 'samples') return 'process_cpu';
    if (t === 'wall') return 'wall';
    if (/^(inuse|alloc)_(objects|space)$|^space$|^objects$|^alloc/.test(t)) return 'memory';
    if (t === 'goroutine' || t === 'goroutines') return 'goroutine';
    if (t === 'contentions' || t === 'delay') return 'mutex';
    if (t === 'exceptions') return 'exceptions';
  }
  return 'process_cpu';
}

function exportDecoded(input: ExportInput, deps: { decoders: Record<FormatId, ProfileDecoder>; limits: DecodeLimits }): ExportedProfile[] {
  const r = input.request;
  const profiles = deps.decoders[input.format]({
    body: input.body,
    contentType: input.contentType,
    key: r.key,
    spyName: r.spyName,
    sampleRate: r.sampleRate,
    sampleRateGiven: r.sampleRateGiven,
    units: r.units,
    aggregation: r.aggregation,
    limits: deps.limits,
  });
  const timeNanos = BigInt(r.from.ms) * 1_000_000n;
  const durationNanos = BigInt(Math.max(0, r.until.ms - r.from.ms)) * 1_000_000n;
  return profiles.map((p) => {
    const { serviceName, suffix } = splitAppName(p.key.appName);
    const base = suffix !== undefined ? profileTypeOfSuffix(suffix)! : profileTypeOfUnits(p.metadata.units, p.metadata.aggregation);
    const type = sentProfileType(base, p.metadata.sampleRate);
    return {
      serviceName,
      profileName: type.name,
      tags: p.key.labels,
      spyName: p.metadata.spyName,
      pprof: gzipSync(encodeTree(p, type, { timeNanos, durationNanos })),
    };
  });
}

/** One tree as a pprof with one sample type; locations map 1:1 to functions (frames carry names only). */
export function encodeTree(p: DecodedProfile, type: GrafanaProfileType, time: { timeNanos: bigint; durationNanos: bigint }): Uint8Array {
  const rate = p.metadata.sampleRate;
  const scale = type.scaledBySampleRate ? 1e9 / rate : 1;
  const strings = [''];
  const stringIds = new Map<string, bigint>([['', 0n]]);
  const str = (s: string): bigint => {
    let id = stringIds.get(s);
    if (id === undefined) {
      id = BigInt(strings.push(s) - 1);
      stringIds.set(s, id);
    }
    return id;
  };
  const fnIds = new Map<string, bigint>();
  const functions: { id: bigint; name: bigint }[] = [];
  const fn = (name: string): bigint => {
    let id = fnIds.get(name);
    if (id === undefined) {
      id = BigInt(functions.length + 1);
      fnIds.set(name, id);
      functions.push({ id, name: str(name) });
    }
    return id;
  };
  // Sampled time goes out like Go's cpu profiles: the sample count and the nanoseconds it stands for.
  const scaled = type.scaledBySampleRate;
  const sampleType = [...(scaled ? [{ type: str('samples'), unit: str('count') }] : []), { type: str(type.sample.type), unit: str(type.sample.unit) }];
  const periodType = { type: str(type.period.type), unit: str(type.period.unit) };
  const samples = [];
  for (const { frames, value } of stacksOf(p.tree)) {
    const locationId: bigint[] = new Array(frames.length);
    // pprof lists the leaf first.
    for (let i = 0; i < frames.length; i++) locationId[frames.length - 1 - i] = fn(frames[i]);
    const v = BigInt(Math.round(value * scale));
    samples.push({ locationId, value: scaled ? [BigInt(Math.round(value)), v] : [v] });
  }
  const profile = create(ProfileSchema, {
    sampleType,
    sample: samples,
    location: functions.map((f) => ({ id: f.id, line: [{ functionId: f.id }] })),
    function: functions.map((f) => ({ id: f.id, name: f.name, systemName: f.name })),
    timeNanos: time.timeNanos,
    durationNanos: time.durationNanos,
    periodType,
    period: scaled ? BigInt(Math.round(scale)) : 0n,
  });
  profile.stringTable = strings;
  return toBinary(ProfileSchema, profile);
}

function stacksOf(tree: Tree) {
  return tree.stacks();
}
