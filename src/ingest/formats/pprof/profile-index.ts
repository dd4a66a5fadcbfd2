// Pass 1 over a perftools.profiles.Profile: one scan that indexes strings (as byte ranges, decoded on
// demand), functions, locations and their lines into flat arrays, and remembers where each sample's bytes
// are. Samples are walked later (sample-walker.ts) without materialising message objects.
import { malformedBody } from '../../../model/errors.js';
import { ProtoReader, WIRE_LEN, WIRE_VARINT } from './proto-reader.js';

export interface ValueTypeRef {
  /** String-table indexes. */
  type: number;
  unit: number;
}

export interface PprofIndex {
  readonly reader: ProtoReader;
  readonly sampleTypes: ValueTypeRef[];
  readonly periodType: ValueTypeRef | undefined;
  readonly period: number;
  /** Byte ranges of the sample messages. */
  readonly sampleStarts: number[];
  readonly sampleEnds: number[];
  readonly stringCount: number;
  /** Location i: its lines are lineFunction/lineNumber[locLineStart[i] .. + locLineCount[i]). */
  readonly locLineStart: number[];
  readonly locLineCount: number[];
  readonly lineFunction: number[];
  readonly lineNumber: number[];
  readonly functionName: number[];
  readonly functionFile: number[];
  /** The decoded string at a string-table index; throws a 422 naming `where` when out of range. */
  string(index: number, where: string): string;
  /** Location/function position for an id, or -1. */
  locationIndex(id: number): number;
  functionIndex(id: number): number;
}

/** Dense Int32Array lookup when ids are small (the common 1..N case), a Map otherwise. */
function idLookup(ids: number[]): (id: number) => number {
  let max = 0;
  let dense = true;
  for (const id of ids) {
    if (!(id >= 0 && id <= 0x3fffffff)) dense = false;
    else if (id > max) max = id;
  }
  if (dense && max <= ids.length * 4 + 1024) {
    const table = new Int32Array(max + 1).fill(-1);
    for (let i = 0; i < ids.length; i++) table[ids[i]] = i;
    return (id) => (id >= 0 && id <= max ? table[id] : -1);
  }
  const map = new Map<number, number>();
  for (let i = 0; i < ids.length; i++) map.set(ids[i], i);
  return (id) => map.get(id) ?? -1;
}

export function indexProfile(buf: Uint8Array): PprofIndex {
  const r = new ProtoReader(buf);
  const sampleTypes: ValueTypeRef[] = [];
  let periodType: ValueTypeRef | undefined;
  let period = 0;
  const sampleStarts: number[] = [];
  const sampleEnds: number[] = [];
  const strStarts: number[] = [];
  const strEnds: number[] = [];
  const locIds: number[] = [];
  const locLineStart: number[] = [];
  const locLineCount: number[] = [];
  const lineFunction: number[] = [];
  const lineNumber: number[] = [];
  const fnIds: number[] = [];
  const functionName: number[] = [];
  const functionFile: number[] = [];

  while (r.pos < r.end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 1: // sample_type
        r.expect(wt, WIRE_LEN, field, 'Profile');
        sampleTypes.push(readValueType(r));
        break;
      case 2: {
        // sample: only remember where it is
        r.expect(wt, WIRE_LEN, field, 'Profile');
        const n = r.length();
        sampleStarts.push(r.pos);
        sampleEnds.push(r.pos + n);
        r.pos += n;
        break;
      }
      case 4: // location
        r.expect(wt, WIRE_LEN, field, 'Profile');
        readLocation(r, locIds, locLineStart, locLineCount, lineFunction, lineNumber);
        break;
      case 5: // function
        r.expect(wt, WIRE_LEN, field, 'Profile');
        readFunction(r, fnIds, functionName, functionFile);
        break;
      case 6: {
        // string_table
        r.expect(wt, WIRE_LEN, field, 'Profile');
        const n = r.length();
        strStarts.push(r.pos);
        strEnds.push(r.pos + n);
        r.pos += n;
        break;
      }
      case 11: // period_type
        r.expect(wt, WIRE_LEN, field, 'Profile');
        periodType = readValueType(r);
        break;
      case 12: // period
        r.expect(wt, WIRE_VARINT, field, 'Profile');
        period = r.varint();
        break;
      default:
        // mapping, drop/keep_frames, time, duration, comment, default_sample_type, doc_url, unknown
        r.skip(wt, field);
    }
  }

  const stringCount = strStarts.length;
  const text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const cache: (string | undefined)[] = new Array(stringCount);
  const string = (index: number, where: string): string => {
    const s = cache[index];
    if (s !== undefined) return s;
    if (!(index >= 0 && index < stringCount)) {
      // Index 0 is "" by definition, even when a writer omitted the table.
      if (index === 0) return '';
      throw malformedBody('pprof', where, `string index ${index} out of range (string table has ${stringCount} entries)`);
    }
    const decoded = text.toString('utf8', strStarts[index], strEnds[index]);
    cache[index] = decoded;
    return decoded;
  };
  return {
    reader: r,
    sampleTypes,
    periodType,
    period,
    sampleStarts,
    sampleEnds,
    stringCount,
    locLineStart,
    locLineCount,
    lineFunction,
    lineNumber,
    functionName,
    functionFile,
    string,
    locationIndex: idLookup(locIds),
    functionIndex: idLookup(fnIds),
  };
}

function readValueType(r: ProtoReader): ValueTypeRef {
  const saved = r.enter();
  const vt: ValueTypeRef = { type: 0, unit: 0 };
  while (r.pos < r.end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1 && wt === WIRE_VARINT) vt.type = r.varint();
    else if (field === 2 && wt === WIRE_VARINT) vt.unit = r.varint();
    else if (field === 1 || field === 2) r.expect(wt, WIRE_VARINT, field, 'ValueType');
    else r.skip(wt, field);
  }
  r.leave(saved);
  return vt;
}

function readLocation(r: ProtoReader, ids: number[], lineStart: number[], lineCount: number[], lineFunction: number[], lineNumber: number[]): void {
  const saved = r.enter();
  let id = 0;
  const first = lineFunction.length;
  while (r.pos < r.end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) {
      r.expect(wt, WIRE_VARINT, field, 'Location');
      id = r.varint();
    } else if (field === 4) {
      r.expect(wt, WIRE_LEN, field, 'Location');
      const inner = r.enter();
      let fn = 0;
      let line = 0;
      while (r.pos < r.end) {
        const t = r.tag();
        const f = t >>> 3;
        const w = t & 7;
        if (f === 1 || f === 2) {
          r.expect(w, WIRE_VARINT, f, 'Line');
          if (f === 1) fn = r.varint();
          else line = r.varint();
        } else r.skip(w, f);
      }
      r.leave(inner);
      lineFunction.push(fn);
      lineNumber.push(line);
    } else r.skip(wt, field);
  }
  r.leave(saved);
  ids.push(id);
  lineStart.push(first);
  lineCount.push(lineFunction.length - first);
}

function readFunction(r: ProtoReader, ids: number[], names: number[], files: number[]): void {
  const saved = r.enter();
  let id = 0;
  let name = 0;
  let file = 0;
  while (r.pos < r.end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1 || field === 2 || field === 4) {
      r.expect(wt, WIRE_VARINT, field, 'Function');
      const v = r.varint();
      if (field === 1) id = v;
      else if (field === 2) name = v;
      else file = v;
    } else r.skip(wt, field);
  }
  r.leave(saved);
  ids.push(id);
  names.push(name);
  files.push(file);
}
