// Turns walked pprof samples into one tree per (sample type × string-label set): labels are the
// pprof labels overridden by the name tags, and samples carrying a `profile_id` label (exemplars) also go to
// the series without it. Series and labels per series are bounded by the request limits.
// Validate-only (the decode worker's check before the log append) runs the same walk, group and limit code
// but builds no tree for non-cumulative series: it sums their values and charges the node budget once per
// distinct stack hash, a lower bound of the nodes the trees would have had (a collision only lowers it).
// Streaming (the store's ingester) hands non-cumulative series to a sink as location stacks instead of trees.
// Cumulative series still get trees: whether their delta is empty (series count, skipped baselines) needs one.
import { malformedBody } from '../../../model/errors.js';
import type { DecodeLimits } from '../../../model/profile.js';
import { isReservedKey } from '../../../model/name.js';
import { normalizeKey, type Labels, type SeriesKey } from '../../../model/series-key.js';
import type { SeriesSink } from '../../../model/profile-sink.js';
import { Tree } from '../../../model/tree.js';
import type { PprofIndex } from './profile-index.js';
import { LocationFrames, walkLocations, type FrameStyle } from './sample-walker.js';
import { StackHashSet } from './stack-hash-set.js';
import type { SampleTypeSlot } from './sample-types.js';

export interface BuiltSeries {
  slot: SampleTypeSlot;
  key: SeriesKey;
  /** normalizeKey(key): the series identity. */
  id: string;
  /** Empty (never inserted into) for a non-cumulative series built validate-only or streamed. */
  tree: Tree;
  /** Sum of the positive values inserted, in every mode. */
  total: number;
  /** Where a streamed series' stacks went. */
  sink: SeriesSink | undefined;
}

interface Group {
  labels: Labels;
  textKey: string;
  trees: (BuiltSeries | undefined)[];
  /** The group without `profile_id`, for exemplar samples. */
  base: Group | undefined;
}

export const PROFILE_ID_LABEL = 'profile_id';
// Tag keys accepted in names (docs/compatibility.md#5); other pprof label keys cannot form a valid series key, and
// reserved `__*` ones (which could rename the app) are dropped too.
const VALID_KEY = /^[A-Za-z0-9_.]+$/;

export interface BuildOptions {
  key: SeriesKey;
  slots: SampleTypeSlot[];
  style: FrameStyle;
  limits: DecodeLimits;
  validateOnly?: boolean;
  /**
   * Streams each non-cumulative series to the sink this returns (called once, when the series is created) as
   * location stacks instead of building its tree. Charges no node budget (the store's ingester has none).
   */
  stream?: (s: BuiltSeries) => SeriesSink;
}

interface GroupEntry {
  pairs: number[];
  group: Group;
  next: GroupEntry | undefined;
}

/** How a slot's values are kept. */
const TREE = 0;
const COUNT = 1; // validate-only: summed, stacks only counted for the node budget
const STREAM = 2;

/** Whether `a[0..n)` is `b`. */
const sameInts = (a: readonly number[], n: number, b: readonly number[]): boolean => {
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
};

export function buildSeries(ix: PprofIndex, opts: BuildOptions): BuiltSeries[] {
  const { slots, limits } = opts;
  const nameTags = opts.key.labels;
  const out: BuiltSeries[] = [];
  const byText = new Map<string, Group>();
  // Label pairs (string indexes) -> group, keyed by a hash and compared exactly: no key string per sample.
  const byPairs = new Map<number, GroupEntry>();
  let last: GroupEntry | undefined;
  let unlabelled: Group | undefined;

  const groupFor = (pprofLabels: Record<string, string>): Group => {
    const labels: Record<string, string> = { ...pprofLabels, ...nameTags };
    const textKey = normalizeKey({ appName: '', labels });
    const existing = byText.get(textKey);
    if (existing !== undefined) return existing;
    const n = Object.keys(labels).length;
    if (n > limits.maxLabelsPerSeries) {
      throw malformedBody('pprof', 'sample labels', `a series would have ${n} labels, more than the limit of ${limits.maxLabelsPerSeries}`);
    }
    const g: Group = { labels, textKey, trees: new Array(slots.length), base: undefined };
    byText.set(textKey, g);
    const pid = pprofLabels[PROFILE_ID_LABEL];
    if (pid !== undefined && pid !== '') {
      const rest = { ...pprofLabels };
      delete rest[PROFILE_ID_LABEL];
      const base = groupFor(rest);
      // A name tag may override profile_id; then both are the same series and must not count twice.
      if (base !== g) g.base = base;
    }
    return g;
  };

  const resolveGroup = (pairs: readonly number[], n: number): Group => {
    if (last !== undefined && sameInts(pairs, n, last.pairs)) return last.group;
    let h = n;
    for (let i = 0; i < n; i++) h = Math.imul(h ^ pairs[i], 0x9e3779b1) ^ (h >>> 15);
    const key = h & 0x3fffffff;
    const first = byPairs.get(key);
    for (let e = first; e !== undefined; e = e.next) {
      if (sameInts(pairs, n, e.pairs)) return (last = e).group;
    }
    const pprofLabels: Record<string, string> = {};
    for (let i = 0; i < n; i += 2) {
      const k = ix.string(pairs[i], 'sample label key');
      const v = ix.string(pairs[i + 1], `sample label ${k}`);
      if (v !== '' && VALID_KEY.test(k) && !isReservedKey(k)) pprofLabels[k] = v;
    }
    const entry: GroupEntry = { pairs: pairs.slice(0, n), group: groupFor(pprofLabels), next: first };
    byPairs.set(key, entry);
    return (last = entry).group;
  };

  const seriesOf = (g: Group, k: number): BuiltSeries => {
    let s = g.trees[k];
    if (s === undefined) {
      if (out.length >= limits.maxSeriesPerRequest) {
        throw malformedBody('pprof', 'series', `the profile produces more than the limit of ${limits.maxSeriesPerRequest} series`);
      }
      const slot = slots[k];
      const key: SeriesKey = { appName: `${opts.key.appName}.${slot.displayName}`, labels: g.labels };
      const m = modes[k];
      s = { slot, key, id: normalizeKey(key), tree: m === TREE ? new Tree(limits.nodeBudget) : new Tree(), total: 0, sink: undefined };
      g.trees[k] = s;
      out.push(s);
      if (m === STREAM) s.sink = opts.stream!(s);
    }
    return s;
  };

  // Walk even without slots: a body is validated whole, never half-read (docs/compatibility.md#1).
  const nSlots = slots.length;
  const modes = slots.map((sl) => (sl.cumulative ? TREE : opts.validateOnly === true ? COUNT : opts.stream !== undefined ? STREAM : TREE));
  const budget = limits.nodeBudget;
  const seenStacks = budget !== undefined && modes.includes(COUNT) ? new StackHashSet(ix.sampleStarts.length) : undefined;
  const frames = new LocationFrames(ix, opts.style, seenStacks !== undefined);
  const stack: string[] = [];
  walkLocations(ix, frames, (locs, nLocs, values, labels, nLabels, sample) => {
    const g = nLabels === 0 ? (unlabelled ??= groupFor({})) : resolveGroup(labels, nLabels);
    let counted = false;
    let named = false;
    for (let k = 0; k < nSlots; k++) {
      const v = values[slots[k].valueIndex];
      if (!(v > 0)) continue;
      // Same order in every mode: series, its tree, then the exemplar's base series.
      const m = modes[k];
      if (m === COUNT) counted = true;
      else if (m === TREE && !named) {
        frames.stack(locs, nLocs, stack); // frame names only when a tree takes them
        named = true;
      }
      const s = seriesOf(g, k);
      s.total += v;
      if (m === TREE) s.tree.insertStack(stack, v);
      else if (m === STREAM) s.sink!.locations(frames, locs, nLocs, sample, v);
      if (g.base !== undefined) {
        const b = seriesOf(g.base, k);
        b.total += v;
        if (m === TREE) b.tree.insertStack(stack, v);
        else if (m === STREAM) b.sink!.locations(frames, locs, nLocs, sample, v);
      }
    }
    if (!counted || seenStacks === undefined) return;
    // An empty stack creates no node; a distinct non-empty one creates at least one in some tree.
    if (frames.stackHash(locs, nLocs) > 0 && seenStacks.add(frames.lane1, frames.lane2)) budget!.take();
  });
  for (const s of out) {
    if (!Number.isSafeInteger(s.total)) throw malformedBody('pprof', `series ${s.id}`, 'sum of sample values exceeds 2^53-1');
  }
  return out;
}
