// Folded stacks, format `groups`: `frame1;frame2;...;frameN <count>` per line, root first.
// Like OG: split at the last space, frames on `;`, identical stacks add up, lines without a space are
// skipped. Unlike OG (docs/compatibility.md#15): no line-length cap, and a bad count is a 422 naming the line.
import { malformedBody } from '../../model/errors.js';
import { DEFAULT_MAX_STACK_DEPTH, type DecodedProfile, type DecodeInput, type ProfileDecoder } from '../../model/profile.js';
import { Tree } from '../../model/tree.js';
import { edgeHash } from '../../lib/edge-hash.js';

const FORMAT = 'folded';
const COUNT = /^[0-9]+$/;

/** Shows at most 64 characters of an offending value so an error message stays small. */
export const excerpt = (s: string) => JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}...` : s);

/** Calls `onLine(line, lineNumber)` for every line of `text`, without its `\n` or trailing `\r`. */
export function forEachLine(text: string, onLine: (line: string, lineNumber: number) => void): void {
  let start = 0;
  let n = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    n++;
    const stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    onLine(text.slice(start, stop), n);
    start = end + 1;
  }
}

/** Splits a stack into frames, rejecting one deeper than `maxDepth` (deep trees overflow recursive tree walks). */
export function splitStack(stack: string, maxDepth: number, format: string, lineNumber: number): string[] {
  const frames = stack.split(';', maxDepth + 1);
  if (frames.length > maxDepth) {
    throw malformedBody(format, `line ${lineNumber}`, `stack deeper than ${maxDepth} frames`);
  }
  return frames;
}

/** Throws like splitStack would, without allocating the frames: the validate-only path of relay mode. */
export function checkStackDepth(stack: string, maxDepth: number, format: string, lineNumber: number): void {
  let frames = 1;
  for (let i = stack.indexOf(';'); i >= 0; i = stack.indexOf(';', i + 1)) {
    if (++frames > maxDepth) throw malformedBody(format, `line ${lineNumber}`, `stack deeper than ${maxDepth} frames`);
  }
}

/** Wraps a decoded tree with the request's key and metadata; rejects sums that lost integer precision. */
export function toProfile(input: DecodeInput, tree: Tree, format: string): DecodedProfile[] {
  if (!Number.isSafeInteger(tree.total)) {
    throw malformedBody(format, 'body', 'sum of sample values exceeds 2^53-1');
  }
  return [
    {
      key: input.key,
      tree,
      metadata: { spyName: input.spyName, sampleRate: input.sampleRate, units: input.units, aggregation: input.aggregation },
    },
  ];
}

export const textOf = (body: Uint8Array) => Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');

const NL = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const SEMI = 0x3b;

/** What forEachFoldedLine gives for a count that is not 1 to 15 decimal digits (the caller decides what it means). */
export const UNUSUAL_COUNT = -1;

/**
 * Folded lines straight from the bytes, by the text path's rules (lines split at `\n` without a trailing `\r`,
 * lines without a space skipped, the stack before the last space): `onLine(start, space, stop, count, line)` for
 * each line with a count, the stack being body[start, space) and the count body[space + 1, stop), parsed when it
 * is 1 to 15 digits and UNUSUAL_COUNT otherwise. Stops when onLine returns false; says whether it went through.
 */
export function forEachFoldedLine(body: Uint8Array, onLine: (start: number, space: number, stop: number, count: number, line: number) => boolean | void): boolean {
  const n = body.length;
  let start = 0;
  let line = 0;
  while (start < n) {
    let end = body.indexOf(NL, start);
    if (end < 0) end = n;
    line++;
    const stop = end > start && body[end - 1] === CR ? end - 1 : end;
    let space = stop - 1;
    while (space >= start && body[space] !== SPACE) space--;
    if (space >= start && onLine(start, space, stop, countIn(body, space + 1, stop), line) === false) return false;
    start = end + 1;
  }
  return true;
}

function countIn(body: Uint8Array, from: number, to: number): number {
  if (to <= from || to - from > 15) return UNUSUAL_COUNT;
  let v = 0;
  for (let i = from; i < to; i++) {
    const d = body[i] - 0x30;
    if (d < 0 || d > 9) return UNUSUAL_COUNT;
    v = v * 10 + d;
  }
  return v;
}

/**
 * The validate-only pass over bytes, for the common valid body: the same lines, counts and depth rule as the
 * text path, distinct stacks counted by edge hash (a collision only lowers the count, keeping it a lower bound).
 * Returns undefined at the first thing it does not accept whole; the text path then gives the exact answer.
 */
function scanFolded(body: Uint8Array, maxDepth: number): { distinct: number; total: number } | undefined {
  const seen = new Set<number>();
  let total = 0;
  const whole = forEachFoldedLine(body, (start, space, _stop, count) => {
    if (count === UNUSUAL_COUNT) return false;
    if (count === 0 || space === start) return;
    // A stack of fewer bytes than the depth limit cannot exceed it: only long ones are counted.
    if (space - start >= maxDepth) {
      let frames = 1;
      for (let i = start; i < space; i++) if (body[i] === SEMI && ++frames > maxDepth) return false;
    }
    seen.add(edgeHash(body, start, space));
    total += count;
  });
  if (!whole || !Number.isSafeInteger(total)) return undefined;
  return { distinct: seen.size, total };
}

export const decodeFolded: ProfileDecoder = (input) => {
  if (input.body.length === 0) return [];
  const maxDepth = input.limits.maxStackDepth ?? DEFAULT_MAX_STACK_DEPTH;
  const budget = input.limits.nodeBudget;
  const tree = new Tree(budget);
  let validatedTotal = 0;
  // Validate-only builds no tree: distinct stacks are what the node budget is charged for (a lower bound).
  if (input.validateOnly) {
    const fast = scanFolded(input.body, maxDepth);
    // Anything the byte scan does not pass whole (a bad line, a budget it would exceed) is decided by the text
    // path below, so errors keep their exact wording and order.
    if (fast !== undefined && (budget === undefined || budget.used + fast.distinct <= budget.limit)) {
      for (let i = 0; i < fast.distinct && budget !== undefined; i++) budget.take();
      return fast.total > 0 ? toProfile(input, tree, FORMAT) : [];
    }
  }
  const seen = budget === undefined ? undefined : new Set<string>();
  forEachLine(textOf(input.body), (line, n) => {
    const space = line.lastIndexOf(' ');
    if (space < 0) return; // OG skips lines without a count
    const count = line.slice(space + 1);
    if (!COUNT.test(count)) {
      throw malformedBody(FORMAT, `line ${n}`, `invalid sample count ${excerpt(count)}: want a non-negative integer`);
    }
    const value = Number(count);
    if (!Number.isSafeInteger(value)) {
      throw malformedBody(FORMAT, `line ${n}`, `sample count ${excerpt(count)} exceeds 2^53-1`);
    }
    const stack = line.slice(0, space);
    // An empty stack has no frame to attribute the value to.
    if (stack === '' || value === 0) return;
    if (input.validateOnly) {
      checkStackDepth(stack, maxDepth, FORMAT, n);
      if (seen !== undefined && !seen.has(stack)) {
        budget!.take();
        seen.add(stack);
      }
      validatedTotal += value;
    } else tree.insertStack(splitStack(stack, maxDepth, FORMAT, n), value);
  });
  if (input.validateOnly) {
    if (!Number.isSafeInteger(validatedTotal)) throw malformedBody(FORMAT, 'body', 'sum of sample values exceeds 2^53-1');
    return validatedTotal > 0 ? toProfile(input, tree, FORMAT) : [];
  }
  return toProfile(input, tree, FORMAT);
};
