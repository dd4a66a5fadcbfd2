// The per-target queue behind a small interface: the in-memory one here keeps the original semantics (bounded
// in items, drop when full, nothing persisted); the backlog queue (backlog-queue.ts) reads the shared backlog.
import type { LeaseDropReason } from '../model/drop-reason.js';
import type { ForwardItem } from '../model/forward.js';

export type PushResult = 'accepted' | 'full' | 'closed';

export type { LeaseDropReason };

/** One taken item. Exactly one of ack, drop or release ends it; later calls are ignored. */
export interface Lease {
  item: ForwardItem;
  /** When the item was accepted (clock ms): what max-age is measured from. */
  enqueuedAtMs: number;
  /** Delivered (2xx): forget it. */
  ack(): Promise<void>;
  /** Given up: forget it and count the drop (the queue reports it through its onDrop hook). */
  drop(reason: LeaseDropReason): Promise<void>;
  /** Not delivered and not given up (shutdown): a backlog queue keeps it for the next start; memory loses it. */
  release(): void;
}

export interface TargetQueue {
  /** Items accepted and not finished: waiting, in flight or waiting for a retry (the OG `queue_pending`). */
  readonly pending: number;
  /** Never waits on the network. A backlog queue may return a promise; it rejects only with unavailable. */
  push(item: ForwardItem): PushResult | Promise<PushResult>;
  /** The next item; waits while empty. Resolves undefined once closed (memory: and empty). */
  take(): Promise<Lease | undefined>;
  /** Stop accepting; waiting takers get undefined once the remaining items are taken (durable: at once). */
  close(): void;
  /** Removes and returns what is still waiting (shutdown past its deadline). A backlog queue keeps them and returns []. */
  drain(): ForwardItem[];
  /** Body bytes and oldest enqueue time of the pending items (the memory queue; the backlog has its own). */
  stats?(): { bytes: number; oldestAtMs: number | undefined };
}

export interface MemoryQueueOptions {
  /** Drops of taken items (lease.drop), for the target's metrics and logs. */
  onDrop?: (reason: LeaseDropReason, count: number) => void;
  /** Enqueue time source (defaults to Date.now; the target passes its clock). */
  now?: () => number;
}

export function createMemoryQueue(capacity: number, opts: MemoryQueueOptions = {}): TargetQueue {
  const now = opts.now ?? Date.now;
  // A ring would avoid shift()'s O(n), but n <= queue-size and items are whole profiles: it does not matter.
  const items: { item: ForwardItem; at: number }[] = [];
  const takers: ((lease: Lease | undefined) => void)[] = [];
  // Enqueue times of the taken, unfinished items (at most one per worker) and the bytes of all pending ones.
  const leasedAt = new Set<{ at: number }>();
  let pendingBytes = 0;
  let leased = 0;
  let closed = false;

  const lease = (item: ForwardItem, at: number): Lease => {
    leased++;
    const mark = { at };
    leasedAt.add(mark);
    let finished = false;
    const finish = () => {
      if (finished) return false;
      finished = true;
      leased--;
      leasedAt.delete(mark);
      pendingBytes -= item.body.length;
      return true;
    };
    return {
      item,
      enqueuedAtMs: at,
      ack: async () => void finish(),
      drop: async (reason) => {
        if (finish()) opts.onDrop?.(reason, 1);
      },
      release: () => void finish(),
    };
  };

  return {
    get pending() {
      return items.length + leased;
    },
    push(item) {
      if (closed) return 'closed';
      const taker = takers.shift();
      if (taker) {
        pendingBytes += item.body.length;
        taker(lease(item, now()));
        return 'accepted';
      }
      if (items.length >= capacity) return 'full';
      pendingBytes += item.body.length;
      items.push({ item, at: now() });
      return 'accepted';
    },
    take() {
      const next = items.shift();
      if (next !== undefined) return Promise.resolve(lease(next.item, next.at));
      if (closed) return Promise.resolve(undefined);
      return new Promise((resolve) => takers.push(resolve));
    },
    close() {
      closed = true;
      for (const t of takers.splice(0)) t(undefined);
    },
    drain() {
      const left = items.splice(0).map((e) => e.item);
      for (const i of left) pendingBytes -= i.body.length;
      return left;
    },
    stats() {
      let oldest = items[0]?.at;
      for (const m of leasedAt) if (oldest === undefined || m.at < oldest) oldest = m.at;
      return { bytes: pendingBytes, oldestAtMs: oldest };
    },
  };
}
