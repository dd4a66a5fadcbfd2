// The original's default pull-mode profiles (its scrape config's defaults): endpoint paths and how each pprof
// sample type becomes a series. A job's `profiles` entry of the same name overrides fields of these.

export interface SampleTypeSetting {
  displayName?: string;
  units?: string;
  aggregation?: 'sum' | 'average';
  cumulative?: boolean;
  sampled?: boolean;
}

export interface ProfileSetting {
  path: string;
  params: Record<string, string[]>;
  sampleTypes: Record<string, SampleTypeSetting>;
  allSampleTypes: boolean;
}

const heapTypes = (cumulative: boolean): Record<string, SampleTypeSetting> => ({
  inuse_objects: { units: 'objects', aggregation: 'average' },
  alloc_objects: { units: 'objects', cumulative },
  inuse_space: { units: 'bytes', aggregation: 'average' },
  alloc_space: { units: 'bytes', cumulative },
});
const lockTypes = (prefix: string, cumulative: boolean): Record<string, SampleTypeSetting> => ({
  contentions: { displayName: `${prefix}_count`, units: 'lock_samples', cumulative },
  delay: { displayName: `${prefix}_duration`, units: 'lock_nanoseconds', cumulative },
});

/**
 * `useDelta` (use-delta-profiles) reads heap, mutex and block from godeltaprof's `/debug/pprof/delta_*`
 * endpoints, which already serve differences: nothing is cumulative then.
 */
export function defaultProfiles(useDelta: boolean): Record<string, ProfileSetting> {
  const p = (path: string, sampleTypes: Record<string, SampleTypeSetting>, params: Record<string, string[]> = {}): ProfileSetting => ({
    path,
    params,
    sampleTypes,
    allSampleTypes: false,
  });
  return {
    cpu: p('/debug/pprof/profile', { samples: { displayName: 'cpu', units: 'samples', sampled: true } }, { seconds: ['10'] }),
    mem: useDelta ? p('/debug/pprof/delta_heap', heapTypes(false)) : p('/debug/pprof/heap', heapTypes(true)),
    goroutines: p('/debug/pprof/goroutine', { goroutine: { displayName: 'goroutines', units: 'goroutines', aggregation: 'average' } }),
    mutex: useDelta ? p('/debug/pprof/delta_mutex', lockTypes('mutex', false)) : p('/debug/pprof/mutex', lockTypes('mutex', true)),
    block: useDelta ? p('/debug/pprof/delta_block', lockTypes('block', false)) : p('/debug/pprof/block', lockTypes('block', true)),
  };
}

export const DEFAULT_PROFILE_NAMES = Object.keys(defaultProfiles(false));
