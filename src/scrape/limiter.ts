// A counting semaphore with a FIFO wait list: the global cap on concurrent scrapes. A waiter that gives up
// (its target was removed) leaves the list, so the list never holds more than one entry per target.

export interface Limiter {
  /** Resolves with a release function once a slot is free; rejects with the signal's reason if aborted first. */
  acquire(signal?: AbortSignal): Promise<() => void>;
  readonly active: number;
  readonly waiting: number;
  /** Changes the cap (a reload); running scrapes are not interrupted. */
  resize(max: number): void;
}

export function createLimiter(initialMax: number, onWait?: () => void): Limiter {
  let max = initialMax;
  let active = 0;
  const queue: { grant: () => void }[] = [];

  const pump = () => {
    while (active < max && queue.length > 0) {
      active++;
      queue.shift()!.grant();
    }
  };
  const releaser = () => {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      active--;
      pump();
    };
  };

  return {
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (active < max && queue.length === 0) {
        active++;
        return Promise.resolve(releaser());
      }
      onWait?.();
      return new Promise((resolve, reject) => {
        const entry = {
          grant: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve(releaser());
          },
        };
        const onAbort = () => {
          const i = queue.indexOf(entry);
          if (i >= 0) queue.splice(i, 1);
          reject(signal!.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(entry);
      });
    },
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
    resize(n) {
      max = n;
      pump();
    },
  };
}
