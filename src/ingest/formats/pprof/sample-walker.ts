// Pass 2: walks the samples remembered by the index and hands each one to a visitor as the location indexes
// of its stack, its values and its string-label pairs. Each location's frames are resolved once (the first
// time a sample reaches it) into a LocationFrames table, from which a visitor builds what it needs: frame
// names (trees), a stack hash (validate-only) or nothing but the indexes (the store's path ids). Buffers are
// reused across samples, so a visitor must copy what it keeps.
import { malformedBody } from '../../../model/errors.js';
import type { LocationTable } from '../../../model/profile-sink.js';
import type { PprofIndex } from './profile-index.js';
import { WIRE_LEN } from './proto-reader.js';

/** `function`: the function name; `file-line`: `<filename>:<line> - <function>` (rbspy, pyspy). */
export type FrameStyle = 'function' | 'file-line';

/**
 * `locs[0..nLocs)` holds the sample's location indexes (not ids) leaf first, as pprof lists them, all resolved
 * in `frames`; `values` one value per sample type. `labels[0..nLabels)` holds string-table index pairs [key,
 * value, key, value, ...] of the sample's string labels (numeric labels and empty keys/values are left out).
 * `sample` is the sample's position. The arrays are scratch: longer than their counts, reused per sample.
 */
export type LocationVisitor = (locs: readonly number[], nLocs: number, values: readonly number[], labels: readonly number[], nLabels: number, sample: number) => void;

/**
 * `labels` as above. With `hashStacks`, the visitor also gets a 53-bit hash of the stack's frame names (0
 * otherwise): equal stacks always hash alike, so counting distinct hashes never counts more stacks than there are.
 */
export type SampleVisitor = (stack: readonly string[], values: readonly number[], labels: readonly number[], stackHash: number) => void;

export const frameStyleFor = (spyName: string): FrameStyle => (spyName === 'rbspy' || spyName === 'pyspy' ? 'file-line' : 'function');

// Stack hash: a polynomial over the stack's interned frame ids in two 32-bit lanes, so a location's part
// (its frames' polynomial and B^frames) is computed once and a stack hashes with one multiply-add per location.
const B1 = 0x01000193;
const B2 = 0x5bd1e995;
const mix1 = (id: number) => Math.imul(id, 0x9e3779b1); // odd multipliers: never 0 for an id >= 1
const mix2 = (id: number) => Math.imul(id ^ (id << 13), 0x85ebca6b);

/** The frames of a profile's locations, resolved on first use in walk order (so errors name the same location). */
export class LocationFrames implements LocationTable {
  /** Per location index: first entry in `frames` (-1 until resolved) and how many. */
  readonly start: Int32Array;
  readonly count: Int32Array;
  /** Frame names of all resolved locations, each location's root first. */
  readonly frames: string[] = [];
  /** Per location: its frames' hash polynomial and B^frames per lane (filled when hashing). */
  private readonly hash1: Int32Array | undefined;
  private readonly hash2: Int32Array | undefined;
  private readonly pow1: Int32Array | undefined;
  private readonly pow2: Int32Array | undefined;
  private readonly interned = new Map<string, number>();

  constructor(
    private readonly ix: PprofIndex,
    private readonly style: FrameStyle,
    hashing: boolean,
  ) {
    const n = ix.locLineStart.length;
    this.start = new Int32Array(n).fill(-1);
    this.count = new Int32Array(n);
    if (hashing) {
      this.hash1 = new Int32Array(n);
      this.hash2 = new Int32Array(n);
      this.pow1 = new Int32Array(n);
      this.pow2 = new Int32Array(n);
    }
  }

  resolve(li: number): void {
    const { ix, frames } = this;
    this.start[li] = frames.length;
    const first = ix.locLineStart[li];
    let h1 = 0;
    let h2 = 0;
    let p1 = 1;
    let p2 = 1;
    // The last line is the caller the earlier ones were inlined into: root→leaf means last line first.
    for (let j = first + ix.locLineCount[li] - 1; j >= first; j--) {
      const fnId = ix.lineFunction[j];
      if (fnId === 0) continue; // a line without a function carries no name
      const fi = ix.functionIndex(fnId);
      if (fi < 0) throw malformedBody('pprof', `location #${li}`, `line refers to unknown function id ${fnId}`);
      const name = ix.string(ix.functionName[fi], `function #${fi} name`);
      if (name === '') continue;
      const frame = this.style === 'function' ? name : `${ix.string(ix.functionFile[fi], `function #${fi} filename`)}:${ix.lineNumber[j]} - ${name}`;
      frames.push(frame);
      if (this.hash1 !== undefined) {
        let id = this.interned.get(frame);
        if (id === undefined) this.interned.set(frame, (id = this.interned.size + 1));
        h1 = (Math.imul(h1, B1) + mix1(id)) | 0;
        h2 = (Math.imul(h2, B2) + mix2(id)) | 0;
        p1 = Math.imul(p1, B1);
        p2 = Math.imul(p2, B2);
      }
    }
    this.count[li] = frames.length - this.start[li];
    if (this.hash1 !== undefined) {
      this.hash1[li] = h1;
      this.hash2![li] = h2;
      this.pow1![li] = p1;
      this.pow2![li] = p2;
    }
  }

  get size(): number {
    return this.start.length;
  }

  framesOf(loc: number): readonly string[] {
    const s = this.start[loc];
    return s < 0 ? [] : this.frames.slice(s, s + this.count[loc]);
  }

  /** The stack's frame names, root first, into `out` (cleared first). */
  stack(locs: readonly number[], n: number, out: string[]): string[] {
    out.length = 0;
    const { frames, start, count } = this;
    for (let k = n - 1; k >= 0; k--) {
      const s = start[locs[k]];
      const e = s + count[locs[k]];
      for (let f = s; f < e; f++) out.push(frames[f]);
    }
    return out;
  }

  /** The two 32-bit lanes of the last stackHash(). */
  lane1 = 0;
  lane2 = 0;

  /**
   * Hashes the stack of `locs[0..n)` (needs `hashing`) into lane1/lane2 and returns its depth (frames): equal
   * frame lists hash alike whatever their locations.
   */
  stackHash(locs: readonly number[], n: number): number {
    const hash1 = this.hash1!;
    const hash2 = this.hash2!;
    const pow1 = this.pow1!;
    const pow2 = this.pow2!;
    const count = this.count;
    let h1 = 0;
    let h2 = 0;
    let depth = 0;
    for (let k = n - 1; k >= 0; k--) {
      const li = locs[k];
      h1 = (Math.imul(h1, pow1[li]) + hash1[li]) | 0;
      h2 = (Math.imul(h2, pow2[li]) + hash2[li]) | 0;
      depth += count[li];
    }
    this.lane1 = h1;
    this.lane2 = h2 ^ depth;
    return depth;
  }

  /** stackHash as one 53-bit number. */
  hash(locs: readonly number[], n: number): number {
    this.stackHash(locs, n);
    return (this.lane1 >>> 0) * 0x200000 + (this.lane2 >>> 11);
  }
}

/** Walks every sample; `frames` must be a table over the same index. */
export function walkLocations(ix: PprofIndex, frames: LocationFrames, visit: LocationVisitor): void {
  const r = ix.reader;
  const nTypes = ix.sampleTypes.length;
  const start = frames.start;
  const locs: number[] = [];
  const values: number[] = [];
  const labels: number[] = [];
  const n = ix.sampleStarts.length;
  for (let s = 0; s < n; s++) {
    r.pos = ix.sampleStarts[s];
    r.end = ix.sampleEnds[s];
    let nLocs = 0;
    let nValues = 0;
    let nLabels = 0;
    while (r.pos < r.end) {
      const tag = r.tag();
      const field = tag >>> 3;
      const wt = tag & 7;
      if (field === 1) nLocs = r.repeatedVarint(wt, locs, nLocs, field, 'Sample');
      else if (field === 2) nValues = r.repeatedVarint(wt, values, nValues, field, 'Sample');
      else if (field === 3) {
        r.expect(wt, WIRE_LEN, field, 'Sample');
        nLabels = readLabel(r, labels, nLabels);
      } else r.skip(wt, field);
    }
    if (nValues !== nTypes) {
      throw malformedBody('pprof', `sample #${s}`, `has ${nValues} values but the profile has ${nTypes} sample types`);
    }
    // Same rule as folded: values are counts or amounts, never negative, and exact (int64 past 2^53-1
    // would be summed as rounded floats). Such a sample is a 422 naming it, not a silently empty profile.
    for (let v = 0; v < nTypes; v++) {
      const value = values[v];
      if (value >= 0 && value <= Number.MAX_SAFE_INTEGER) continue;
      const type = ix.string(ix.sampleTypes[v].type, `sample type #${v}`);
      throw malformedBody('pprof', `sample #${s}`, value < 0 ? `value ${value} of sample type ${type} is negative` : `value of sample type ${type} exceeds 2^53-1`);
    }
    // Root first, so the first bad location or function a sample reaches is the one named.
    for (let k = nLocs - 1; k >= 0; k--) {
      const li = ix.locationIndex(locs[k]);
      if (li < 0) throw malformedBody('pprof', `sample #${s}`, `refers to unknown location id ${locs[k]}`);
      if (start[li] < 0) frames.resolve(li);
      locs[k] = li;
    }
    visit(locs, nLocs, values, labels, nLabels, s);
  }
}

/** Walks every sample as a root→leaf stack of frame names (tests, benchmarks). */
export function walkSamples(ix: PprofIndex, style: FrameStyle, visit: SampleVisitor, hashStacks = false): void {
  const frames = new LocationFrames(ix, style, hashStacks);
  const stack: string[] = [];
  walkLocations(ix, frames, (locs, nLocs, values, labels, nLabels) => {
    frames.stack(locs, nLocs, stack);
    visit(stack, values.slice(0, ix.sampleTypes.length), labels.slice(0, nLabels), hashStacks ? frames.hash(locs, nLocs) : 0);
  });
}

function readLabel(r: PprofIndex['reader'], out: number[], n: number): number {
  const saved = r.enter();
  let key = 0;
  let str = 0;
  while (r.pos < r.end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) {
      r.expect(wt, 0, field, 'Label');
      key = r.varint();
    } else if (field === 2) {
      r.expect(wt, 0, field, 'Label');
      str = r.varint();
    } else r.skip(wt, field);
  }
  r.leave(saved);
  if (key === 0 || str === 0) return n;
  out[n] = key;
  out[n + 1] = str;
  return n + 2;
}
