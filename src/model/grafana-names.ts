// The one mapping between Grafana Pyroscope's label model (service_name + __name__ + labels, profile type ids
// like `process_cpu:cpu:nanoseconds:cpu:nanoseconds`) and pyrelay's series names (`<app>.<suffix>{tags}`).
// Both directions use it: receiving Push (labels -> name), sending Push (name -> labels + pprof sample type)
// and the Grafana querier (profile type id <-> suffix). Described in docs/grafana.md.
import { invalidParameter } from './errors.js';
import { validateAppName, validateTagKey } from './name.js';
import type { SeriesKey } from './series-key.js';

export const SERVICE_NAME_LABEL = 'service_name';
export const PROFILE_NAME_LABEL = '__name__';
export const DELTA_LABEL = '__delta__';
/** Added by Grafana's /ingest adapter when the series name had a `service_name` tag already. */
export const APP_NAME_LABEL = 'app_name';
export const SPY_NAME_LABEL = 'pyroscope_spy';

/** The `__name__` values (profile metrics) Grafana Pyroscope knows. */
export const PROFILE_NAMES = ['process_cpu', 'wall', 'memory', 'goroutine', 'mutex', 'block', 'exceptions'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export interface ValueType {
  type: string;
  unit: string;
}

/** What a pyrelay suffix is in Grafana's terms (the pprof sample type and period type to send). */
export interface GrafanaProfileType {
  name: ProfileName;
  sample: ValueType;
  period: ValueType;
  /** Sampled time profiles: values are sample counts, sent as nanoseconds (count × 1e9 / sampleRate). */
  scaledBySampleRate: boolean;
}

const t = (type: string, unit: string): ValueType => ({ type, unit });
const fixed = (name: ProfileName, type: string, unit: string): GrafanaProfileType => ({
  name,
  sample: t(type, unit),
  period: t(type, unit),
  scaledBySampleRate: false,
});
const sampledTime = (name: ProfileName, type: string): GrafanaProfileType => ({
  name,
  sample: t(type, 'nanoseconds'),
  period: t(type, 'nanoseconds'),
  scaledBySampleRate: true,
});

/** pyrelay (and original Pyroscope) series suffix -> Grafana profile type, as Grafana's own /ingest adapter maps them. */
const BY_SUFFIX: ReadonlyMap<string, GrafanaProfileType> = new Map([
  ['cpu', sampledTime('process_cpu', 'cpu')],
  ['itimer', sampledTime('process_cpu', 'cpu')],
  ['wall', sampledTime('wall', 'wall')],
  ['inuse_objects', fixed('memory', 'inuse_objects', 'count')],
  ['alloc_objects', fixed('memory', 'alloc_objects', 'count')],
  ['inuse_space', fixed('memory', 'inuse_space', 'bytes')],
  ['alloc_space', fixed('memory', 'alloc_space', 'bytes')],
  ['alloc_in_new_tlab_objects', fixed('memory', 'alloc_in_new_tlab_objects', 'count')],
  ['alloc_in_new_tlab_bytes', fixed('memory', 'alloc_in_new_tlab_bytes', 'bytes')],
  ['alloc_outside_tlab_objects', fixed('memory', 'alloc_outside_tlab_objects', 'count')],
  ['alloc_outside_tlab_bytes', fixed('memory', 'alloc_outside_tlab_bytes', 'bytes')],
  ['live', fixed('memory', 'live', 'count')],
  ['goroutines', fixed('goroutine', 'goroutines', 'count')],
  ['mutex_count', fixed('mutex', 'contentions', 'count')],
  ['mutex_duration', fixed('mutex', 'delay', 'nanoseconds')],
  ['block_count', fixed('block', 'contentions', 'count')],
  ['block_duration', fixed('block', 'delay', 'nanoseconds')],
  ['lock_count', fixed('block', 'contentions', 'count')],
  ['lock_duration', fixed('block', 'delay', 'nanoseconds')],
  ['exceptions', fixed('exceptions', 'samples', 'count')],
]);

/** Speedscope series carry their unit as the suffix (`app.seconds`, `app.bytes`). */
const SPEEDSCOPE_UNITS: ReadonlyMap<string, GrafanaProfileType> = new Map([
  ['seconds', sampledTime('wall', 'wall')],
  ['milliseconds', sampledTime('wall', 'wall')],
  ['microseconds', sampledTime('wall', 'wall')],
  ['nanoseconds', sampledTime('wall', 'wall')],
  ['bytes', fixed('memory', 'samples', 'bytes')],
]);

/** Counted samples without a rate to scale by: the type Grafana gives cpu/wall then. */
const UNSCALED: Record<'process_cpu' | 'wall', GrafanaProfileType> = {
  process_cpu: fixed('process_cpu', 'samples', 'count'),
  wall: fixed('wall', 'samples', 'count'),
};

/** The Grafana profile type of a series suffix, or undefined when Grafana knows no such suffix. */
export function profileTypeOfSuffix(suffix: string): GrafanaProfileType | undefined {
  return BY_SUFFIX.get(suffix) ?? SPEEDSCOPE_UNITS.get(suffix);
}

/** The profile type actually sent for `suffix` at `sampleRate`: time types without a rate stay sample counts. */
export function sentProfileType(type: GrafanaProfileType, sampleRate: number): GrafanaProfileType {
  if (!type.scaledBySampleRate || sampleRate > 0) return type;
  return UNSCALED[type.name as 'process_cpu' | 'wall'];
}

/** `<__name__>:<sample type>:<sample unit>:<period type>:<period unit>`. */
export function profileTypeId(p: GrafanaProfileType): string {
  return `${p.name}:${p.sample.type}:${p.sample.unit}:${p.period.type}:${p.period.unit}`;
}

/** Splits a stored app name `app.suffix` into service name and a suffix Grafana knows; undefined suffix if none. */
export function splitAppName(appName: string): { serviceName: string; suffix: string | undefined } {
  const dot = appName.lastIndexOf('.');
  if (dot > 0) {
    const suffix = appName.slice(dot + 1);
    if (profileTypeOfSuffix(suffix) !== undefined) return { serviceName: appName.slice(0, dot), suffix };
  }
  return { serviceName: appName, suffix: undefined };
}

export interface LabelPairLike {
  name: string;
  value: string;
}

/** Label names Grafana accepts on the Push path (Prometheus's): dots and dashes become `_`. */
export function grafanaLabelName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(s) ? `_${s}` : s;
}

/**
 * pyrelay series -> Grafana labels (sending Push). `appName` is the full stored name (`app.cpu`); a name
 * without a known suffix is sent whole as service_name with `fallback`'s type (the suffix is not guessed).
 * Tags become labels (names made Prometheus-valid); a `service_name` tag keeps its value and the app name
 * goes to `app_name`, as Grafana's /ingest adapter does. Sorted by name.
 */
export function toGrafanaLabels(key: SeriesKey, type: GrafanaProfileType, opts: { serviceName: string; spyName?: string }): LabelPairLike[] {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(key.labels)) {
    const name = grafanaLabelName(k);
    if (name.startsWith('__') || v === '') continue; // reserved in Grafana
    out.set(name, v);
  }
  if (out.has(SERVICE_NAME_LABEL)) out.set(APP_NAME_LABEL, opts.serviceName);
  else out.set(SERVICE_NAME_LABEL, opts.serviceName);
  out.set(PROFILE_NAME_LABEL, type.name);
  out.set(DELTA_LABEL, 'false');
  if (opts.spyName !== undefined && opts.spyName !== '' && opts.spyName !== 'unknown' && !out.has(SPY_NAME_LABEL)) {
    out.set(SPY_NAME_LABEL, opts.spyName);
  }
  return [...out].map(([name, value]) => ({ name, value })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export interface ReceivedSeries {
  /** `service_name` as the app name and the non-reserved labels as tags; the pprof sample types add the suffix. */
  key: SeriesKey;
  profileName: ProfileName;
}

/**
 * Grafana labels -> pyrelay series (receiving Push). Requires `service_name` and a known `__name__`; every
 * other `__*` label is Grafana-internal and dropped; other labels become tags and must be valid tag keys.
 * Throws a 400 (invalid_parameter) naming the label otherwise.
 */
export function fromGrafanaLabels(labels: readonly LabelPairLike[]): ReceivedSeries {
  let serviceName: string | undefined;
  let profileName: string | undefined;
  const tags: Record<string, string> = Object.create(null);
  for (const { name, value } of labels) {
    if (name === SERVICE_NAME_LABEL) serviceName = value;
    else if (name === PROFILE_NAME_LABEL) profileName = value;
    else if (name.startsWith('__')) continue;
    else {
      const err = validateTagKey(name);
      if (err !== undefined) throw invalidParameter(`labels: ${err}`);
      if (value !== '') tags[name] = value;
    }
  }
  if (serviceName === undefined || serviceName === '') throw invalidParameter('labels: service name is not provided (label service_name)');
  const appErr = validateAppName(serviceName);
  if (appErr !== undefined) throw invalidParameter(`labels: service_name: ${appErr}`);
  if (profileName === undefined || profileName === '') throw invalidParameter('labels: profile type is not provided (label __name__)');
  if (!(PROFILE_NAMES as readonly string[]).includes(profileName)) {
    throw invalidParameter(`labels: unknown profile type ${JSON.stringify(profileName)} (label __name__); known: ${PROFILE_NAMES.join(', ')}`);
  }
  return { key: { appName: serviceName, labels: tags }, profileName: profileName as ProfileName };
}

/** Every suffix whose series Grafana files under `name` (for the querier: which stored series a type selects). */
export function suffixesOf(name: ProfileName): string[] {
  return [...BY_SUFFIX, ...SPEEDSCOPE_UNITS].filter(([, p]) => p.name === name).map(([s]) => s);
}
