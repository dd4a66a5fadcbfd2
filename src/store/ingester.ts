// The glue between the write-ahead log and the store's worker: replays the records after the store's
// checkpoint, then hands every new record to the worker as it becomes durable, in seq order, and tells the
// log what the store has written (ackUpTo) so it can forget it. Runs on the main thread but decodes nothing:
// one copy of the body per record and a postMessage.
// Bounded: at most `maxInFlightBytes` of bodies wait in the worker's queue. Past that the ingester stops
// posting live records and catches up from the log on disk once the worker drained, so a worker slower than
// the request rate costs disk (the log), never memory.
// Read-your-writes: a read waits until every record durable when it started has been posted; the worker then
// applies them before the read (message order). When the ingester keeps up, that wait is nothing.
import type { Backlog, LogRecord } from './log/index.js';
import { STORE_CONSUMER } from './log/index.js';
import type { LmdbStore } from './lmdb-store.js';

export interface IngesterLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface Ingester {
  /** Replays what the store has not written yet, then follows the log. Call before serving requests. */
  start(): Promise<void>;
  /** Stops following the log (the store's close() then writes what it holds). */
  stop(): void;
}

export interface IngesterOptions {
  store: LmdbStore;
  log: Backlog;
  logger?: IngesterLogger;
  /** Records per read from the log when catching up (default 64). */
  replayBatch?: number;
  /** Body bytes posted to the worker and not applied yet, at most (default 32 MiB). */
  maxInFlightBytes?: number;
  /** Longest a read waits for records durable before it to reach the store (default 5 s). */
  maxReadWaitMs?: number;
}

export function createIngester(opts: IngesterOptions): Ingester {
  const { store, log, logger } = opts;
  const replayBatch = opts.replayBatch ?? 64;
  const maxInFlight = opts.maxInFlightBytes ?? 32 * 1024 * 1024;
  const maxReadWaitMs = opts.maxReadWaitMs ?? 5000;
  let epoch = 0;
  /** Every record for the store with seq <= posted was handed to the worker (in the current epoch). */
  let posted = store.checkpoint();
  let inFlight = 0;
  let live = false;
  let running = false;
  let stopped = false;
  let unsubscribe: (() => void) | undefined;
  let caughtUp = 0;
  const waiting: { seq: number; resolve: () => void }[] = [];
  // Live records durable in the same turn of the event loop (one log commit holds many) go in one message.
  let liveBatch: LogRecord[] = [];
  let batchScheduled = false;

  const forStore = (r: LogRecord) => r.consumers.includes(STORE_CONSUMER);

  const wake = () => {
    for (let i = waiting.length - 1; i >= 0; i--) {
      if (stopped || posted >= waiting[i].seq) {
        waiting[i].resolve();
        waiting.splice(i, 1);
      }
    }
  };

  const send = (records: LogRecord[]) => {
    const out = records.filter((r) => r.seq > posted && forStore(r));
    if (out.length === 0) return;
    posted = out[out.length - 1].seq;
    for (const r of out) inFlight += r.payload.length;
    store.records(
      out.map((r) => ({ seq: r.seq, meta: r.meta, payload: r.payload })),
      epoch,
    );
    wake();
  };

  // Batched bytes count as in flight from the start, so the budget holds within one turn too; send() counts
  // again exactly what it posts.
  const sendBatch = () => {
    batchScheduled = false;
    const batch = liveBatch;
    liveBatch = [];
    for (const r of batch) inFlight -= r.payload.length;
    send(batch);
  };
  const sendLive = (r: LogRecord) => {
    liveBatch.push(r);
    inFlight += r.payload.length;
    if (batchScheduled) return;
    batchScheduled = true;
    setImmediate(sendBatch);
  };

  /** Reads the log from `posted` until caught up with it, pausing while the worker has too much queued. */
  const catchUp = async () => {
    if (running || stopped) return;
    running = true;
    const forEpoch = epoch;
    try {
      for (;;) {
        if (stopped || forEpoch !== epoch) return;
        if (inFlight > maxInFlight) return; // resumed by the worker's progress
        const upTo = log.lastSeq;
        const page = await log.readFrom(STORE_CONSUMER, posted, replayBatch);
        if (stopped || forEpoch !== epoch) return;
        if (page.length > 0) {
          caughtUp += page.length;
          send(page);
          continue;
        }
        // Nothing left for the store up to `upTo`; appends during the read are either in the next read
        // (lastSeq moved) or were delivered to onAppend while not live: go around once more.
        if (upTo > posted) posted = upTo;
        wake();
        if (log.lastSeq > posted) continue;
        live = true;
        if (caughtUp > 0) logger?.info({ records: caughtUp, upTo: posted }, 'store ingester: caught up with the write-ahead log');
        caughtUp = 0;
        return;
      }
    } finally {
      running = false;
    }
  };
  const kick = () => void catchUp().catch((e: unknown) => logger?.warn({ err: (e as Error).message }, 'store ingester: reading the log failed'));

  store.onCheckpoint((seq) => log.ackUpTo(STORE_CONSUMER, seq));
  store.onApplied((bytes) => {
    inFlight -= bytes;
    if (!live && inFlight <= maxInFlight / 2) kick();
  });
  store.onReset((seq, e) => {
    epoch = e;
    posted = seq;
    live = false;
    logger?.warn({ from: seq }, 'store ingester: the store lost unwritten records; replaying the log');
    // A catch-up of the old epoch may still be reading: it notices the epoch and stops; start a new one after it.
    const again = () => (running ? setTimeout(again, 10) : kick());
    again();
  });
  store.setReadBarrier(() => {
    const want = log.lastSeq;
    if (stopped || posted >= want) return Promise.resolve();
    // A store far behind (sustained overload) must not hold reads for as long as it lags: past the wait limit
    // the read answers with what the store has (the lag is in pyrelay_store_log_lag_records).
    return new Promise<void>((resolve) => {
      const w = { seq: want, resolve };
      waiting.push(w);
      setTimeout(() => {
        const i = waiting.indexOf(w);
        if (i >= 0) waiting.splice(i, 1);
        resolve();
      }, maxReadWaitMs).unref();
    });
  });

  return {
    async start() {
      unsubscribe = log.onAppend((r) => {
        if (!forStore(r)) return;
        if (live && inFlight <= maxInFlight) return sendLive(r);
        if (live) {
          live = false;
          logger?.warn({ inFlightBytes: inFlight }, 'store ingester: the store is behind; reading the log from disk until it catches up');
        }
        if (inFlight <= maxInFlight) kick();
      });
      const want = log.lastSeq;
      kick();
      await new Promise<void>((resolve) => (posted >= want ? resolve() : waiting.push({ seq: want, resolve })));
    },
    stop() {
      // Durable records not posted yet go now: the store's close() writes them with the checkpoint.
      if (liveBatch.length > 0) sendBatch();
      stopped = true;
      unsubscribe?.();
      wake();
    },
  };
}
