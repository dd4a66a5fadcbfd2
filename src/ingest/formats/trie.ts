// Format `trie`: a radix trie over whole stack strings, pre-order nodes
// `uvarint(len) fragment uvarint(value) uvarint(childCount)` until EOF. A node's key is the plain
// concatenation of fragments from the root, split on `;` into frames; nodes with value > 0 are samples.
//
// Keys are never materialized: each pending node keeps the tree node of its completed frames plus the
// unfinished last frame, so work stays linear in the input for real tries. Fragments may cut a UTF-8
// character in two, so they are kept as latin1 (one char per byte) and frame names are decoded when complete.
// A crafted trie can still expand quadratically (long unfinished frames shared by many children), so the
// characters handled are charged against maxDecompressedBytes, like any other inflation.
import { PyrelayError } from '../../model/errors.js';
import { DEFAULT_MAX_STACK_DEPTH, type ProfileDecoder } from '../../model/profile.js';
import { Tree, type TreeNode } from '../../model/tree.js';
import { toProfile } from './folded.js';
import { childOf, computeTotals, createPendingCounter } from './tree.js';
import { createByteReader } from './uvarint.js';

const FORMAT = 'trie';
const NON_ASCII = /[\x80-\xff]/;

/** Where a key ends in the tree: `node` holds the completed frames, `partial` the last frame (latin1). */
interface KeyState {
  node: TreeNode;
  partial: string;
  /** Completed frames so far. */
  depth: number;
  /** True while the key is still empty (no frame at all). */
  empty: boolean;
}

interface Pending extends KeyState {
  remaining: number;
}

const frameName = (latin1: string) => (NON_ASCII.test(latin1) ? Buffer.from(latin1, 'latin1').toString('utf8') : latin1);

export const decodeTrie: ProfileDecoder = (input) => {
  if (input.body.length === 0) return [];
  const maxDepth = input.limits.maxStackDepth ?? DEFAULT_MAX_STACK_DEPTH;
  const budget = input.limits.maxDecompressedBytes;
  const r = createByteReader(input.body, FORMAT);
  const pending = createPendingCounter(r);
  const tree = new Tree(input.limits.nodeBudget);
  let work = 0;

  const charge = (chars: number, at: number) => {
    work += chars;
    if (work > budget) {
      throw new PyrelayError('decompressed_too_large', `${FORMAT}: byte ${at}: stack keys expand past the decompressed limit of ${budget} bytes`);
    }
  };

  /** Reads one node under `parent`, records its sample, and returns it when it has children to read. */
  const visit = (parent: KeyState): Pending | undefined => {
    const at = r.offset;
    const fragment = r.latin1(r.uvarint('fragment length'), 'fragment');
    const value = r.uvarint('value');
    const childCount = r.uvarint('child count');
    // Appending to the unfinished frame is O(1) (V8 ropes); splitting or naming it copies it.
    charge(fragment.length, at);
    let { node, partial, depth } = parent;
    if (fragment.includes(';')) {
      charge(partial.length, at);
      const pieces = (partial + fragment).split(';');
      if (depth + pieces.length > maxDepth) throw r.fail(`stack deeper than ${maxDepth} frames`, at);
      for (let i = 0; i < pieces.length - 1; i++) node = childOf(node, frameName(pieces[i]), input.limits.nodeBudget);
      depth += pieces.length - 1;
      partial = pieces[pieces.length - 1];
    } else {
      partial += fragment;
    }
    const empty = parent.empty && fragment === '';
    if (value > 0 && !empty) {
      charge(partial.length, at);
      const leaf = childOf(node, frameName(partial), input.limits.nodeBudget);
      leaf.self += value;
      if (!Number.isSafeInteger(leaf.self)) throw r.fail('value sum exceeds 2^53-1', at);
    }
    if (childCount === 0) return undefined;
    pending.add(childCount, at);
    return { node, partial, depth, empty, remaining: childCount };
  };

  const start: KeyState = { node: tree.root, partial: '', depth: 0, empty: true };
  const stack: Pending[] = [];
  // OG reads nodes until EOF, so several top-level tries in a row are accepted.
  while (!r.atEnd()) {
    const top = visit(start);
    if (top !== undefined) stack.push(top);
    while (stack.length > 0) {
      const parent = stack[stack.length - 1];
      if (parent.remaining === 0) {
        stack.pop();
        continue;
      }
      parent.remaining--;
      pending.take();
      const child = visit(parent);
      if (child !== undefined) stack.push(child);
    }
  }
  if (!computeTotals(tree.root)) throw r.fail('sum of values exceeds 2^53-1', 0);
  return toProfile(input, tree, FORMAT);
};
