// The retention sweep: deletes segment data entirely older than now - retention, then series and apps left
// empty. Runs on a timer (default every 10 min, as the original) and on demand.
import type { Clock } from '../lib/clock.js';
import type { SegmentData } from './segment-data.js';
import type { SeriesIndex } from './series-index.js';
import { APP_LABEL } from './selector-eval.js';

export interface RetentionOptions {
  retentionMs: number;
  clock: Clock;
  index: SeriesIndex;
  segments: SegmentData;
  /** Runs `fn` in one write transaction. */
  inTxn<R>(fn: () => R): R;
  /** Called inside a transaction for an app whose last series was swept. */
  dropApp(app: string): void;
  /** Trees deleted by each sweep (timer or on demand), for the store's stats. */
  onSwept(trees: number): void;
  intervalMs: number;
  logger?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

export interface RetentionSweep {
  /** Data ending at or before this is expired (-Infinity without retention). */
  boundaryMs(): number;
  /** Sweeps now; returns the number of trees deleted. */
  sweep(): number;
  stop(): void;
}

export function createRetentionSweep(o: RetentionOptions): RetentionSweep {
  const { retentionMs, index, segments, inTxn } = o;
  const boundaryMs = () => (retentionMs > 0 ? o.clock.now() - retentionMs : -Infinity);

  const sweep = (): number => {
    if (retentionMs <= 0) return 0;
    const boundary = boundaryMs();
    const boundarySec = Math.floor(boundary / 1000);
    let deleted = 0;
    const emptiedApps = new Set<string>();
    for (const { id, record } of [...index.all()]) {
      inTxn(() => {
        deleted += segments.sweep(id, boundarySec);
        if (record.maxMs <= boundary) {
          deleted += segments.drop(id);
          index.remove(id);
          emptiedApps.add(record.app);
        }
      });
    }
    for (const app of emptiedApps) {
      inTxn(() => {
        const left = index.seriesWith(APP_LABEL, app)[Symbol.iterator]().next();
        if (left.done) o.dropApp(app);
      });
    }
    o.onSwept(deleted);
    return deleted;
  };

  const timer =
    retentionMs > 0
      ? setInterval(() => {
          try {
            const n = sweep();
            if (n > 0) o.logger?.info({ deletedTrees: n }, 'retention sweep');
          } catch (e) {
            o.logger?.warn({ err: e }, 'retention sweep failed');
          }
        }, o.intervalMs)
      : undefined;
  timer?.unref();

  return { boundaryMs, sweep, stop: () => clearInterval(timer) };
}
