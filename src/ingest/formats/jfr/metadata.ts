// The metadata event: a string table plus an element tree (root > metadata > class > field) that
// describes every type in the chunk. Events and constants are decoded only through it, so unknown
// event types are skipped by size and new fields never break decoding.
import type { ChunkHeader } from './chunk.js';
import { JfrReader } from './reader.js';

export type Primitive = 'boolean' | 'byte' | 'char' | 'short' | 'int' | 'long' | 'float' | 'double' | 'string';

const PRIMITIVES: Record<string, Primitive> = {
  boolean: 'boolean',
  byte: 'byte',
  char: 'char',
  short: 'short',
  int: 'int',
  long: 'long',
  float: 'float',
  double: 'double',
  'java.lang.String': 'string',
};

export interface FieldDef {
  name: string;
  typeId: number;
  constantPool: boolean;
  array: boolean;
}

export interface ClassDef {
  id: number;
  name: string;
  primitive: Primitive | undefined;
  fields: FieldDef[];
  fieldIndex: Map<string, number>;
}

export interface Metadata {
  classes: Map<number, ClassDef>;
  byName: Map<string, ClassDef>;
}

interface Element {
  name: string;
  attrs: Map<string, string>;
  children: Element[];
}

// root > metadata > class > field > annotation is depth 5; anything deeper is corrupt.
const MAX_ELEMENT_DEPTH = 16;

export function readMetadata(buf: Uint8Array, h: ChunkHeader): Metadata {
  const chunkEnd = h.start + h.size;
  const r = new JfrReader(buf, h.index, h.start + h.metadataOffset, chunkEnd);
  r.compressed = h.compressedInts;
  const eventStart = r.pos;
  const size = r.varCount('metadata event size');
  if (size === 0 || eventStart + size > chunkEnd) throw r.fail(`metadata event size ${size} exceeds the chunk`, eventStart);
  r.end = eventStart + size;
  const type = r.varLong();
  if (type !== 0) throw r.fail(`expected the metadata event (type 0) at the metadata offset, found type ${type}`, eventStart);
  r.varLong(); // start time
  r.varLong(); // duration
  r.varLong(); // metadata id
  const count = r.varCount('metadata string count');
  if (count > r.remaining) throw r.fail(`metadata string count ${count} exceeds the event`);
  const strings: string[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const s = r.string();
    if (s !== null && typeof s !== 'string') throw r.fail('metadata string refers to a constant pool');
    strings[i] = s ?? '';
  }
  const str = (): string => {
    const at = r.pos;
    const i = r.varCount('metadata string index');
    if (i >= strings.length) throw r.fail(`metadata string index ${i} out of ${strings.length}`, at);
    return strings[i];
  };
  const element = (depth: number): Element => {
    if (depth > MAX_ELEMENT_DEPTH) throw r.fail('metadata elements nested too deeply');
    const name = str();
    const attrCount = r.varCount('attribute count');
    if (attrCount > r.remaining) throw r.fail(`attribute count ${attrCount} exceeds the event`);
    const attrs = new Map<string, string>();
    for (let i = 0; i < attrCount; i++) attrs.set(str(), str());
    const childCount = r.varCount('element count');
    if (childCount > r.remaining) throw r.fail(`element count ${childCount} exceeds the event`);
    const children: Element[] = [];
    for (let i = 0; i < childCount; i++) children.push(element(depth + 1));
    return { name, attrs, children };
  };
  const root = element(0);
  return buildClasses(root, r);
}

function buildClasses(root: Element, r: JfrReader): Metadata {
  const classes = new Map<number, ClassDef>();
  const byName = new Map<string, ClassDef>();
  const num = (e: Element, key: string): number => {
    const v = Number(e.attrs.get(key));
    if (!Number.isSafeInteger(v) || v < 0) throw r.fail(`metadata ${e.name} has an invalid ${key} "${e.attrs.get(key)}"`);
    return v;
  };
  for (const md of root.children) {
    if (md.name !== 'metadata') continue;
    for (const c of md.children) {
      if (c.name !== 'class') continue;
      const name = c.attrs.get('name') ?? '';
      const fields: FieldDef[] = [];
      for (const f of c.children) {
        if (f.name !== 'field') continue;
        fields.push({
          name: f.attrs.get('name') ?? '',
          typeId: num(f, 'class'),
          constantPool: f.attrs.get('constantPool') === 'true',
          array: f.attrs.get('dimension') === '1',
        });
      }
      const def: ClassDef = {
        id: num(c, 'id'),
        name,
        primitive: fields.length === 0 ? PRIMITIVES[name] : undefined,
        fields,
        fieldIndex: new Map(fields.map((f, i) => [f.name, i])),
      };
      classes.set(def.id, def);
      byName.set(name, def);
    }
  }
  for (const c of classes.values()) {
    for (const f of c.fields) {
      if (!classes.has(f.typeId)) throw r.fail(`field ${c.name}.${f.name} has unknown type id ${f.typeId}`);
    }
  }
  return { classes, byName };
}
