// The `labels` part of a pyroscope-java upload: a LabelsSnapshot protobuf.
//   LabelsSnapshot { map<int64, Context> contexts = 1; map<int64, string> strings = 2; }
//   Context { map<int64, int64> labels = 1; }   (name string id -> value string id)
// Map entries are messages {key = 1, value = 2}. A small hand-written reader: the shape is fixed and
// tiny, and every read is bounds-checked to a 422 that names the byte offset.
import { malformedBody } from '../../../model/errors.js';

export interface LabelsSnapshot {
  contexts: Map<number, Map<number, number>>;
  strings: Map<number, string>;
}

const utf8 = new TextDecoder();

class ProtoReader {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    readonly end: number,
  ) {}

  fail(what: string, at = this.pos): Error {
    return malformedBody('jfr', `labels at byte ${at}`, what);
  }

  varint(): bigint {
    let v = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.end) throw this.fail('truncated varint');
      const b = this.buf[this.pos++];
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return v;
    }
    throw this.fail('varint longer than 10 bytes');
  }

  /** int64 fields: two's complement in 64 bits; ids beyond 2^53 lose precision like everywhere in JS. */
  int64(): number {
    return Number(BigInt.asIntN(64, this.varint()));
  }

  len(): number {
    const at = this.pos;
    const n = this.varint();
    if (n > BigInt(this.end - this.pos)) throw this.fail(`length ${n} exceeds the ${this.end - this.pos} bytes left`, at);
    return Number(n);
  }

  /** Reads a tag; returns [field number, wire type]. */
  tag(): [number, number] {
    const t = this.varint();
    const field = Number(t >> 3n);
    if (field === 0) throw this.fail('field number 0');
    return [field, Number(t & 7n)];
  }

  skip(wire: number): void {
    const at = this.pos;
    let n: number;
    if (wire === 0) return void this.varint();
    if (wire === 1) n = 8;
    else if (wire === 2) n = this.len();
    else if (wire === 5) n = 4;
    else throw this.fail(`unsupported wire type ${wire}`, at);
    if (this.pos + n > this.end) throw this.fail('truncated field', at);
    this.pos += n;
  }

  /** Iterates the fields of the message in [pos, end); each step consumes bytes, so it ends. */
  fields(each: (field: number, wire: number) => boolean): void {
    while (this.pos < this.end) {
      const [field, wire] = this.tag();
      if (!each(field, wire)) this.skip(wire);
    }
  }

  sub(): ProtoReader {
    const n = this.len();
    const r = new ProtoReader(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }
}

export function decodeLabelsSnapshot(bytes: Uint8Array): LabelsSnapshot {
  const out: LabelsSnapshot = { contexts: new Map(), strings: new Map() };
  const r = new ProtoReader(bytes, 0, bytes.length);
  r.fields((field, wire) => {
    if (wire !== 2 || (field !== 1 && field !== 2)) return false;
    const entry = r.sub();
    let key = 0;
    if (field === 1) {
      const labels = new Map<number, number>();
      entry.fields((f, w) => {
        if (f === 1 && w === 0) key = entry.int64();
        else if (f === 2 && w === 2) readContext(entry.sub(), labels);
        else return false;
        return true;
      });
      out.contexts.set(key, labels);
    } else {
      let value = '';
      entry.fields((f, w) => {
        if (f === 1 && w === 0) key = entry.int64();
        else if (f === 2 && w === 2) {
          const n = entry.len();
          value = utf8.decode(bytes.subarray(entry.pos, entry.pos + n));
          entry.pos += n;
        } else return false;
        return true;
      });
      out.strings.set(key, value);
    }
    return true;
  });
  return out;
}

function readContext(r: ProtoReader, labels: Map<number, number>): void {
  r.fields((field, wire) => {
    if (field !== 1 || wire !== 2) return false;
    const entry = r.sub();
    let k = 0;
    let v = 0;
    entry.fields((f, w) => {
      if (f === 1 && w === 0) k = entry.int64();
      else if (f === 2 && w === 0) v = entry.int64();
      else return false;
      return true;
    });
    labels.set(k, v);
    return true;
  });
}

/**
 * The labels of context `id`; empty for id 0, an unknown id, or ids whose strings are missing
 * (a label needs both its name and value to be meaningful).
 */
export function contextLabels(s: LabelsSnapshot | undefined, id: number): Record<string, string> {
  const out: Record<string, string> = {};
  const ctx = id === 0 ? undefined : s?.contexts.get(id);
  if (ctx === undefined || s === undefined) return out;
  for (const [k, v] of ctx) {
    const name = s.strings.get(k);
    const value = s.strings.get(v);
    if (name !== undefined && name !== '' && value !== undefined) out[name] = value;
  }
  return out;
}
