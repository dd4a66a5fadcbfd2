// A target's queue on the shared durable backlog. Items stay on disk until the worker acknowledges them
// (2xx) or gives up; at most `capacity` (queue-size) of them are held in memory by the workers at a time, the
// rest wait on disk instead of being dropped. Only the oldest items are taken, so budget and age drops hit
// what waits on disk and never an item in flight.
import type { Backlog, BacklogItem, BacklogLogger } from '../store/log/index.js';
import { itemFromRecord } from './shared-backlog.js';
import type { Lease, TargetQueue } from './queue.js';

export interface BacklogQueueOptions {
  backlog: Backlog;
  target: string;
  /** Items held in memory (taken and not finished) at most: the target's queue-size. */
  capacity: number;
  /** 0 = no limit; otherwise items older than this are dropped (`too_old`) instead of being taken. */
  maxAgeMs: number;
  logger?: BacklogLogger;
}

export interface BacklogQueue extends TargetQueue {
  /** Unacknowledged items, bytes and the oldest enqueue time of this target (for the backlog gauges). */
  backlogStats(): { items: number; bytes: number; oldestAtMs: number | undefined };
}

export function createBacklogQueue(o: BacklogQueueOptions): BacklogQueue {
  const { backlog, target } = o;
  let held = 0;
  let closed = false;
  // Bumped on every change a waiting taker cares about, so a change between "nothing to take" and
  // "wait" is never missed.
  let generation = 0;
  const waiters: (() => void)[] = [];
  const kick = () => {
    generation++;
    for (const w of waiters.splice(0)) w();
  };
  const changed = () => new Promise<void>((resolve) => waiters.push(resolve));

  const lease = (it: BacklogItem): Lease | undefined => {
    let item;
    try {
      item = itemFromRecord(it.meta, it.payload);
    } catch (e) {
      // Intact on disk but unreadable by this version: it can never be sent.
      o.logger?.warn({ target, seq: it.seq, err: (e as Error).message }, 'remote-write backlog: dropping an unreadable record');
      void backlog.drop(target, it.seq, 'non_retryable');
      return undefined;
    }
    held++;
    let finished = false;
    const finish = () => {
      if (finished) return false;
      finished = true;
      held--;
      kick();
      return true;
    };
    return {
      item,
      enqueuedAtMs: it.enqueuedAtMs,
      ack: async () => {
        if (finish()) await backlog.ack(target, it.seq);
      },
      drop: async (reason) => {
        if (!finish()) return;
        // A stopped item is not given up: it waits on disk for the next start.
        if (reason === 'stopped') backlog.release(target, it.seq);
        else await backlog.drop(target, it.seq, reason);
      },
      release: () => {
        if (finish()) backlog.release(target, it.seq);
      },
    };
  };

  const queue: BacklogQueue = {
    get pending() {
      return backlog.pendingItems(target);
    },
    backlogStats() {
      const s = backlog.stats(target);
      return { items: s.items, bytes: s.bytes, oldestAtMs: s.oldestAtMs };
    },
    push() {
      // The fan-out already appended the item to the shared backlog for every durable target at once.
      if (closed) return 'closed';
      kick();
      return 'accepted';
    },
    async take() {
      for (;;) {
        if (closed) return undefined;
        const seen = generation;
        if (held < o.capacity) {
          if (o.maxAgeMs > 0) await backlog.expireOlderThan(target, o.maxAgeMs);
          if (closed) return undefined;
          const [it] = await backlog.next(target, 1);
          if (it !== undefined) {
            if (closed) {
              backlog.release(target, it.seq);
              return undefined;
            }
            const l = lease(it);
            if (l !== undefined) return l;
            continue;
          }
        }
        if (generation === seen) await changed();
      }
    },
    close() {
      // Durable: nothing more is taken at stop; what waits stays on disk.
      closed = true;
      kick();
    },
    drain: () => [],
  };
  return queue;
}
