// Which pprof sample types become which series (docs/compatibility.md#34): the default Go-centric mapping,
// the `sample_type_config` part that replaces it, and the period-derived sample rate.
import { malformedBody } from '../../../model/errors.js';
import type { Aggregation } from '../../../model/profile.js';

export interface SampleTypeConfig {
  units?: string;
  displayName?: string;
  aggregation?: Aggregation;
  cumulative?: boolean;
  sampled?: boolean;
}

export type SampleTypeMapping = ReadonlyMap<string, SampleTypeConfig>;

export const DEFAULT_SAMPLE_TYPES: SampleTypeMapping = new Map<string, SampleTypeConfig>([
  ['samples', { displayName: 'cpu', units: 'samples', aggregation: 'sum', sampled: true }],
  ['inuse_objects', { units: 'objects', aggregation: 'average' }],
  ['alloc_objects', { units: 'objects', aggregation: 'sum', cumulative: true }],
  ['inuse_space', { units: 'bytes', aggregation: 'average' }],
  ['alloc_space', { units: 'bytes', aggregation: 'sum', cumulative: true }],
  ['goroutine', { displayName: 'goroutines', units: 'goroutines', aggregation: 'average' }],
  ['contentions', { displayName: 'mutex_count', units: 'lock_samples', aggregation: 'sum', cumulative: true }],
  ['delay', { displayName: 'mutex_duration', units: 'lock_nanoseconds', aggregation: 'sum', cumulative: true }],
]);

/** Parses the `sample_type_config` JSON part; anything that is not the documented shape is a 422. */
export function parseSampleTypeConfig(bytes: Uint8Array): SampleTypeMapping {
  const where = 'sample_type_config';
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8').decode(bytes));
  } catch (e) {
    throw malformedBody('pprof', where, `invalid JSON: ${(e as Error).message}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw malformedBody('pprof', where, 'must be a JSON object keyed by sample type');
  }
  const out = new Map<string, SampleTypeConfig>();
  for (const [type, raw] of Object.entries(json as Record<string, unknown>)) {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw malformedBody('pprof', `${where}.${type}`, 'must be an object');
    }
    const o = raw as Record<string, unknown>;
    const cfg: SampleTypeConfig = {};
    const str = (k: string): string | undefined => {
      const v = o[k];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'string') throw malformedBody('pprof', `${where}.${type}.${k}`, 'must be a string');
      return v === '' ? undefined : v;
    };
    const bool = (k: string): boolean | undefined => {
      const v = o[k];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'boolean') throw malformedBody('pprof', `${where}.${type}.${k}`, 'must be a boolean');
      return v;
    };
    cfg.units = str('units');
    cfg.displayName = str('display-name');
    const agg = str('aggregation');
    if (agg !== undefined) {
      // OG's storage also reads "avg" as average.
      if (agg === 'sum') cfg.aggregation = 'sum';
      else if (agg === 'average' || agg === 'avg') cfg.aggregation = 'average';
      else throw malformedBody('pprof', `${where}.${type}.aggregation`, `must be "sum" or "average", got ${JSON.stringify(agg)}`);
    }
    cfg.cumulative = bool('cumulative');
    cfg.sampled = bool('sampled');
    out.set(type, cfg);
  }
  return out;
}

/** One sample type that produces series: where its value is and how its series look. */
export interface SampleTypeSlot {
  /** Index into Sample.value. */
  valueIndex: number;
  /** pprof sample-type name. */
  sampleType: string;
  /** Suffix appended to the app name. */
  displayName: string;
  units: string;
  aggregation: Aggregation;
  cumulative: boolean;
  sampleRate: number;
}

export interface ProfileTypes {
  sampleTypes: { type: string; unit: string }[];
  periodType: { type: string; unit: string } | undefined;
  period: number;
}

const unitNs = (unit: string): number => (unit === 'microseconds' ? 1e3 : unit === 'milliseconds' ? 1e6 : unit === 'seconds' ? 1e9 : 1);

/** The /ingest default rate, used for a sampled type whose profile has no usable period. */
export const FALLBACK_SAMPLE_RATE = 100;

/**
 * `1e9 / (unitNs * period)` with integer division, at least 1. Without a period type or with a period of
 * 0 or less it is FALLBACK_SAMPLE_RATE (the original stored 0, which turns samples into infinite time).
 */
export function periodSampleRate(p: ProfileTypes): number {
  if (p.periodType === undefined || !(p.period > 0)) return FALLBACK_SAMPLE_RATE;
  return Math.max(1, Math.floor(1e9 / (unitNs(p.periodType.unit) * p.period)));
}

/**
 * Mapped types first claim their series names; an unmapped type is stored under its own name unless that
 * name is already taken in this profile (Go CPU profiles carry `samples` → `.cpu` and `cpu/nanoseconds`,
 * which must not be summed into the same series). A sample type named twice is read once.
 */
export function resolveSlots(p: ProfileTypes, mapping: SampleTypeMapping): SampleTypeSlot[] {
  const rate = periodSampleRate(p);
  const seenTypes = new Set<string>();
  const mapped: SampleTypeSlot[] = [];
  const unmapped: SampleTypeSlot[] = [];
  p.sampleTypes.forEach(({ type, unit }, valueIndex) => {
    if (type === '' || seenTypes.has(type)) return;
    seenTypes.add(type);
    const cfg = mapping.get(type);
    if (cfg !== undefined) {
      mapped.push({
        valueIndex,
        sampleType: type,
        displayName: cfg.displayName ?? type,
        units: cfg.units ?? unit,
        aggregation: cfg.aggregation ?? 'sum',
        cumulative: cfg.cumulative === true,
        sampleRate: cfg.sampled === true ? rate : 0,
      });
    } else {
      // docs/compatibility.md#34: the period type is the sampled one.
      const sampled = p.periodType !== undefined && p.periodType.type === type;
      unmapped.push({
        valueIndex,
        sampleType: type,
        displayName: type,
        units: unit,
        aggregation: 'sum',
        cumulative: false,
        sampleRate: sampled ? rate : 0,
      });
    }
  });
  const taken = new Set(mapped.map((s) => s.displayName));
  return [...mapped, ...unmapped.filter((s) => !taken.has(s.displayName))];
}
