// The contract between the ingest pipeline / query service and the embedded store.
import type { ProfileMetadata, TimedProfile } from '../model/profile.js';
import type { SeriesSelector } from '../model/selector.js';
import type { Tree } from '../model/tree.js';

export interface TimeRange {
  startMs: number;
  endMs: number;
}

export interface Timeline {
  /** Unix seconds of the first bucket (aligned to `durationDelta`). */
  startTime: number;
  /** Seconds per bucket. */
  durationDelta: number;
  /** Per-bucket totals. */
  samples: number[];
}

export interface SelectResult {
  /** Merged tree of every matching series over the range (already divided by writes for `average`). */
  tree: Tree;
  /** Metadata of the matching series (last write wins); undefined when nothing matched. */
  metadata: ProfileMetadata | undefined;
  timeline: Timeline;
  /** How many stored trees were read to answer: logarithmic in the range for a segment-tree store. */
  treesRead: number;
}

export interface AppInfo {
  /** App name including its type suffix, e.g. `myapp.cpu`. */
  name: string;
  spyName?: string;
  sampleRate?: number;
  units?: string;
}

export interface ProfileStore {
  /** Stores one profile. Resolves when it is durable enough to survive a normal restart. */
  put(profile: TimedProfile): Promise<void>;
  select(selector: SeriesSelector, range: TimeRange): Promise<SelectResult>;
  /** Tag keys (including `__name__`), sorted; restricted to the selector's app and to series written in `range` when given. */
  labelNames(selector?: SeriesSelector, range?: TimeRange): Promise<string[]>;
  /** Values of one tag key, sorted. `__name__` lists app names. */
  labelValues(label: string, selector?: SeriesSelector, range?: TimeRange): Promise<string[]>;
  apps(): Promise<AppInfo[]>;
  /** Deletes every series, tree and index entry of an app. Resolves false when the app did not exist. */
  deleteApp(appName: string): Promise<boolean>;
  close(): Promise<void>;
}
