// A merged tree as a pprof Profile (google.v1, the official message): one function and one location per
// frame name, one sample per stack with a self value, leaf first as pprof wants. Used by the querier's
// SelectMergeProfile and by /render?format=pprof. Pure.
import { create } from '@bufbuild/protobuf';
import type { Tree } from '../model/tree.js';
import { ProfileSchema, type Profile } from '../proto/google/v1/profile_pb.js';

export interface PprofTypes {
  sample: { type: string; unit: string };
  period: { type: string; unit: string };
  /** Period value (e.g. 1e9 / rate nanoseconds for sampled cpu); 0 when unknown. */
  periodValue: number;
  /** Multiplies every tree value (samples → nanoseconds for sampled time types). */
  scale: number;
  timeNanos: bigint;
  durationNanos: bigint;
}

export function treeToPprof(tree: Tree, t: PprofTypes): Profile {
  const strings = [''];
  const stringIds = new Map<string, number>([['', 0]]);
  const str = (s: string) => {
    let id = stringIds.get(s);
    if (id === undefined) {
      id = strings.length;
      strings.push(s);
      stringIds.set(s, id);
    }
    return BigInt(id);
  };
  const locationOf = new Map<string, bigint>();
  const functions: Profile['function'] = [];
  const locations: Profile['location'] = [];
  const loc = (name: string): bigint => {
    let id = locationOf.get(name);
    if (id === undefined) {
      id = BigInt(locationOf.size + 1);
      locationOf.set(name, id);
      functions.push({ $typeName: 'google.v1.Function', id, name: str(name), systemName: str(name), filename: 0n, startLine: 0n });
      locations.push({ $typeName: 'google.v1.Location', id, mappingId: 0n, address: 0n, line: [{ $typeName: 'google.v1.Line', functionId: id, line: 0n }], isFolded: false });
    }
    return id;
  };
  const sampleType = { type: str(t.sample.type), unit: str(t.sample.unit) };
  const periodType = { type: str(t.period.type), unit: str(t.period.unit) };
  const samples: Profile['sample'] = [];
  for (const { frames, value } of tree.stacks()) {
    const v = Math.round(value * t.scale);
    if (v <= 0) continue;
    const ids: bigint[] = [];
    for (let i = frames.length - 1; i >= 0; i--) ids.push(loc(frames[i]));
    samples.push({ $typeName: 'google.v1.Sample', locationId: ids, value: [BigInt(v)], label: [] });
  }
  return create(ProfileSchema, {
    sampleType: [sampleType],
    sample: samples,
    location: locations,
    function: functions,
    stringTable: strings,
    timeNanos: t.timeNanos,
    durationNanos: t.durationNanos,
    periodType,
    period: BigInt(Math.round(t.periodValue)),
  });
}
