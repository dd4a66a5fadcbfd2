// The one mapping between Grafana Pyroscope's label model (service_name + __name__ + labels, profile type ids
// like `process_cpu:cpu:nanoseconds:cpu:nanoseconds`) and pyrelay's series names (`<app>.<suffix>{tags}`).
// Both directions use it: receiving Push (labels -> name), sending Push (name -> labels + pprof sample type)
// and the Grafana querier (profile type id <-> suffix). Described in docs/grafana.md.
import { invalidParameter } from './errors.js';
import { queryLengthError, validateAppName, validateTagKey } from './name.js';
import type { Labels, SeriesKey } from './series-key.js';

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
  ['alloc_sample_objects', fixed('memory', 'alloc_sample_objects', 'count')],
  ['alloc_sample_bytes', fixed('memory', 'alloc_sample_bytes', 'bytes')],
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

/**
 * The type of a series whose name has no suffix Grafana knows (`my.app`, `app`): chosen from its units, so
 * the name is never guessed at. Samples (the default) are cpu, like an original Pyroscope name without a dot.
 */
export function profileTypeOfUnits(units: string, aggregation: 'sum' | 'average'): GrafanaProfileType {
  switch (units) {
    case 'objects':
      return BY_SUFFIX.get(aggregation === 'average' ? 'inuse_objects' : 'alloc_objects')!;
    case 'bytes':
      return BY_SUFFIX.get(aggregation === 'average' ? 'inuse_space' : 'alloc_space')!;
    case 'goroutines':
      return BY_SUFFIX.get('goroutines')!;
    case 'lock_samples':
      return BY_SUFFIX.get('mutex_count')!;
    case 'lock_nanoseconds':
      return BY_SUFFIX.get('mutex_duration')!;
    default:
      return BY_SUFFIX.get('cpu')!;
  }
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

/** One profile ready for a Push target: pprof bytes plus what its Grafana labels are made of. */
export interface ExportedProfile {
  serviceName: string;
  profileName: ProfileName;
  tags: Labels;
  spyName: string;
  /** pprof bytes (gzip'ed when pyrelay encoded them; a pprof upload's own bytes otherwise). */
  pprof: Uint8Array;
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
 * pyrelay series -> Grafana labels (sending Push), given the service name (the app name without its known
 * suffix, see splitAppName) and the profile's `__name__`. Tags become labels (names made Prometheus-valid); a `service_name` tag keeps its value and the app name
 * goes to `app_name`, as Grafana's /ingest adapter does. Sorted by name.
 */
export function toGrafanaLabels(tags: Readonly<Record<string, string>>, profileName: ProfileName, opts: { serviceName: string; spyName?: string }): LabelPairLike[] {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tags)) {
    const name = grafanaLabelName(k);
    if (name.startsWith('__') || v === '') continue; // reserved in Grafana
    out.set(name, v);
  }
  if (out.has(SERVICE_NAME_LABEL)) out.set(APP_NAME_LABEL, opts.serviceName);
  else out.set(SERVICE_NAME_LABEL, opts.serviceName);
  out.set(PROFILE_NAME_LABEL, profileName);
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
      // Longer than anything storable is a 400 here too (lmdb's key limit made it a 500).
      const err = validateTagKey(name);
      if (err !== undefined) throw invalidParameter(`labels: ${err}`);
      const lengthErr = queryLengthError('tag key', name) ?? queryLengthError('tag value', value);
      if (lengthErr !== undefined) throw invalidParameter(`labels: ${name.slice(0, 64)}: ${lengthErr}`);
      if (value !== '') tags[name] = value;
    }
  }
  if (serviceName === undefined || serviceName === '') throw invalidParameter('labels: service name is not provided (label service_name)');
  const appErr = validateAppName(serviceName) ?? queryLengthError('application name', serviceName);
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

/** One entry of an /ingest `sample_type_config` part (the original Pyroscope's JSON keys). */
export interface SampleTypeConfigEntry {
  'display-name'?: string;
  units?: string;
  aggregation?: 'sum' | 'average';
  sampled?: boolean;
  cumulative?: boolean;
}

/**
 * How a pushed pprof's sample types become pyrelay series, per `__name__`: the `sample_type_config` an
 * /ingest upload would carry so that `<service_name>.<suffix>` is what the original naming gives (wall
 * samples are `.wall`, not `.cpu`; block contentions are `.block_count`, not `.mutex_count`). Pushed values
 * are taken as they are: nothing is cumulative (Grafana's clients send deltas). Types not listed keep
 * their own name.
 */
export function sampleTypeConfigFor(name: ProfileName): Record<string, SampleTypeConfigEntry> {
  switch (name) {
    case 'process_cpu':
      return { samples: { 'display-name': 'cpu', units: 'samples', sampled: true } };
    case 'wall':
      return { samples: { 'display-name': 'wall', units: 'samples', sampled: true } };
    case 'memory':
      return {
        inuse_objects: { units: 'objects', aggregation: 'average' },
        inuse_space: { units: 'bytes', aggregation: 'average' },
        alloc_objects: { units: 'objects', aggregation: 'sum' },
        alloc_space: { units: 'bytes', aggregation: 'sum' },
      };
    case 'goroutine':
      return { goroutine: { 'display-name': 'goroutines', units: 'goroutines', aggregation: 'average' } };
    case 'mutex':
      return { contentions: { 'display-name': 'mutex_count', units: 'lock_samples' }, delay: { 'display-name': 'mutex_duration', units: 'lock_nanoseconds' } };
    case 'block':
      return { contentions: { 'display-name': 'block_count', units: 'lock_samples' }, delay: { 'display-name': 'block_duration', units: 'lock_nanoseconds' } };
    case 'exceptions':
      return {};
  }
}

/** The `__name__` a sample_type_config names (first display name with a known suffix), if any. */
export function profileNameOfConfig(config: Record<string, SampleTypeConfigEntry>): ProfileName | undefined {
  for (const [type, c] of Object.entries(config)) {
    const t = profileTypeOfSuffix(c['display-name'] ?? type);
    if (t !== undefined) return t.name;
  }
  return undefined;
}
