// The /render and /render-diff JSON: select from the store, encode, and wrap in the
// shape the Pyroscope UI and clients read. Everything except the two `render*` functions is pure.
import { invalidParameter } from '../model/errors.js';
import type { ProfileMetadata } from '../model/profile.js';
import type { SeriesSelector } from '../model/selector.js';
import { rfc3339 } from '../model/time.js';
import type { ProfileStore, SelectResult, Timeline, TimeRange } from '../store/types.js';
import { encodeDiff } from './diff.js';
import { encodeFlamebearer, type Flamebearer } from './flamebearer.js';
import { formatSelector } from './flameql.js';

export interface TimelineJson {
  startTime: number;
  samples: number[];
  durationDelta: number;
  /** Resolution k → unix s before which data is downsampled to 10^k s; empty: the stores keep no watermarks. */
  watermarks: Record<string, number>;
}

export interface RenderMetadata {
  format: 'single' | 'double';
  spyName: string;
  sampleRate: number;
  units: string;
  name: string;
  appName: string;
  startTime: number;
  endTime: number;
  query: string;
  maxNodes: number;
}

export interface RenderResponse {
  version: 1;
  flamebearer: Flamebearer;
  metadata: RenderMetadata;
  timeline: TimelineJson;
  groups: Record<string, TimelineJson>;
  heatmap: null;
  annotations: { content: string; timestamp: number }[];
  /** How the answer was computed: stored trees merged (logarithmic in the range for the segment-tree store). */
  telemetry: { treesRead: number };
}

export interface DiffRenderResponse {
  version: 1;
  leftTicks: number;
  rightTicks: number;
  flamebearer: Flamebearer;
  metadata: RenderMetadata;
  timeline: null;
  heatmap: null;
  annotations: { content: string; timestamp: number }[];
}

export interface RenderOptions {
  selector: SeriesSelector;
  range: TimeRange;
  /** -1 = no truncation. */
  maxNodes: number;
  /** Tag key for per-value timelines under `groups`. */
  groupBy?: string;
}

/** Shown when nothing matched: the /ingest defaults, so the UI has units to format with. */
const NO_DATA: ProfileMetadata = { spyName: 'unknown', sampleRate: 100, units: 'samples', aggregation: 'sum' };

const unixSeconds = (ms: number) => Math.floor(ms / 1000);

export const timelineJson = (t: Timeline): TimelineJson => ({
  startTime: t.startTime,
  samples: t.samples,
  durationDelta: t.durationDelta,
  watermarks: {},
});

function metadataFor(format: 'single' | 'double', md: ProfileMetadata | undefined, appName: string, range: TimeRange, query: string, maxNodes: number): RenderMetadata {
  const m = md ?? NO_DATA;
  return {
    format,
    spyName: m.spyName,
    sampleRate: m.sampleRate,
    units: m.units,
    name: `${appName} ${rfc3339(range.startMs)}`,
    appName,
    startTime: unixSeconds(range.startMs),
    endTime: unixSeconds(range.endMs),
    query,
    maxNodes,
  };
}

/** Pure: the /render JSON for one select result (plus the already selected group timelines). */
export function buildRender(result: SelectResult, opts: RenderOptions, groups: Record<string, TimelineJson> = {}): RenderResponse {
  return {
    version: 1,
    flamebearer: encodeFlamebearer(result.tree, opts.maxNodes),
    metadata: metadataFor('single', result.metadata, opts.selector.appName, opts.range, formatSelector(opts.selector), opts.maxNodes),
    timeline: timelineJson(result.timeline),
    groups,
    heatmap: null,
    annotations: [],
    telemetry: { treesRead: result.treesRead },
  };
}

const hasData = (r: SelectResult) => r.tree.total > 0 || r.timeline.samples.some((v) => v > 0);

/**
 * One timeline per value of `groupBy` among the selected series, plus `*` for series without the tag.
 * `k!~".+"` selects "no value" under both OG (subtract every series whose k has a value) and Prometheus
 * semantics (an absent label reads as empty). Groups with no data are left out, as in OG.
 */
export async function selectGroups(store: ProfileStore, selector: SeriesSelector, range: TimeRange, groupBy: string): Promise<Record<string, TimelineJson>> {
  const values = await store.labelValues(groupBy, selector, range);
  const groups: Record<string, TimelineJson> = {};
  const pick = async (key: string, extra: SeriesSelector['matchers'][number]) => {
    const r = await store.select({ appName: selector.appName, matchers: [...selector.matchers, extra] }, range);
    if (hasData(r)) groups[key] = timelineJson(r.timeline);
  };
  for (const value of values) await pick(value, { name: groupBy, op: '=', value });
  await pick('*', { name: groupBy, op: '!~', value: '.+' });
  return groups;
}

export async function renderQuery(store: ProfileStore, opts: RenderOptions): Promise<RenderResponse> {
  const result = await store.select(opts.selector, opts.range);
  const groups = opts.groupBy ? await selectGroups(store, opts.selector, opts.range, opts.groupBy) : {};
  return buildRender(result, opts, groups);
}

export interface DiffSide {
  selector: SeriesSelector;
  range: TimeRange;
}

/** Both sides must agree on units and sample rate when both are known. */
function mergeDiffMetadata(l: ProfileMetadata | undefined, r: ProfileMetadata | undefined): ProfileMetadata | undefined {
  if (l && r) {
    if (l.units && r.units && l.units !== r.units) {
      throw invalidParameter(`left units (${l.units}) does not match right units (${r.units})`);
    }
    if (l.sampleRate && r.sampleRate && l.sampleRate !== r.sampleRate) {
      throw invalidParameter(`left sample rate (${l.sampleRate}) does not match right sample rate (${r.sampleRate})`);
    }
  }
  return l ?? r;
}

/** Pure: the /render-diff JSON. The time span covers both sides (docs/compatibility.md#25). */
export function buildDiffRender(left: SelectResult, right: SelectResult, l: DiffSide, r: DiffSide, maxNodes: number): DiffRenderResponse {
  const md = mergeDiffMetadata(left.metadata, right.metadata);
  const fb = encodeDiff(left.tree, right.tree, maxNodes);
  const la = l.selector.appName;
  const ra = r.selector.appName;
  // OG names the diff `diff_<left>_<right>` only when both apps are equal, else `diff_<left>` (kept as is).
  const appName = la === ra ? `diff_${la}_${ra}` : `diff_${la}`;
  const range = { startMs: Math.min(l.range.startMs, r.range.startMs), endMs: Math.max(l.range.endMs, r.range.endMs) };
  return {
    version: 1,
    leftTicks: fb.leftTicks,
    rightTicks: fb.rightTicks,
    flamebearer: { names: fb.names, levels: fb.levels, numTicks: fb.numTicks, maxSelf: fb.maxSelf },
    metadata: metadataFor('double', md, appName, range, formatSelector(l.selector), maxNodes),
    timeline: null,
    heatmap: null,
    annotations: [],
  };
}

export async function renderDiff(store: ProfileStore, l: DiffSide, r: DiffSide, maxNodes: number): Promise<DiffRenderResponse> {
  const [left, right] = await Promise.all([store.select(l.selector, l.range), store.select(r.selector, r.range)]);
  return buildDiffRender(left, right, l, r, maxNodes);
}
