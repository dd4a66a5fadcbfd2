// The glue between the write-ahead log and the store's worker: replays the records after the store's
// checkpoint, then hands every new record to the worker as it becomes durable, in seq order, and tells the
// log what the store has written (ackUpTo) so it can forget it. Runs on the main thread but does no decoding:
// one copy of the body per record and a postMessage. Message order is what makes a profile visible to
// /render right after its 200: the record is posted before append() resolves, a later read after it.
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
  /** Records per replay read (default 256). */
  replayBatch?: number;
}

export function createIngester(opts: IngesterOptions): Ingester {
  const { store, log, logger } = opts;
  const replayBatch = opts.replayBatch ?? 256;
  let epoch = 0;
  /** Highest seq handed to the worker in the current epoch. */
  let posted = store.checkpoint();
  /** While replaying, live records wait here (they are read from disk by the replay anyway if it gets there). */
  let buffered: LogRecord[] | undefined = [];
  let unsubscribe: (() => void) | undefined;
  let stopped = false;

  const forStore = (r: LogRecord) => r.consumers.includes(STORE_CONSUMER);

  const send = (records: LogRecord[]) => {
    const out = records.filter((r) => r.seq > posted && forStore(r));
    if (out.length === 0) return;
    posted = out[out.length - 1].seq;
    store.records(
      out.map((r) => ({ seq: r.seq, meta: r.meta, payload: r.payload })),
      epoch,
    );
  };

  const replay = async (fromSeq: number, forEpoch: number) => {
    buffered ??= [];
    posted = fromSeq;
    let replayed = 0;
    for (;;) {
      if (stopped || forEpoch !== epoch) return;
      const page = await log.readFrom(STORE_CONSUMER, posted, replayBatch);
      if (page.length === 0) break;
      send(page);
      replayed += page.length;
    }
    // Live records that arrived meanwhile and were not in the pages read.
    const waiting = buffered;
    buffered = undefined;
    send(waiting);
    if (replayed > 0) logger?.info({ records: replayed, from: fromSeq }, 'store ingester: replayed the write-ahead log');
  };

  store.onCheckpoint((seq) => log.ackUpTo(STORE_CONSUMER, seq));
  store.onReset((seq, e) => {
    epoch = e;
    logger?.warn({ from: seq }, 'store ingester: the store lost unwritten records; replaying the log');
    void replay(seq, e).catch((err: unknown) => logger?.warn({ err: (err as Error).message }, 'store ingester: replay failed'));
  });

  return {
    async start() {
      unsubscribe = log.onAppend((r) => {
        if (buffered !== undefined) buffered.push(r);
        else send([r]);
      });
      await replay(store.checkpoint(), epoch);
    },
    stop() {
      stopped = true;
      unsubscribe?.();
    },
  };
}
