// The per-target queue behind a small interface: the in-memory one here keeps the original semantics (bounded
// in items, drop when full, nothing persisted); a durable backlog can implement the same contract.
import type { SendOutcome } from './outcome.js';
import type { ForwardItem } from './types.js';

export type PushResult = 'accepted' | 'full' | 'closed';

/** One taken item. `done` tells the queue how its attempt ended (a durable queue deletes or keeps it). */
export interface Lease {
  item: ForwardItem;
  done(outcome: SendOutcome): void | Promise<void>;
}

export interface TargetQueue {
  readonly capacity: number;
  /** Items waiting (not yet taken). */
  readonly size: number;
  /** Never waits on the network. A durable queue may return a promise (persisting); it rejects only with unavailable. */
  push(item: ForwardItem): PushResult | Promise<PushResult>;
  /** The next item; waits while empty. Resolves undefined once closed and empty. */
  take(): Promise<Lease | undefined>;
  /** Stop accepting; waiting takers get undefined once the remaining items are taken. */
  close(): void;
  /** Removes and returns what is still waiting (shutdown past its deadline). A durable queue keeps them and returns []. */
  drain(): ForwardItem[];
}

const noop = () => {};

export function createMemoryQueue(capacity: number): TargetQueue {
  // A ring would avoid shift()'s O(n), but n <= queue-size and items are whole profiles: it does not matter.
  const items: ForwardItem[] = [];
  const takers: ((lease: Lease | undefined) => void)[] = [];
  let closed = false;
  return {
    capacity,
    get size() {
      return items.length;
    },
    push(item) {
      if (closed) return 'closed';
      const taker = takers.shift();
      if (taker) {
        taker({ item, done: noop });
        return 'accepted';
      }
      if (items.length >= capacity) return 'full';
      items.push(item);
      return 'accepted';
    },
    take() {
      const item = items.shift();
      if (item !== undefined) return Promise.resolve({ item, done: noop });
      if (closed) return Promise.resolve(undefined);
      return new Promise((resolve) => takers.push(resolve));
    },
    close() {
      closed = true;
      for (const t of takers.splice(0)) t(undefined);
    },
    drain() {
      return items.splice(0);
    },
  };
}
