// Group commit: concurrent puts are gathered into one write transaction (one fsync, one merge+truncate per
// segment node for all of them). After a batch of several puts, the next waits up to `batchWindowMs` for
// more; sequential writers (a batch of one) commit at once. A failed batch is retried item by item so a
// single bad item fails alone.

export interface GroupCommitOptions<T> {
  /** Largest batch; a full queue commits without waiting for the window. */
  maxBatch: number;
  batchWindowMs: number;
  /** Writes the batch in one transaction; throws to fail it. */
  commit(batch: readonly T[]): void;
  /** The error a caller sees when its own item failed on its own. */
  asError(e: unknown): unknown;
}

export interface GroupCommit<T> {
  /** Resolves once `item` is committed. */
  submit(item: T): Promise<void>;
  /** Commits everything queued now (no gather window) and resolves once the queue is empty. */
  drain(): Promise<void>;
}

interface Pending<T> {
  item: T;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export function createGroupCommit<T>(o: GroupCommitOptions<T>): GroupCommit<T> {
  let queue: Pending<T>[] = [];
  let flushScheduled: Promise<void> | undefined;
  // Commits the scheduled batch now instead of at the end of the gather window.
  let flushSoon: (() => void) | undefined;
  let lastBatchSize = 0;

  const flush = () => {
    flushScheduled = undefined;
    flushSoon = undefined;
    const batch = queue.slice(0, o.maxBatch);
    queue = queue.slice(batch.length);
    lastBatchSize = batch.length;
    if (queue.length > 0) schedule();
    try {
      o.commit(batch.map((p) => p.item));
      batch.forEach((p) => p.resolve());
    } catch {
      for (const p of batch) {
        try {
          o.commit([p.item]);
          p.resolve();
        } catch (e) {
          p.reject(o.asError(e));
        }
      }
    }
  };

  const schedule = () => {
    if (flushScheduled !== undefined) {
      if (queue.length >= o.maxBatch) flushSoon?.();
      return;
    }
    const gather = o.batchWindowMs > 0 && lastBatchSize > 1 && queue.length < o.maxBatch;
    flushScheduled = new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      let done = false;
      const run = () => {
        if (done) return;
        done = true;
        if (timer !== undefined) clearTimeout(timer);
        flush();
        resolve();
      };
      flushSoon = () => setImmediate(run);
      if (gather) timer = setTimeout(run, o.batchWindowMs);
      else setImmediate(run);
    });
  };

  return {
    submit(item) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        schedule();
      });
    },
    async drain() {
      flushSoon?.(); // whoever drains waits for the queue, not for the gather window
      while (flushScheduled !== undefined) await flushScheduled;
    },
  };
}
