// Pass 2: walks the samples remembered by the index and hands each one to a visitor as a root→leaf stack
// of frame names, its values and its string-label pairs. Buffers are reused across samples, so a visitor
// must copy what it keeps. Frames per location are resolved once and cached.
import { malformedBody } from '../../../model/errors.js';
import type { PprofIndex } from './profile-index.js';
import { WIRE_LEN } from './proto-reader.js';

/** `function`: the function name; `file-line`: `<filename>:<line> - <function>` (rbspy, pyspy). */
export type FrameStyle = 'function' | 'file-line';

/**
 * `labels` holds string-table index pairs [key, value, key, value, ...] of the sample's string labels
 * (numeric labels and empty keys/values are left out).
 */
export type SampleVisitor = (stack: readonly string[], values: readonly number[], labels: readonly number[], stackHash: number) => void;

export const frameStyleFor = (spyName: string): FrameStyle => (spyName === 'rbspy' || spyName === 'pyspy' ? 'file-line' : 'function');

/**
 * With `hashStacks`, the visitor also gets a 53-bit hash of the stack's frame names (0 otherwise): equal
 * stacks always hash alike, so counting distinct hashes never counts more stacks than there are.
 */
export function walkSamples(ix: PprofIndex, style: FrameStyle, visit: SampleVisitor, hashStacks = false): void {
  const r = ix.reader;
  const nLoc = ix.locLineStart.length;
  const frameStart = new Int32Array(nLoc).fill(-1);
  const frameCount = new Int32Array(nLoc);
  const frames: string[] = [];
  // Frame names interned to small ints when hashing, so a stack hashes without touching its strings.
  const frameIds: number[] = [];
  const interned = new Map<string, number>();
  const nTypes = ix.sampleTypes.length;

  const resolveLocation = (li: number): void => {
    frameStart[li] = frames.length;
    const first = ix.locLineStart[li];
    // The last line is the caller the earlier ones were inlined into: root→leaf means last line first.
    for (let j = first + ix.locLineCount[li] - 1; j >= first; j--) {
      const fnId = ix.lineFunction[j];
      if (fnId === 0) continue; // a line without a function carries no name
      const fi = ix.functionIndex(fnId);
      if (fi < 0) throw malformedBody('pprof', `location #${li}`, `line refers to unknown function id ${fnId}`);
      const name = ix.string(ix.functionName[fi], `function #${fi} name`);
      if (name === '') continue;
      const frame = style === 'function' ? name : `${ix.string(ix.functionFile[fi], `function #${fi} filename`)}:${ix.lineNumber[j]} - ${name}`;
      frames.push(frame);
      if (hashStacks) {
        let id = interned.get(frame);
        if (id === undefined) interned.set(frame, (id = interned.size + 1));
        frameIds.push(id);
      }
    }
    frameCount[li] = frames.length - frameStart[li];
  };

  const locs: number[] = [];
  const values: number[] = [];
  const labels: number[] = [];
  const stack: string[] = [];
  const n = ix.sampleStarts.length;
  for (let s = 0; s < n; s++) {
    r.pos = ix.sampleStarts[s];
    r.end = ix.sampleEnds[s];
    locs.length = 0;
    values.length = 0;
    labels.length = 0;
    while (r.pos < r.end) {
      const tag = r.tag();
      const field = tag >>> 3;
      const wt = tag & 7;
      if (field === 1) r.repeatedVarint(wt, locs, field, 'Sample');
      else if (field === 2) r.repeatedVarint(wt, values, field, 'Sample');
      else if (field === 3) {
        r.expect(wt, WIRE_LEN, field, 'Sample');
        readLabel(r, labels);
      } else r.skip(wt, field);
    }
    if (values.length !== nTypes) {
      throw malformedBody('pprof', `sample #${s}`, `has ${values.length} values but the profile has ${nTypes} sample types`);
    }
    // Same rule as folded: values are counts or amounts, never negative, and exact (int64 past 2^53-1
    // would be summed as rounded floats). Such a sample is a 422 naming it, not a silently empty profile.
    for (let v = 0; v < nTypes; v++) {
      const value = values[v];
      if (value >= 0 && value <= Number.MAX_SAFE_INTEGER) continue;
      const type = ix.string(ix.sampleTypes[v].type, `sample type #${v}`);
      throw malformedBody('pprof', `sample #${s}`, value < 0 ? `value ${value} of sample type ${type} is negative` : `value of sample type ${type} exceeds 2^53-1`);
    }
    stack.length = 0;
    let h1 = 0x811c9dc5;
    let h2 = 0x2545f491;
    for (let k = locs.length - 1; k >= 0; k--) {
      const li = ix.locationIndex(locs[k]);
      if (li < 0) throw malformedBody('pprof', `sample #${s}`, `refers to unknown location id ${locs[k]}`);
      if (frameStart[li] < 0) resolveLocation(li);
      const start = frameStart[li];
      const end = start + frameCount[li];
      for (let f = start; f < end; f++) stack.push(frames[f]);
      if (hashStacks) {
        for (let f = start; f < end; f++) {
          h1 = Math.imul(h1 ^ frameIds[f], 0x01000193);
          h2 = Math.imul(h2 ^ frameIds[f], 0x5bd1e995) ^ (h2 >>> 15);
        }
      }
    }
    const hash = hashStacks ? (h1 >>> 0) * 0x200000 + ((h2 ^ stack.length) >>> 11) : 0;
    visit(stack, values, labels, hash);
  }
}

function readLabel(r: PprofIndex['reader'], out: number[]): void {
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
  if (key !== 0 && str !== 0) out.push(key, str);
}
