// Builds pprof profiles and Push requests with the official generated types (src/proto), and decodes them
// back, so tests speak the wire contract instead of hand-made bytes.
import { create, fromBinary, toBinary, toJsonString } from '@bufbuild/protobuf';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ProfileSchema, type Profile } from '../../src/proto/google/v1/profile_pb.js';
import { PushRequestSchema, type PushRequest } from '../../src/proto/push/v1/push_pb.js';

export interface PprofSpec {
  sampleTypes: [string, string][];
  periodType?: [string, string];
  period?: number;
  timeNanos?: bigint;
  durationNanos?: bigint;
  /** Stacks root first, one value per sample type. */
  samples: { stack: string[]; values: number[]; labels?: Record<string, string> }[];
}

export function buildPprof(spec: PprofSpec): Uint8Array {
  const strings = [''];
  const str = (s: string) => {
    let i = strings.indexOf(s);
    if (i < 0) i = strings.push(s) - 1;
    return BigInt(i);
  };
  const functions = new Map<string, bigint>();
  const fnId = (name: string) => {
    let id = functions.get(name);
    if (id === undefined) functions.set(name, (id = BigInt(functions.size + 1)));
    return id;
  };
  const sampleType = spec.sampleTypes.map(([t, u]) => ({ type: str(t), unit: str(u) }));
  const samples = spec.samples.map((s) => ({
    // pprof lists the leaf first.
    locationId: [...s.stack].reverse().map(fnId),
    value: s.values.map(BigInt),
    label: Object.entries(s.labels ?? {}).map(([k, v]) => ({ key: str(k), str: str(v) })),
  }));
  const profile = create(ProfileSchema, {
    sampleType,
    sample: samples,
    function: [...functions].map(([name, id]) => ({ id, name: str(name) })),
    location: [...functions].map(([, id]) => ({ id, line: [{ functionId: id }] })),
    periodType: spec.periodType ? { type: str(spec.periodType[0]), unit: str(spec.periodType[1]) } : undefined,
    period: BigInt(spec.period ?? 0),
    timeNanos: spec.timeNanos ?? 0n,
    durationNanos: spec.durationNanos ?? 0n,
  });
  profile.stringTable = strings;
  return toBinary(ProfileSchema, profile);
}

export function decodePprof(bytes: Uint8Array): Profile {
  const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  return fromBinary(ProfileSchema, raw);
}

/** Folded stacks (`a;b` -> value) of one sample type of a decoded pprof. */
export function pprofStacks(p: Profile, sampleType: string): Map<string, number> {
  const idx = p.sampleType.findIndex((t) => p.stringTable[Number(t.type)] === sampleType);
  if (idx < 0) throw new Error(`no sample type ${sampleType}`);
  const fnName = new Map(p.function.map((f) => [f.id, p.stringTable[Number(f.name)]]));
  const locName = new Map(
    p.location.map((l) => [
      l.id,
      l.line
        .map((ln) => fnName.get(ln.functionId))
        .reverse()
        .join(';'),
    ]),
  );
  const out = new Map<string, number>();
  for (const s of p.sample) {
    const key = [...s.locationId]
      .reverse()
      .map((id) => locName.get(id))
      .join(';');
    out.set(key, (out.get(key) ?? 0) + Number(s.value[idx]));
  }
  return out;
}

export const sumValues = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

export function pushRequest(series: { labels: Record<string, string>; samples: { raw: Uint8Array; id?: string }[] }[]): PushRequest {
  return create(PushRequestSchema, {
    series: series.map((s) => ({
      labels: Object.entries(s.labels).map(([name, value]) => ({ name, value })),
      samples: s.samples.map((x) => ({ rawProfile: x.raw, ID: x.id ?? '' })),
    })),
  });
}

export function encodePush(req: PushRequest, encoding: 'proto' | 'json', gzip = false): { body: Buffer; headers: Record<string, string> } {
  let body = encoding === 'proto' ? Buffer.from(toBinary(PushRequestSchema, req)) : Buffer.from(toJsonString(PushRequestSchema, req));
  const headers: Record<string, string> = {
    'content-type': encoding === 'proto' ? 'application/proto' : 'application/json',
    'connect-protocol-version': '1',
  };
  if (gzip) {
    body = gzipSync(body);
    headers['content-encoding'] = 'gzip';
  }
  return { body, headers };
}

export function decodePush(body: Uint8Array, contentEncoding?: string): PushRequest {
  return fromBinary(PushRequestSchema, contentEncoding === 'gzip' ? gunzipSync(body) : body);
}

export { gzipSync };
