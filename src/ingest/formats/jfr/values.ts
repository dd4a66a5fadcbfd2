// Generic value decoding through the metadata: primitives by kind, pool references as raw keys,
// inline structs as arrays of field values in declaration order. Bounded by a nesting depth and a
// per-chunk value budget, so zero-width structs in corrupt metadata cannot loop or recurse forever.
import type { ClassDef, FieldDef, Metadata } from './metadata.js';
import type { JfrReader, StringRef } from './reader.js';

export type Value = number | boolean | string | null | StringRef | Value[];

const MAX_STRUCT_DEPTH = 32;

export interface ValueDecoder {
  readonly md: Metadata;
  /** Reads one value of class `cls` at the reader's position. */
  read(r: JfrReader, cls: ClassDef): Value;
}

/** `budget` caps the number of values decoded in the chunk (honest data stays well below its byte size). */
export function createValueDecoder(md: Metadata, budget: number): ValueDecoder {
  let left = budget;

  const readValue = (r: JfrReader, cls: ClassDef, depth: number): Value => {
    if (--left < 0) throw r.fail('too many values in the chunk (corrupt metadata?)');
    switch (cls.primitive) {
      case 'boolean':
        return r.u8() !== 0;
      case 'byte':
        return (r.u8() << 24) >> 24;
      case 'char':
      case 'short':
        return r.short();
      case 'int':
        return r.varInt();
      case 'long':
        return r.varLong();
      case 'float':
        return r.f32();
      case 'double':
        return r.f64();
      case 'string':
        return r.string();
      case undefined:
        break;
    }
    if (depth >= MAX_STRUCT_DEPTH) throw r.fail(`type ${cls.name} nests too deeply`);
    const out: Value[] = new Array(cls.fields.length);
    for (let i = 0; i < cls.fields.length; i++) out[i] = readField(r, cls.fields[i], depth + 1);
    return out;
  };

  const readSingle = (r: JfrReader, f: FieldDef, depth: number): Value => {
    if (f.constantPool) {
      if (--left < 0) throw r.fail('too many values in the chunk (corrupt metadata?)');
      return r.varLong();
    }
    return readValue(r, md.classes.get(f.typeId)!, depth);
  };

  const readField = (r: JfrReader, f: FieldDef, depth: number): Value => {
    if (!f.array) return readSingle(r, f, depth);
    const at = r.pos;
    const n = r.varCount('array length');
    if (n > r.remaining) throw r.fail(`array length ${n} exceeds the ${r.remaining} bytes left`, at);
    const out: Value[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = readSingle(r, f, depth);
    return out;
  };

  return { md, read: (r, cls) => readValue(r, cls, 0) };
}
