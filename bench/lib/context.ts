// What every scenario gets: the mode, a temp dir, load sizes, a log, and a per-run memo so baselines that
// two scenarios compare against (the floor, nginx mirror) are measured once per run, under the same conditions.
import type { Row } from './report.js';

export interface BenchContext {
  smoke: boolean;
  /** Temp dir of this run (removed at the end). */
  dir: string;
  /** Seconds per measured load run and its warm-up. */
  durationSec: number;
  warmupSec: number;
  connections: number;
  /** Directory for server CPU profiles, when --cpu-prof was given. */
  cpuProfDir?: string;
  /** `--key=value` flags, e.g. `--render-days=7`. */
  options: Record<string, string>;
  log(msg: string): void;
  /** Notes that go under the table in the results file. */
  note(scenario: string, text: string): void;
  memo<T>(key: string, make: () => Promise<T>): Promise<T>;
}

export interface Scenario {
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<Row[]>;
}
