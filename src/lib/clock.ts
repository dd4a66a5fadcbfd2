// Time is injected so tests are exact: production uses systemClock, tests a FakeClock they advance.

/** An absolute point in clock time (unix ms); shutdown passes one deadline to every stage. */
export interface Deadline {
  readonly atMs: number;
}

/** The deadline `ms` from the clock's now. */
export function deadlineIn(clock: Clock, ms: number): Deadline {
  return { atMs: clock.now() + ms };
}

export interface Clock {
  /** Unix milliseconds. */
  now(): number;
  /** Resolves after `ms` (clock time); rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** A clock that only moves when told to. Sleepers wake in deadline order as `advance` passes them. */
export class FakeClock implements Clock {
  private current: number;
  private sleepers: { at: number; resolve: () => void }[] = [];

  constructor(startMs = 1_700_000_000_000) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        this.sleepers = this.sleepers.filter((s) => s !== entry);
        reject(signal!.reason);
      };
      // A woken sleeper drops its abort listener: long-lived signals (a loop's stop signal) must not pile them up.
      const entry = {
        at: this.current + Math.max(0, ms),
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.sleepers.push(entry);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Pending sleep deadlines, earliest first (lets tests assert on backoff delays). */
  pendingDeadlines(): number[] {
    return this.sleepers.map((s) => s.at).sort((a, b) => a - b);
  }

  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      this.sleepers.sort((a, b) => a.at - b.at);
      const next = this.sleepers[0];
      if (next === undefined || next.at > target) break;
      this.sleepers.shift();
      this.current = next.at;
      next.resolve();
      // Let the woken task run before waking the next one.
      await new Promise((r) => setImmediate(r));
    }
    this.current = target;
  }
}
