// What Grafana's Pyroscope data source asks (querier.v1) answered from pyrelay's stored series. Stored app
// names `<service>.<suffix>` map to `service_name` and a profile type id through model/grafana-names.ts (the
// same mapping Push uses); time types sampled at a rate are reported in nanoseconds (samples × 1e9 / rate),
// as Grafana's own /ingest adapter does. Apps whose suffix Grafana does not know are not visible here.
// Independent of the wire: the Connect route turns these plain values into the generated messages.
import { invalidParameter } from '../model/errors.js';
import { PROFILE_NAME_LABEL, SERVICE_NAME_LABEL, profileTypeId, profileTypeOfSuffix, sentProfileType, splitAppName, type GrafanaProfileType } from '../model/grafana-names.js';
import type { LabelMatcher } from '../model/selector.js';
import { Tree } from '../model/tree.js';
import type { ProfileStore, TimeRange } from '../store/types.js';
import { APP_LABEL } from '../store/selector-eval.js';
import { anchoredForStore, matchesValue, parseLabelSelector } from './label-selector.js';

/** Grafana's internal label carrying the profile type id in series and selectors. */
export const PROFILE_TYPE_LABEL = '__profile_type__';
/** Bounds the series one SelectSeries or Series call may produce (group_by over many values). */
export const MAX_SERIES = 2_000;

export interface TypedApp {
  appName: string;
  serviceName: string;
  type: GrafanaProfileType;
  id: string;
  sampleRate: number;
  /** Factor from stored values to the type's unit. */
  scale: number;
}

export interface ProfileTypeInfo {
  id: string;
  name: string;
  sampleType: string;
  sampleUnit: string;
  periodType: string;
  periodUnit: string;
}

export interface SeriesPoint {
  /** Unix ms of the bucket start. */
  timestamp: number;
  value: number;
}

export interface SeriesResult {
  labels: { name: string; value: string }[];
  points: SeriesPoint[];
}

export interface StacktraceQuery {
  profileTypeId: string;
  labelSelector: string;
  range: TimeRange;
}

/** Every stored app Grafana can see (optionally only those with series in `range`). */
export async function typedApps(store: ProfileStore, range?: TimeRange): Promise<TypedApp[]> {
  const inRange = range ? new Set(await store.labelValues(APP_LABEL, undefined, range)) : undefined;
  const out: TypedApp[] = [];
  for (const a of await store.apps()) {
    if (inRange && !inRange.has(a.name)) continue;
    const { serviceName, suffix } = splitAppName(a.name);
    const known = suffix === undefined ? undefined : profileTypeOfSuffix(suffix);
    if (known === undefined) continue;
    const sampleRate = a.sampleRate ?? 0;
    const type = sentProfileType(known, sampleRate);
    const scale = type.scaledBySampleRate && sampleRate > 0 ? 1e9 / sampleRate : 1;
    out.push({ appName: a.name, serviceName, type, id: profileTypeId(type), sampleRate, scale });
  }
  return out;
}

export function profileTypeInfo(t: TypedApp): ProfileTypeInfo {
  return { id: t.id, name: t.type.name, sampleType: t.type.sample.type, sampleUnit: t.type.sample.unit, periodType: t.type.period.type, periodUnit: t.type.period.unit };
}

/** Distinct profile types with data in `range`, sorted by id. */
export async function profileTypes(store: ProfileStore, range: TimeRange | undefined): Promise<ProfileTypeInfo[]> {
  const byId = new Map<string, ProfileTypeInfo>();
  for (const t of await typedApps(store, range)) byId.set(t.id, profileTypeInfo(t));
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The Grafana-level labels an app contributes by itself (not its tags). */
const appLabel = (a: TypedApp, name: string): string | undefined =>
  name === SERVICE_NAME_LABEL ? a.serviceName : name === PROFILE_NAME_LABEL ? a.type.name : name === PROFILE_TYPE_LABEL ? a.id : undefined;
const isAppLevel = (name: string) => name === SERVICE_NAME_LABEL || name === PROFILE_NAME_LABEL || name === PROFILE_TYPE_LABEL;

interface Resolved {
  app: TypedApp;
  /** Tag matchers for the store (Grafana-internal `__*` labels removed). */
  matchers: LabelMatcher[];
}

/** Apps selected by matchers on service_name / __name__ / __profile_type__, with the tag matchers for each. */
function resolve(apps: TypedApp[], matchers: LabelMatcher[], profileTypeId?: string): Resolved[] {
  const appMatchers = matchers.filter((m) => isAppLevel(m.name));
  const tagMatchers = matchers.filter((m) => !m.name.startsWith('__') && m.name !== SERVICE_NAME_LABEL).map(anchoredForStore);
  return apps
    .filter((a) => (profileTypeId === undefined || a.id === profileTypeId) && appMatchers.every((m) => matchesValue(m, appLabel(a, m.name))))
    .map((app) => ({ app, matchers: tagMatchers }));
}

function parseProfileTypeId(id: string): void {
  if (id.split(':').length !== 5) throw invalidParameter(`profile_typeID must be <name>:<sample type>:<sample unit>:<period type>:<period unit>, got ${JSON.stringify(id)}`);
}

/** The merged tree of a query, in the profile type's unit. */
export async function mergeStacktraces(store: ProfileStore, q: StacktraceQuery): Promise<Tree> {
  parseProfileTypeId(q.profileTypeId);
  const resolved = resolve(await typedApps(store, q.range), parseLabelSelector(q.labelSelector), q.profileTypeId);
  const tree = new Tree();
  for (const { app, matchers } of resolved) {
    const r = await store.select({ appName: app.appName, matchers }, q.range);
    tree.merge(r.tree, app.scale);
  }
  return tree;
}

export interface SeriesQuery extends StacktraceQuery {
  groupBy: string[];
  /** Seconds per point; 0 = the store's own resolution. */
  stepSeconds: number;
  aggregation: 'sum' | 'average';
}

/** Combinations of group_by values for one app: one matcher list per combination, bounded by MAX_SERIES. */
async function groupCombos(store: ProfileStore, r: Resolved, groupBy: string[], range: TimeRange): Promise<{ name: string; value: string }[][]> {
  let combos: { name: string; value: string }[][] = [[]];
  for (const label of groupBy) {
    const fixed = appLabel(r.app, label);
    const values = fixed !== undefined ? [fixed] : await store.labelValues(label, { appName: r.app.appName, matchers: r.matchers }, range);
    combos = combos.flatMap((c) => values.map((value) => [...c, { name: label, value }]));
    if (combos.length > MAX_SERIES) throw invalidParameter(`group_by ${groupBy.join(',')} yields more than ${MAX_SERIES} series; narrow the selector`);
  }
  return combos;
}

/** Time series of totals per step bucket, one per group_by value combination. */
export async function selectSeries(store: ProfileStore, q: SeriesQuery): Promise<SeriesResult[]> {
  parseProfileTypeId(q.profileTypeId);
  const resolved = resolve(await typedApps(store, q.range), parseLabelSelector(q.labelSelector), q.profileTypeId);
  // Series of several apps with the same label set (e.g. `.cpu` and `.itimer` of one service) are summed.
  const bySet = new Map<string, { labels: { name: string; value: string }[]; sums: Map<number, number>; counts: Map<number, number> }>();
  for (const r of resolved) {
    for (const combo of await groupCombos(store, r, q.groupBy, q.range)) {
      const extra = combo.filter((l) => !isAppLevel(l.name)).map((l): LabelMatcher => ({ name: l.name, op: '=', value: l.value }));
      const res = await store.select({ appName: r.app.appName, matchers: [...r.matchers, ...extra] }, q.range);
      const { startTime, durationDelta, samples } = res.timeline;
      const key = JSON.stringify(combo);
      let acc = bySet.get(key);
      if (acc === undefined) bySet.set(key, (acc = { labels: combo, sums: new Map(), counts: new Map() }));
      const stepMs = q.stepSeconds > 0 ? q.stepSeconds * 1000 : durationDelta * 1000;
      for (let i = 0; i < samples.length; i++) {
        if (samples[i] === 0) continue;
        const ts = (startTime + i * durationDelta) * 1000;
        const bucket = Math.floor(ts / stepMs) * stepMs;
        acc.sums.set(bucket, (acc.sums.get(bucket) ?? 0) + samples[i] * r.app.scale);
        acc.counts.set(bucket, (acc.counts.get(bucket) ?? 0) + 1);
      }
    }
  }
  const out: SeriesResult[] = [];
  for (const { labels, sums, counts } of bySet.values()) {
    if (sums.size === 0) continue;
    const points = [...sums.keys()]
      .sort((a, b) => a - b)
      .map((timestamp) => ({ timestamp, value: q.aggregation === 'average' ? sums.get(timestamp)! / counts.get(timestamp)! : sums.get(timestamp)! }));
    out.push({ labels, points });
  }
  return out.sort((a, b) => (JSON.stringify(a.labels) < JSON.stringify(b.labels) ? -1 : 1));
}

/** Selectors of LabelNames / LabelValues / Series: a union of `{...}` strings; none = everything. */
function resolveAll(apps: TypedApp[], selectors: string[]): Resolved[] {
  if (selectors.length === 0) return apps.map((app) => ({ app, matchers: [] }));
  const seen = new Map<string, Resolved>();
  for (const sel of selectors) for (const r of resolve(apps, parseLabelSelector(sel))) seen.set(`${r.app.appName}\0${JSON.stringify(r.matchers)}`, r);
  return [...seen.values()];
}

const sortedUnique = (values: Iterable<string>) => [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

export async function labelNames(store: ProfileStore, selectors: string[], range: TimeRange | undefined): Promise<string[]> {
  const resolved = resolveAll(await typedApps(store, range), selectors);
  if (resolved.length === 0) return [];
  const names = [PROFILE_NAME_LABEL, PROFILE_TYPE_LABEL, SERVICE_NAME_LABEL];
  for (const r of resolved) {
    for (const n of await store.labelNames({ appName: r.app.appName, matchers: r.matchers }, range)) if (n !== APP_LABEL) names.push(n);
  }
  return sortedUnique(names);
}

export async function labelValues(store: ProfileStore, name: string, selectors: string[], range: TimeRange | undefined): Promise<string[]> {
  const resolved = resolveAll(await typedApps(store, range), selectors);
  const values: string[] = [];
  for (const r of resolved) {
    const fixed = appLabel(r.app, name);
    if (fixed !== undefined) values.push(fixed);
    else if (!name.startsWith('__')) values.push(...(await store.labelValues(name, { appName: r.app.appName, matchers: r.matchers }, range)));
  }
  return sortedUnique(values);
}

/** Label sets of the matching series, restricted to `labelNames` when given (Grafana's UI asks for service and type). */
export async function series(store: ProfileStore, selectors: string[], names: string[], range: TimeRange | undefined): Promise<{ name: string; value: string }[][]> {
  const resolved = resolveAll(await typedApps(store, range), selectors);
  const wanted = names.length > 0 ? names : [SERVICE_NAME_LABEL, PROFILE_NAME_LABEL, PROFILE_TYPE_LABEL];
  const seen = new Map<string, { name: string; value: string }[]>();
  for (const r of resolved) {
    for (const combo of await groupCombos(store, r, wanted, range ?? { startMs: 0, endMs: Number.MAX_SAFE_INTEGER })) {
      const labels = [...combo].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      seen.set(JSON.stringify(labels), labels);
      if (seen.size > MAX_SERIES) throw invalidParameter(`more than ${MAX_SERIES} series match; narrow the selector`);
    }
  }
  return [...seen.values()];
}

/**
 * The pprof sample/period types and value scale for one stored app (`/render?format=pprof`): Grafana's
 * type when the suffix is known, else the stored units as they are.
 */
export function pprofTypesOfApp(appName: string, sampleRate: number, units: string | undefined) {
  const { suffix } = splitAppName(appName);
  const known = suffix === undefined ? undefined : profileTypeOfSuffix(suffix);
  if (known === undefined) {
    const unit = units === 'bytes' || units === 'objects' ? units : 'count';
    return { sample: { type: units || 'samples', unit }, period: { type: units || 'samples', unit }, periodValue: 0, scale: 1 };
  }
  const type = sentProfileType(known, sampleRate);
  const scaled = type.scaledBySampleRate && sampleRate > 0;
  return { sample: type.sample, period: type.period, periodValue: scaled ? 1e9 / sampleRate : 0, scale: scaled ? 1e9 / sampleRate : 1 };
}
