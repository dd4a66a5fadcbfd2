// The disk side of "target T is done with item N" (acked or dropped), written in batches instead of one
// durable write per ack: losing a batch in a crash only means those items are sent again (at-least-once, and
// a receiving pyrelay drops the copy by its profile id). Batching also lets a record whose targets all finish
// within one batch be deleted with one write, its per-target markers never written at all.
import type { Database } from 'lmdb';

export interface FinishWrites {
  /** `target` finished `seq` while other targets still need it: write a marker with the next batch. */
  mark(target: string, seq: number): void;
  /** Every target finished `seq`: delete the record and the markers of `marked` (queued or written). */
  remove(seq: number, marked: readonly string[]): void;
  /** Writes what is queued now (one lmdb batch); resolves once it and every earlier batch committed. */
  flush(): Promise<void>;
  /** Forgets what is queued without writing it: what a crash does (tests). */
  discard(): void;
  /** Operations queued and not yet handed to lmdb. */
  readonly queued: number;
}

export interface FinishWritesOptions {
  payloads: Database<Buffer, number>;
  done: Database<Buffer, [string, number]>;
  /** How long finished items wait to be written together. */
  flushMs: number;
  /** Written at once past this many queued operations, whatever flushMs says. */
  maxQueued?: number;
  onError(err: unknown, what: string): void;
  /** While true (the disk is full), nothing is written: the batch waits, because a failed commit costs more. */
  paused?: () => boolean;
}

const EMPTY = Buffer.alloc(0);

export function createFinishWrites(o: FinishWritesOptions): FinishWrites {
  const maxQueued = o.maxQueued ?? 4096;
  // seq -> targets whose marker is queued; seq -> targets whose (written) marker must go with the record.
  let marks = new Map<number, string[]>();
  let removes = new Map<number, readonly string[]>();
  let queued = 0;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const schedule = () => {
    queued++;
    if (queued >= maxQueued) void flush();
    else if (timer === undefined) {
      timer = setTimeout(() => void flush(), o.flushMs);
      // Pending acks never keep the process alive: losing them only means a re-send.
      timer.unref();
    }
  };

  function flush(): Promise<void> {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (queued === 0) return inFlight;
    if (o.paused?.() === true) {
      timer = setTimeout(() => void flush(), Math.max(o.flushMs, 1000));
      timer.unref();
      return inFlight;
    }
    const m = marks;
    const r = removes;
    marks = new Map();
    removes = new Map();
    queued = 0;
    // Issued in one synchronous run, so lmdb commits them in one transaction (shared with concurrent appends).
    const writes: Promise<unknown>[] = [];
    for (const [seq, targets] of m) for (const t of targets) writes.push(o.done.put([t, seq], EMPTY));
    for (const [seq, targets] of r) {
      writes.push(o.payloads.remove(seq));
      for (const t of targets) writes.push(o.done.remove([t, seq]));
    }
    const batch = Promise.all(writes).then(
      () => undefined,
      (e) => o.onError(e, `writing ${m.size + r.size} finished items`),
    );
    const previous = inFlight;
    inFlight = Promise.all([previous, batch]).then(() => undefined);
    return inFlight;
  }

  return {
    mark(target, seq) {
      const q = marks.get(seq);
      if (q === undefined) marks.set(seq, [target]);
      else q.push(target);
      schedule();
    },
    remove(seq, marked) {
      const q = marks.get(seq);
      if (q !== undefined) {
        // Markers still queued are simply never written.
        marks.delete(seq);
        queued -= q.length;
      }
      removes.set(seq, q === undefined ? marked : marked.filter((t) => !q.includes(t)));
      schedule();
    },
    flush,
    discard() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      marks = new Map();
      removes = new Map();
      queued = 0;
    },
    get queued() {
      return queued;
    },
  };
}
