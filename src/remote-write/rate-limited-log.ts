// Rate-limited logging for repeated events (failed sends, queue-full drops): a dead target must not write one
// line per profile. The first event is logged at once; later ones are counted and summarised at most once per
// interval (docs/compatibility.md#30).
import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.js';

export interface RateLimitedLog {
  /** Logs `fields` now, or counts it into the next summary. */
  event(fields: Record<string, unknown>): void;
  /** Writes the pending summary, if any (at shutdown). */
  flush(): void;
  /** Flushes and cancels the pending summary timer. */
  close(): void;
}

export interface RateLimitedLogOptions {
  logger: Logger;
  clock: Clock;
  level: 'warn' | 'error';
  msg: string;
  /** Fields on every line (target name, redacted address). */
  base: Record<string, unknown>;
  intervalMs: number;
}

export function createRateLimitedLog(o: RateLimitedLogOptions): RateLimitedLog {
  let lastAt: number | undefined;
  let suppressed = 0;
  let last: Record<string, unknown> = {};
  let timer: AbortController | undefined;

  const write = (fields: Record<string, unknown>, count: number) => o.logger[o.level]({ ...o.base, ...fields, ...(count > 0 ? { suppressed: count } : {}) }, o.msg);

  const flush = () => {
    if (suppressed === 0) return;
    write({ ...last, summary: true }, suppressed);
    suppressed = 0;
    lastAt = o.clock.now();
  };

  // The summary is written even if the events stop, so a burst is never under-reported.
  const schedule = () => {
    if (timer !== undefined) return;
    const ctl = new AbortController();
    timer = ctl;
    const wait = Math.max(0, (lastAt ?? o.clock.now()) + o.intervalMs - o.clock.now());
    o.clock.sleep(wait, ctl.signal).then(
      () => {
        timer = undefined;
        flush();
      },
      () => {},
    );
  };

  return {
    event(fields) {
      const now = o.clock.now();
      if (lastAt === undefined || now - lastAt >= o.intervalMs) {
        const count = suppressed;
        suppressed = 0;
        lastAt = now;
        write(fields, count);
        return;
      }
      suppressed++;
      last = fields;
      schedule();
    },
    flush,
    close() {
      timer?.abort();
      timer = undefined;
      flush();
    },
  };
}
