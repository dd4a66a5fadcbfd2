// A small in-memory ProfileStore for query tests: a list of TimedProfile, OG selector semantics
// (intersect `=`/`=~` and the app, subtract `!=`/`!~` matches), a timeline of 10 s buckets.
import type { TimedProfile } from '../../src/model/profile.js';
import { compileLabelRegex } from '../../src/model/regex.js';
import type { LabelMatcher, SeriesSelector } from '../../src/model/selector.js';
import { Tree } from '../../src/model/tree.js';
import type { AppInfo, ProfileStore, SelectResult, TimeRange } from '../../src/store/types.js';

const STEP_MS = 10_000;

function labelMatches(labels: Readonly<Record<string, string>>, m: LabelMatcher): boolean {
  const v = labels[m.name];
  if (v === undefined) return false; // no dimension for this key: positive ops miss, negative ops keep
  return m.op === '=' || m.op === '!=' ? v === m.value : compileLabelRegex(m.value, { anchored: false }, m.name).test(v);
}

export function seriesMatches(p: TimedProfile, s: SeriesSelector): boolean {
  if (p.key.appName !== s.appName) return false;
  for (const m of s.matchers) {
    const hit = labelMatches(p.key.labels, m);
    if ((m.op === '=' || m.op === '=~') !== hit) return false;
  }
  return true;
}

const inRange = (p: TimedProfile, r: TimeRange) => p.startMs >= r.startMs && p.startMs < r.endMs;

export interface MemoryStore extends ProfileStore {
  readonly profiles: TimedProfile[];
  readonly calls: { method: string; args: unknown[] }[];
}

export function createMemoryStore(initial: TimedProfile[] = []): MemoryStore {
  const profiles = [...initial];
  const calls: { method: string; args: unknown[] }[] = [];
  return {
    profiles,
    calls,
    async put(p) {
      profiles.push(p);
    },
    async select(selector, range): Promise<SelectResult> {
      calls.push({ method: 'select', args: [selector, range] });
      const startTime = Math.floor(range.startMs / STEP_MS) * 10;
      const buckets = Math.max(0, Math.ceil(range.endMs / STEP_MS) - Math.floor(range.startMs / STEP_MS));
      const samples = new Array<number>(buckets).fill(0);
      const tree = new Tree();
      let metadata: SelectResult['metadata'];
      let treesRead = 0;
      for (const p of profiles) {
        if (!seriesMatches(p, selector) || !inRange(p, range)) continue;
        tree.merge(p.tree);
        metadata = p.metadata;
        treesRead++;
        samples[Math.floor(p.startMs / STEP_MS) - startTime / 10] += p.tree.total;
      }
      return { tree, metadata, timeline: { startTime, durationDelta: 10, samples }, treesRead };
    },
    async labelNames(selector, range) {
      calls.push({ method: 'labelNames', args: [selector, range] });
      const keys = new Set<string>(['__name__']);
      for (const p of profiles) {
        if (selector && p.key.appName !== selector.appName) continue;
        if (range && !inRange(p, range)) continue;
        for (const k of Object.keys(p.key.labels)) keys.add(k);
      }
      return [...keys].sort();
    },
    async labelValues(label, selector, range) {
      calls.push({ method: 'labelValues', args: [label, selector, range] });
      const values = new Set<string>();
      for (const p of profiles) {
        if (selector && !seriesMatches(p, selector)) continue;
        if (range && !inRange(p, range)) continue;
        const v = label === '__name__' ? p.key.appName : p.key.labels[label];
        if (v !== undefined) values.add(v);
      }
      return [...values].sort();
    },
    async apps(): Promise<AppInfo[]> {
      const byName = new Map<string, AppInfo>();
      for (const p of profiles) {
        const { spyName, sampleRate, units } = p.metadata;
        byName.set(p.key.appName, { name: p.key.appName, spyName, sampleRate, units });
      }
      return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    },
    async deleteApp(appName) {
      const before = profiles.length;
      for (let i = profiles.length - 1; i >= 0; i--) if (profiles[i].key.appName === appName) profiles.splice(i, 1);
      return profiles.length < before;
    },
    async close() {},
  };
}

/** A TimedProfile from folded stacks, for tests. */
export function profile(
  name: string,
  labels: Record<string, string>,
  stacks: Record<string, number>,
  atMs: number,
  metadata: Partial<TimedProfile['metadata']> = {},
): TimedProfile {
  return {
    key: { appName: name, labels },
    tree: Tree.fromStacks(Object.entries(stacks).map(([k, v]) => [k.split(';'), v] as const)),
    metadata: { spyName: 'gospy', sampleRate: 100, units: 'samples', aggregation: 'sum', ...metadata },
    startMs: atMs,
    endMs: atMs + 10_000,
  };
}
