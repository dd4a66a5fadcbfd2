// What every service discovery provides: the full current list of its target groups, reported each time it changes.
import type { TargetGroup } from '../targets.js';

export interface Discoverer {
  /** `onUpdate` receives every group this discoverer knows (not a diff) whenever the set changes. */
  start(onUpdate: (groups: TargetGroup[]) => void): void;
  /** Stops watching and polling; no update is reported after it resolves. */
  stop(): Promise<void>;
}
