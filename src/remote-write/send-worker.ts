// The send thread's worker: owns the undici pools of every target and runs each attempt (sender.ts `attempt`),
// per-attempt timeout included, so socket writes, HTTP parsing and timers stay off the accept thread. It only
// reports what happened; send-thread.ts classifies it on the main thread.
import { parentPort } from 'node:worker_threads';
import type { Pool } from 'undici';
import { attempt, createTargetPool, type RawAttempt } from './sender.js';
import { toWireError, type FromWorker, type ToWorker, type WireAttempt } from './send-thread-protocol.js';

const port = parentPort!;
const pools = new Map<number, { pool: Pool; timeoutMs: number; excerptBytes: number }>();
const aborts = new Map<number, AbortController>();
let arena = new SharedArrayBuffer(0);

let outbox: FromWorker[] = [];
const flush = () => {
  const batch = outbox;
  outbox = [];
  port.postMessage(batch);
};
const reply = (m: FromWorker) => {
  if (outbox.push(m) === 1) setImmediate(flush);
};

const wire = (raw: RawAttempt): WireAttempt => ('error' in raw ? { error: toWireError(raw.error) } : raw);

async function send(m: Extract<ToWorker, { t: 'send' }>): Promise<void> {
  const target = pools.get(m.key);
  let raw: RawAttempt;
  if (target === undefined) raw = { error: new Error('remote write: no connection pool for this target') };
  else {
    const ctl = new AbortController();
    aborts.set(m.id, ctl);
    try {
      const body = m.body instanceof Uint8Array ? m.body : new Uint8Array(arena, m.body.at, m.body.length);
      raw = await attempt(target.pool, { path: m.path, headers: m.headers, body }, target.timeoutMs, target.excerptBytes, ctl.signal);
    } finally {
      aborts.delete(m.id);
    }
  }
  reply({ t: 'result', id: m.id, raw: wire(raw) });
}

async function finish(m: Extract<ToWorker, { t: 'close' | 'destroy' }>): Promise<void> {
  const target = pools.get(m.key);
  try {
    if (target !== undefined) await (m.t === 'close' ? target.pool.close() : target.pool.destroy());
  } catch {
    // Closing twice (close after destroy) rejects; the pool is gone either way.
  }
  reply({ t: 'done', id: m.id });
}

port.on('message', (batch: ToWorker[]) => {
  for (const m of batch) {
    switch (m.t) {
      case 'arena':
        arena = m.buffer;
        break;
      case 'open':
        if (!pools.has(m.key)) pools.set(m.key, { pool: createTargetPool(m), timeoutMs: m.timeoutMs, excerptBytes: m.excerptBytes });
        break;
      case 'send':
        void send(m);
        break;
      case 'abort':
        aborts.get(m.id)?.abort(new Error('remote write stopped at its shutdown deadline'));
        break;
      case 'close':
      case 'destroy':
        void finish(m);
        break;
    }
  }
});
reply({ t: 'ready' });
