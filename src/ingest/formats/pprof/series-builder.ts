// Turns walked pprof samples into one tree per (sample type × string-label set): labels are the
// pprof labels overridden by the name tags, and samples carrying a `profile_id` label (exemplars) also go to
// the series without it. Series and labels per series are bounded by the request limits.
// Validate-only (the decode worker's check before the log append) runs the same walk, group and limit code
// but builds no tree for non-cumulative series: it sums their values and charges the node budget once per
// distinct stack hash, a lower bound of the nodes the trees would have had (a collision only lowers it).
// Cumulative series still get trees: whether their delta is empty (series count, skipped baselines) needs one.
import { malformedBody } from '../../../model/errors.js';
import type { DecodeLimits } from '../../../model/profile.js';
import { isReservedKey } from '../../../model/name.js';
import { normalizeKey, type Labels, type SeriesKey } from '../../../model/series-key.js';
import { Tree } from '../../../model/tree.js';
import type { PprofIndex } from './profile-index.js';
import { walkSamples, type FrameStyle } from './sample-walker.js';
import type { SampleTypeSlot } from './sample-types.js';

export interface BuiltSeries {
  slot: SampleTypeSlot;
  key: SeriesKey;
  /** normalizeKey(key): the series identity. */
  id: string;
  /** Empty (never inserted into) for a non-cumulative series built validate-only. */
  tree: Tree;
  /** Sum of the positive values inserted, in both modes. */
  total: number;
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
}

export function buildSeries(ix: PprofIndex, opts: BuildOptions): BuiltSeries[] {
  const { slots, limits } = opts;
  const nameTags = opts.key.labels;
  const out: BuiltSeries[] = [];
  const byText = new Map<string, Group>();
  const byIndexKey = new Map<string, Group>();
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

  const resolveGroup = (pairs: readonly number[]): Group => {
    const indexKey = pairs.join(',');
    const cached = byIndexKey.get(indexKey);
    if (cached !== undefined) return cached;
    const pprofLabels: Record<string, string> = {};
    for (let i = 0; i < pairs.length; i += 2) {
      const k = ix.string(pairs[i], 'sample label key');
      const v = ix.string(pairs[i + 1], `sample label ${k}`);
      if (v !== '' && VALID_KEY.test(k) && !isReservedKey(k)) pprofLabels[k] = v;
    }
    const g = groupFor(pprofLabels);
    byIndexKey.set(indexKey, g);
    return g;
  };

  const seriesOf = (g: Group, k: number): BuiltSeries => {
    let s = g.trees[k];
    if (s === undefined) {
      if (out.length >= limits.maxSeriesPerRequest) {
        throw malformedBody('pprof', 'series', `the profile produces more than the limit of ${limits.maxSeriesPerRequest} series`);
      }
      const slot = slots[k];
      const key: SeriesKey = { appName: `${opts.key.appName}.${slot.displayName}`, labels: g.labels };
      const skipTree = opts.validateOnly === true && !slot.cumulative;
      s = { slot, key, id: normalizeKey(key), tree: skipTree ? new Tree() : new Tree(limits.nodeBudget), total: 0 };
      g.trees[k] = s;
      out.push(s);
    }
    return s;
  };

  // Walk even without slots: a body is validated whole, never half-read (docs/compatibility.md#1).
  const nSlots = slots.length;
  const fast = opts.validateOnly === true ? slots.map((sl) => !sl.cumulative) : undefined;
  const budget = limits.nodeBudget;
  const seenStacks = fast !== undefined && budget !== undefined ? new Set<number>() : undefined;
  walkSamples(
    ix,
    opts.style,
    (stack, values, labels, stackHash) => {
      const g = labels.length === 0 ? (unlabelled ??= groupFor({})) : resolveGroup(labels);
      let skipped = false;
      for (let k = 0; k < nSlots; k++) {
        const v = values[slots[k].valueIndex];
        if (!(v > 0)) continue;
        // Same order as before validate-only existed: series, its tree, then the exemplar's base series.
        const noTree = fast !== undefined && fast[k];
        if (noTree) skipped = true;
        const s = seriesOf(g, k);
        s.total += v;
        if (!noTree) s.tree.insertStack(stack, v);
        if (g.base !== undefined) {
          const b = seriesOf(g.base, k);
          b.total += v;
          if (!noTree) b.tree.insertStack(stack, v);
        }
      }
      // An empty stack creates no node; a distinct non-empty one creates at least one in some tree.
      if (skipped && seenStacks !== undefined && stack.length > 0 && !seenStacks.has(stackHash)) {
        budget!.take();
        seenStacks.add(stackHash);
      }
    },
    seenStacks !== undefined,
  );
  for (const s of out) {
    if (!Number.isSafeInteger(s.total)) throw malformedBody('pprof', `series ${s.id}`, 'sum of sample values exceeds 2^53-1');
  }
  return out;
}
