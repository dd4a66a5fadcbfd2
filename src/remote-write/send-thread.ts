// The send thread: one worker (send-worker.ts) that owns every target's connection pool and runs the send
// attempts, so the accept thread spends no time on socket writes, HTTP parsing and per-attempt timers
// (remote-write.send-thread). Queues, retries, backlog and metrics stay on the main thread; each target gets a
// Sender whose attempts run in the worker and whose answers are classified here, by the same judge() as
// the in-thread sender, so outcomes are identical. A dead worker loses nothing: its pending attempts resolve
// as network errors (the retry policy takes over) and a new worker reopens the pools.
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import type { Logger } from '../lib/logger.js';
import { startWorker } from '../lib/worker.js';
import { createBodyArena } from './body-arena.js';
import { BODY_EXCERPT_BYTES, judge, type SendResult, type Sender, type SenderFactory, type SenderOptions } from './sender.js';
import type { FromWorker, ToWorker } from './send-thread-protocol.js';

export interface SendThread {
  /** Resolves once the worker has started (rejects when it cannot start). */
  ready(): Promise<void>;
  /** A target's sender; its attempts run in the worker. */
  sender: SenderFactory;
  /** Terminates the worker (call after every sender was closed): attempts still pending resolve as network errors. */
  close(): Promise<void>;
  /** The current worker, or undefined while one is being replaced (tests kill it). */
  readonly worker: Worker | undefined;
}

export interface SendThreadOptions {
  logger: Logger;
  /** Wait before replacing a worker that died before it started (default 1 s), so a broken build cannot spin. */
  restartDelayMs?: number;
  /** An attempt the worker has not answered this long after its timeout is given up here (default 5 s). */
  graceMs?: number;
  /** Bytes of the shared ring that carries bodies to the worker (default 16 MiB); larger bodies get their own copy. */
  arenaBytes?: number;
}

interface Pending {
  resolve(r: SendResult): void;
  opts: SenderOptions;
  /** performance.now() past which the main thread stops waiting for the worker. */
  giveUpAt: number;
  signal?: AbortSignal;
}

export function createSendThread(o: SendThreadOptions): SendThread {
  const restartDelayMs = o.restartDelayMs ?? 1000;
  const graceMs = o.graceMs ?? 5000;
  const entry = new URL(`./send-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);
  const pending = new Map<number, Pending>();
  const waiting = new Map<number, () => void>();
  // The pools to (re)open on a worker, by sender key; removed once the sender is closed.
  const opened = new Map<number, Extract<ToWorker, { t: 'open' }>>();
  // A body shared by several targets (the same Buffer) is copied into shared memory once: into the ring while
  // some attempt holds it, else (too big, ring full) into its own SharedArrayBuffer, kept as long as the body.
  const arena = createBodyArena(o.arenaBytes ?? 16 << 20);
  const shared = new WeakMap<Uint8Array, Uint8Array>();
  // Ring places by attempt id, released only when the worker answers for the attempt (or dies), even when the
  // attempt was settled earlier here (abort, backstop): until then its socket may still read the bytes.
  const held = new Map<number, Uint8Array>();
  const unhold = (id: number) => {
    const body = held.get(id);
    if (body === undefined) return;
    held.delete(id);
    arena.release(body);
  };
  // One listener per abort signal (a target's shutdown signal), not one per attempt.
  const bySignal = new WeakMap<AbortSignal, Set<number>>();
  let nextId = 1;
  let nextKey = 1;
  let worker: Worker | undefined;
  let started = false;
  let closed = false;
  let outbox: ToWorker[] = [];
  let restartTimer: NodeJS.Timeout | undefined;
  let readyResolve!: () => void;
  let readyReject!: (e: Error) => void;
  const firstReady = new Promise<void>((resolve, reject) => {
    readyResolve = resolve;
    readyReject = reject;
  });
  firstReady.catch(() => {});

  const flush = () => {
    const batch = outbox;
    outbox = [];
    if (batch.length > 0) worker?.postMessage(batch);
  };
  const post = (m: ToWorker) => {
    if (outbox.push(m) === 1) setImmediate(flush);
  };

  const settle = (id: number, r: SendResult) => {
    const p = pending.get(id);
    if (p === undefined) return;
    pending.delete(id);
    if (p.signal !== undefined) bySignal.get(p.signal)?.delete(id);
    p.resolve(r);
  };
  const fail = (id: number, err: unknown) => {
    const p = pending.get(id);
    if (p !== undefined) settle(id, judge({ error: err }, p.opts.classify, p.opts.now()));
  };

  const onMessage = (batch: FromWorker[]) => {
    for (const m of batch) {
      if (m.t === 'result') {
        unhold(m.id);
        const p = pending.get(m.id);
        if (p !== undefined) settle(m.id, judge(m.raw, p.opts.classify, p.opts.now()));
      } else if (m.t === 'done') {
        waiting.get(m.id)?.();
        waiting.delete(m.id);
      } else {
        started = true;
        readyResolve();
      }
    }
  };

  const spawn = () => {
    restartTimer = undefined;
    const w = startWorker(entry, {});
    worker = w;
    w.postMessage([{ t: 'arena', buffer: arena.buffer } satisfies ToWorker]);
    let wasReady = false;
    w.on('message', (batch: FromWorker[]) => {
      if (batch.some((m) => m.t === 'ready')) wasReady = true;
      onMessage(batch);
    });
    w.on('error', (err) => o.logger.error({ err: err.message }, 'remote-write send thread failed'));
    w.on('exit', (code) => {
      if (worker === w) worker = undefined;
      // What the dead worker had: sends become network errors (retried), close/destroy are done (its pools are gone).
      outbox = [];
      const reason = new Error(`remote-write send thread exited (code ${code})`);
      for (const id of [...pending.keys()]) fail(id, reason);
      for (const id of [...held.keys()]) unhold(id);
      for (const done of waiting.values()) done();
      waiting.clear();
      if (closed) return;
      if (!started) {
        closed = true;
        readyReject(new Error(`remote-write send thread could not start (exit code ${code})`));
        return;
      }
      o.logger.error({ code }, 'remote-write send thread exited; starting a new one');
      const again = () => {
        spawn();
        for (const m of opened.values()) post(m);
      };
      if (wasReady) again();
      else restartTimer = setTimeout(again, restartDelayMs);
    });
  };
  spawn();

  // The backstop for a worker that is alive but does not answer: attempts past their timeout plus grace give up.
  const sweep = setInterval(() => {
    const now = performance.now();
    for (const [id, p] of pending) {
      if (now < p.giveUpAt) continue;
      post({ t: 'abort', id });
      fail(id, new DOMException(`timeout: no response within ${p.opts.timeoutMs} ms (send thread did not answer)`, 'TimeoutError'));
    }
  }, 1000);
  sweep.unref();

  const watch = (signal: AbortSignal, id: number) => {
    let ids = bySignal.get(signal);
    if (ids === undefined) {
      const set = new Set<number>();
      bySignal.set(signal, (ids = set));
      signal.addEventListener(
        'abort',
        () => {
          for (const x of [...set]) {
            post({ t: 'abort', id: x });
            fail(x, signal.reason);
          }
        },
        { once: true },
      );
    }
    ids.add(id);
  };

  const ownCopy = (body: Uint8Array): Uint8Array => {
    if (body.buffer instanceof SharedArrayBuffer) return body;
    let s = shared.get(body);
    if (s === undefined) {
      s = new Uint8Array(new SharedArrayBuffer(body.byteLength));
      s.set(body);
      shared.set(body, s);
    }
    return s;
  };

  const request = (key: number, t: 'close' | 'destroy'): Promise<void> => {
    opened.delete(key);
    if (worker === undefined) return Promise.resolve();
    const id = nextId++;
    return new Promise<void>((resolve) => {
      waiting.set(id, resolve);
      post({ t, id, key });
    });
  };

  return {
    ready: () => firstReady,
    get worker() {
      return worker;
    },
    sender(opts: SenderOptions): Sender {
      const key = nextKey++;
      const open: ToWorker = {
        t: 'open',
        key,
        origin: opts.origin,
        connections: opts.connections,
        timeoutMs: opts.timeoutMs,
        excerptBytes: opts.excerptBytes ?? BODY_EXCERPT_BYTES,
      };
      opened.set(key, open);
      post(open);
      return {
        send(req, abort) {
          const id = nextId++;
          return new Promise<SendResult>((resolve) => {
            pending.set(id, { resolve, opts, giveUpAt: performance.now() + opts.timeoutMs + graceMs, signal: abort });
            if (abort?.aborted) return fail(id, abort.reason);
            if (worker === undefined) return fail(id, new Error('remote-write send thread is restarting'));
            if (abort !== undefined) watch(abort, id);
            const place = arena.hold(req.body);
            if (place !== undefined) held.set(id, req.body);
            post({ t: 'send', id, key, path: req.path, headers: req.headers, body: place ?? ownCopy(req.body) });
          });
        },
        close: () => request(key, 'close'),
        destroy: () => request(key, 'destroy'),
      };
    },
    async close() {
      if (closed && worker === undefined) return;
      closed = true;
      clearInterval(sweep);
      if (restartTimer !== undefined) clearTimeout(restartTimer);
      flush();
      await worker?.terminate();
    },
  };
}
