// OG-style truncation straight on a segment node's self values per call path, with the same
// result as truncateTree(selfsToTree(...)) but without building a Tree (the hot path of every put).
// Relies on path-dict's invariant that a child's id is larger than its parent's, so one pass over the
// node ids in descending order sums totals bottom-up and one ascending pass decides parents before children.
import type { AppPaths } from './path-dict.js';
import type { Entries, Selfs } from './path-codec.js';

/** Reusable per-path work arrays (indexed by path id), so truncating a node allocates ~nothing per call. */
export interface TruncateScratch {
  gen: number;
  mark: Uint32Array;
  total: Float64Array;
  self: Float64Array;
  other: Float64Array;
  keptKids: Uint32Array;
  keep: Uint8Array;
  select: Float64Array;
}

export function createTruncateScratch(): TruncateScratch {
  return {
    gen: 0,
    mark: new Uint32Array(0),
    total: new Float64Array(0),
    self: new Float64Array(0),
    other: new Float64Array(0),
    keptKids: new Uint32Array(0),
    keep: new Uint8Array(0),
    select: new Float64Array(0),
  };
}

function ensureSize(s: TruncateScratch, n: number): void {
  if (s.mark.length >= n) return;
  const size = Math.max(1024, n * 2);
  s.mark = new Uint32Array(size); // marks reset: stale generations can no longer match
  s.gen = 0;
  s.total = new Float64Array(size);
  s.self = new Float64Array(size);
  s.other = new Float64Array(size);
  s.keptKids = new Uint32Array(size);
  s.keep = new Uint8Array(size);
  s.select = new Float64Array(size);
}

/**
 * Truncates `selfs` to `maxNodes` tree nodes: returns `selfs` itself when the implied tree (root
 * excluded) has at most `maxNodes` nodes, else a new map where, per kept parent, children whose total is
 * below the threshold (and any existing `other` child) are folded into one `other` path. The threshold
 * is truncate.ts's minValue: the smallest of the `maxNodes` largest totals, the root counted.
 * `other` paths are assigned through `paths.childId`, so this must run inside the write transaction.
 */
export function truncateSelfs(selfs: Selfs, paths: AppPaths, maxNodes: number, scratch: TruncateScratch = createTruncateScratch()): Selfs {
  const cut = truncatedEntries(selfs, paths, maxNodes, scratch);
  if (cut === undefined) return selfs;
  const out: Selfs = new Map();
  for (let i = 0; i < cut.ids.length; i++) out.set(cut.ids[i], cut.values[i]);
  return out;
}

/**
 * truncateSelfs' result as (pathId, self) entries in ascending, unique id order, ready for
 * encodeSortedEntries without another map or sort; undefined when nothing needs truncating.
 */
export function truncatedEntries(selfs: Selfs, paths: AppPaths, maxNodes: number, scratch: TruncateScratch): Entries | undefined {
  if (maxNodes < 0) return undefined;
  // Cheap bound first: each entry implies at most `depth` nodes.
  let bound = 0;
  for (const id of selfs.keys()) bound += paths.depth[id];
  if (bound <= maxNodes) return undefined;

  const { parent } = paths;
  ensureSize(scratch, parent.length);
  const { mark, total, self, other, keptKids, keep } = scratch;
  const gen = (scratch.gen = (scratch.gen + 1) >>> 0 || 1);
  const visit = (id: number) => {
    mark[id] = gen;
    total[id] = 0;
    self[id] = 0;
    other[id] = 0;
    keptKids[id] = 0;
  };

  // Collect the implied node set (root included) with self values.
  const ids: number[] = [0];
  let maxId = 0;
  visit(0);
  for (const [start, v] of selfs) {
    if (start > maxId) maxId = start;
    for (let p = start; mark[p] !== gen; p = parent[p]) {
      visit(p);
      ids.push(p);
    }
    self[start] += v;
  }
  const n = ids.length;
  if (n - 1 <= maxNodes) return undefined;
  const sorted = ascending(ids, maxId, mark, gen);
  // Totals bottom-up: every descendant of `id` has a larger id, so it was added before `id` is read.
  for (let i = n - 1; i >= 0; i--) {
    const id = sorted[i];
    total[id] += self[id];
    if (id !== 0) total[parent[id]] += total[id];
  }

  const minVal = kthLargest(sorted, total, maxNodes, scratch.select);
  const names = paths.names;
  const sym = paths.sym;
  // Parents first: a node is kept when its parent is, unless folded (truncateTree folds nothing when minVal is 0).
  keep[0] = 1;
  for (let i = 1; i < n; i++) {
    const id = sorted[i];
    const p = parent[id];
    if (keep[p] !== 1) {
      keep[id] = 0;
      continue;
    }
    if (minVal !== 0 && (total[id] < minVal || names[sym[id]] === 'other')) {
      keep[id] = 0;
      other[p] += total[id];
    } else {
      keep[id] = 1;
      keptKids[p]++;
    }
  }
  // Emit what treeEntries would for the truncated tree: non-zero selfs, leaves (even with 0) and `other` leaves.
  // Kept ids come out ascending; `other` ids (one per parent, never a kept id) are sorted apart and merged in.
  const keptIds: number[] = [];
  const keptValues: number[] = [];
  const others: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const id = sorted[i];
    if (keep[id] !== 1) continue;
    const o = other[id];
    const leaf = keptKids[id] === 0 && !(o > 0);
    if (self[id] !== 0 || (leaf && id !== 0)) {
      keptIds.push(id);
      keptValues.push(self[id]);
    }
    if (o > 0) others.push([paths.childId(id, 'other'), o]);
  }
  others.sort((a, b) => a[0] - b[0]);
  const out: Entries = { ids: [], values: [] };
  let k = 0;
  for (let i = 0; i < keptIds.length; i++) {
    for (; k < others.length && others[k][0] < keptIds[i]; k++) {
      out.ids.push(others[k][0]);
      out.values.push(others[k][1]);
    }
    out.ids.push(keptIds[i]);
    out.values.push(keptValues[i]);
  }
  for (; k < others.length; k++) {
    out.ids.push(others[k][0]);
    out.values.push(others[k][1]);
  }
  return out;
}

/** The node ids in ascending order: a scan of the marks when they are dense (the usual case, cheaper than sorting), else a sort. */
function ascending(ids: number[], maxId: number, mark: Uint32Array, gen: number): Int32Array {
  if (maxId > 8 * ids.length + 1024) return Int32Array.from(ids).sort();
  const out = new Int32Array(ids.length);
  let j = 0;
  for (let id = 0; id <= maxId; id++) if (mark[id] === gen) out[j++] = id;
  return out;
}

/** The k-th largest total among `ids` (truncate.ts's minValue: 0 when fewer than k nodes, Infinity for k = 0). */
function kthLargest(ids: Int32Array, total: Float64Array, k: number, buf: Float64Array): number {
  if (k === 0) return Infinity;
  const n = ids.length;
  if (n < k) return 0;
  const t = buf.subarray(0, n);
  for (let i = 0; i < n; i++) t[i] = total[ids[i]];
  return quickselect(t, n - k);
}

/** The value that would sit at index `want` if `a` were sorted ascending (Hoare partitioning, O(n) expected instead of a sort). */
function quickselect(a: Float64Array, want: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    // Median of three keeps already-sorted input (common: totals shrink with depth) from going quadratic.
    const mid = (lo + hi) >>> 1;
    const x = a[lo],
      y = a[mid],
      z = a[hi];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const tmp = a[i];
        a[i] = a[j];
        a[j] = tmp;
        i++;
        j--;
      }
    }
    if (want <= j) hi = j;
    else if (want >= i) lo = i;
    else return a[want];
  }
  return a[want];
}
