// A decode worker: validates bodies posted by the decode pool (decode-pool.ts), one at a time, off the
// event loop that serves every request. Replies with the outcome; a typed error travels as {code, message}.
import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../lib/clock.js';
import { isPyrelayError } from '../model/errors.js';
import { createDecoders } from './formats/index.js';
import { validateBody, type ValidateLimits, type ValidateTask } from './validate.js';

/**
 * The body is the first `length` bytes of the slot's shared buffer: sent once with `buffer` and kept by the
 * worker (a new one only when a body outgrows it), so a job posts no body at all.
 */
export interface WorkerRequest {
  id: number;
  task: ValidateTask;
  length: number;
  buffer?: SharedArrayBuffer;
}

export type WorkerReply =
  | { id: number; ok: true; series: number; nodes: number; cumulativeSkipped: number; body?: Uint8Array; profileId?: string }
  | { id: number; ok: false; code?: string; message: string; limit?: string };

const port = parentPort!;
const limits = (workerData as { limits: ValidateLimits }).limits;
let skipped = 0;
let shared = new SharedArrayBuffer(0);
// Cumulative baselines here only decide validity; the process that stores keeps its own.
const decoders = createDecoders({ clock: systemClock, onCumulativeSkipped: () => skipped++ });

port.on('message', (m: WorkerRequest) => {
  skipped = 0;
  if (m.buffer !== undefined) shared = m.buffer;
  const body = new Uint8Array(shared, 0, m.length);
  let reply: WorkerReply;
  const transfer: ArrayBuffer[] = [];
  try {
    const v = validateBody(decoders, m.task, body, limits);
    reply = { id: m.id, ok: true, series: v.series, nodes: v.nodes, cumulativeSkipped: skipped, ...(v.profileId === undefined ? {} : { profileId: v.profileId }) };
    // Only an inflated body travels back (moved, not copied); otherwise the caller still has it.
    if (v.body !== body) {
      const own = v.body.byteOffset === 0 && v.body.byteLength === v.body.buffer.byteLength ? v.body : Uint8Array.prototype.slice.call(v.body);
      reply.body = own;
      transfer.push(own.buffer as ArrayBuffer);
    }
  } catch (e) {
    reply = isPyrelayError(e)
      ? { id: m.id, ok: false, code: e.code, message: e.message, ...(e.limit === undefined ? {} : { limit: e.limit }) }
      : { id: m.id, ok: false, message: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply, transfer);
});
port.postMessage({ ready: true });
