// Cumulative pprof types (alloc_*, contentions, delay) hold totals since process start; we store deltas.
// With a prev_profile the delta is exact. Without one (raw uploads, docs/compatibility.md#12) the previous upload of the
// same series within a window is the baseline, kept here in a bounded in-memory LRU.
import type { Clock } from '../../../lib/clock.js';
import { Tree, newNode, type TreeNode } from '../../../model/tree.js';

/** `first`: no usable baseline (new series or too old); `reset`: counters went backwards (a restart). */
export type SkipReason = 'first' | 'reset';

export interface CumulativeBaselines {
  /**
   * Returns `current − baseline` for the series, or undefined when this upload only becomes the new
   * baseline (counted as skipped). `current` is always kept as the next baseline; callers must not mutate it.
   */
  delta(seriesId: string, current: Tree): Tree | undefined;
  /** Uploads that became a baseline instead of data (metric `discarded{reason="cumulative_without_prev"}`). */
  skippedCount(): number;
  /** Baselines currently held. */
  size(): number;
}

export interface CumulativeBaselinesOptions {
  clock: Clock;
  /** A baseline older than this is not used (a few upload intervals). */
  windowMs: number;
  /** Series remembered at most; the least recently updated is evicted first. */
  maxEntries: number;
  onSkipped?: (seriesId: string, reason: SkipReason) => void;
}

export function createCumulativeBaselines(opts: CumulativeBaselinesOptions): CumulativeBaselines {
  const entries = new Map<string, { tree: Tree; atMs: number }>();
  let skipped = 0;
  const maxEntries = Math.max(0, Math.floor(opts.maxEntries));

  const remember = (id: string, tree: Tree, atMs: number) => {
    entries.delete(id); // re-insert so Map order is least recently updated first
    if (maxEntries === 0) return;
    entries.set(id, { tree, atMs });
    while (entries.size > maxEntries) {
      const oldest = entries.keys().next().value as string;
      entries.delete(oldest);
    }
  };
  const skip = (id: string, reason: SkipReason) => {
    skipped++;
    opts.onSkipped?.(id, reason);
  };

  return {
    delta(seriesId, current) {
      const now = opts.clock.now();
      const prev = entries.get(seriesId);
      remember(seriesId, current, now);
      if (prev === undefined || now - prev.atMs > opts.windowMs || now < prev.atMs) {
        skip(seriesId, 'first');
        return undefined;
      }
      const d = subtractTrees(current, prev.tree);
      if (d.wentBackwards) {
        skip(seriesId, 'reset');
        return undefined;
      }
      return d.tree;
    },
    skippedCount: () => skipped,
    size: () => entries.size,
  };
}

/**
 * Per-stack `current − previous` (self values; totals are recomputed). Negative differences are dropped
 * and reported as `wentBackwards`, as is a stack that disappeared.
 */
export function subtractTrees(current: Tree, previous: Tree): { tree: Tree; wentBackwards: boolean } {
  const state = { backwards: false };
  const out = new Tree();
  const root = subtractNode(current.root, previous.root, state);
  out.root.self = root.self;
  out.root.total = root.total;
  out.root.children = root.children;
  return { tree: out, wentBackwards: state.backwards };
}

function subtractNode(cur: TreeNode, prev: TreeNode | undefined, state: { backwards: boolean }): TreeNode {
  const node = newNode(cur.name);
  let self = cur.self - (prev?.self ?? 0);
  if (self < 0) {
    state.backwards = true;
    self = 0;
  }
  node.self = self;
  let total = self;
  for (const [name, child] of cur.children) {
    const d = subtractNode(child, prev?.children.get(name), state);
    if (d.total > 0) {
      node.children.set(name, d);
      total += d.total;
    }
  }
  if (prev !== undefined && !state.backwards) {
    for (const [name, child] of prev.children) {
      if (child.total > 0 && !cur.children.has(name)) state.backwards = true;
    }
  }
  node.total = total;
  return node;
}
