// An independent, deliberately plain reading of a pprof with pprof-format, used as the expected value in
// tests: folded stacks per (sample type, string labels), plus small helpers to build profiles and inputs.
import { decodeInput } from '../../../../helpers/decode-input.js';
import { buildMultipart } from '../../../../helpers/multipart.js';
import { gunzipSync } from 'node:zlib';
import { Function as PFunction, Line, Location, Profile, Sample, StringTable, ValueType, Label } from 'pprof-format';
import type { DecodedProfile, DecodeInput } from '../../../../../src/model/profile.js';
import { normalizeKey } from '../../../../../src/model/series-key.js';

export function decodeRef(bytes: Uint8Array): Profile {
  return Profile.decode(bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes);
}

/** Sum of each sample type's positive values, by sample-type name. */
export function sumsByType(bytes: Uint8Array): Map<string, number> {
  const p = decodeRef(bytes);
  const s = p.stringTable.strings;
  const out = new Map<string, number>();
  p.sampleType.forEach((t, i) => {
    let sum = 0;
    for (const sample of p.sample) {
      const v = Number(sample.value[i]);
      if (v > 0) sum += v;
    }
    out.set(s[Number(t.type)], sum);
  });
  return out;
}

export interface RefSeries {
  type: string;
  /** String labels only (no name tags). */
  labels: Record<string, string>;
  folded: Map<string, number>;
}

/** Folded stacks per (sample type, string labels), the profile as it is (no exemplar copies). */
export function foldedByTypeAndLabels(bytes: Uint8Array): RefSeries[] {
  const p = decodeRef(bytes);
  const s = p.stringTable.strings;
  const fns = new Map(p.function.map((f) => [Number(f.id), f]));
  const locs = new Map(p.location.map((l) => [Number(l.id), l]));
  const out = new Map<string, RefSeries>();
  for (const sample of p.sample) {
    const frames: string[] = [];
    for (const id of [...sample.locationId].reverse()) {
      const loc = locs.get(Number(id))!;
      for (const line of [...loc.line].reverse()) {
        const name = s[Number(fns.get(Number(line.functionId))!.name)];
        if (name !== '') frames.push(name);
      }
    }
    const labels: Record<string, string> = {};
    for (const l of sample.label) if (Number(l.str) !== 0) labels[s[Number(l.key)]] = s[Number(l.str)];
    const folded = frames.join(';');
    p.sampleType.forEach((t, i) => {
      const v = Number(sample.value[i]);
      if (!(v > 0)) return;
      const type = s[Number(t.type)];
      const key = `${type}|${normalizeKey({ appName: '', labels })}`;
      let e = out.get(key);
      if (e === undefined) out.set(key, (e = { type, labels, folded: new Map() }));
      e.folded.set(folded, (e.folded.get(folded) ?? 0) + v);
    });
  }
  return [...out.values()];
}

export const refFolded = (bytes: Uint8Array, type: string, labels: Record<string, string> = {}) =>
  foldedByTypeAndLabels(bytes).find((e) => e.type === type && normalizeKey({ appName: '', labels: e.labels }) === normalizeKey({ appName: '', labels }))!.folded;

export const byName = (out: DecodedProfile[]) => new Map(out.map((p) => [normalizeKey(p.key), p]));

export function input(body: Uint8Array, over: Partial<DecodeInput> = {}): DecodeInput {
  return decodeInput(body, { contentType: 'application/octet-stream', spyName: 'gospy', sampleRate: 17, ...over });
}

/** A multipart body with the given parts (filename set unless `plain`). */
export const multipart = (parts: { name: string; data: Uint8Array | string; plain?: boolean }[], boundary = 'b0undary') =>
  buildMultipart(
    parts.map((p) => ({ name: p.name, data: p.data, filename: p.plain ? undefined : `${p.name}.bin` })),
    boundary,
  );

export interface TinySample {
  /** Function names, leaf first; a string containing `>` is one location with inlined lines (inlinee>caller). */
  stack: string[];
  values: number[];
  labels?: Record<string, string>;
}

/** Builds a small profile; function names become functions, each stack entry one location. */
export function tinyProfile(o: { types: [string, string][]; samples: TinySample[]; periodType?: [string, string]; period?: number; filename?: string }): Uint8Array {
  const st = new StringTable();
  const fnIds = new Map<string, number>();
  const functions: PFunction[] = [];
  const fnId = (name: string) => {
    let id = fnIds.get(name);
    if (id === undefined) {
      id = fnIds.size + 1;
      fnIds.set(name, id);
      functions.push(new PFunction({ id, name: st.dedup(name), filename: st.dedup(o.filename ?? 'main.go') }));
    }
    return id;
  };
  const locations: Location[] = [];
  const locIds = new Map<string, number>();
  const locId = (entry: string) => {
    let id = locIds.get(entry);
    if (id === undefined) {
      id = locIds.size + 1;
      locIds.set(entry, id);
      const line = entry.split('>').map((n, i) => new Line({ functionId: fnId(n), line: 10 + i }));
      locations.push(new Location({ id, line }));
    }
    return id;
  };
  const samples = o.samples.map(
    (s) =>
      new Sample({
        locationId: s.stack.map(locId),
        value: s.values,
        label: Object.entries(s.labels ?? {}).map(([k, v]) => new Label({ key: st.dedup(k), str: st.dedup(v) })),
      }),
  );
  return new Profile({
    sampleType: o.types.map(([t, u]) => new ValueType({ type: st.dedup(t), unit: st.dedup(u) })),
    sample: samples,
    location: locations,
    function: functions,
    stringTable: st,
    periodType: o.periodType ? new ValueType({ type: st.dedup(o.periodType[0]), unit: st.dedup(o.periodType[1]) }) : undefined,
    period: o.period ?? 0,
  }).encode();
}
