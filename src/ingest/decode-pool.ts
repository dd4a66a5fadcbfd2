// The decode pool: validates request bodies in worker threads so no request holds the event loop that
// serves every other one (health, queries, small ingests) while a large or hostile body is decoded.
// Each worker's JS heap is capped (resourceLimits): a body needing more gets a 422 and the worker is
// replaced, never the process. A worker that handled a large body is replaced too, so its memory goes back.
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../lib/worker.js';
import type { Logger } from '../lib/logger.js';
import { PyrelayError, type ErrorCode } from '../model/errors.js';
import type { FormatId, ProfileDecoder } from '../model/profile.js';
import type { WorkerReply, WorkerRequest } from './decode-worker.js';
import { validateBody, type Validated, type ValidateLimits, type ValidateTask } from './validate.js';

export interface PoolValidated extends Validated {
  /** Raw pprof uploads of a cumulative type the validation took as a baseline. */
  cumulativeSkipped: number;
}

export interface DecodePool {
  /** Resolves once every worker has started (awaited before listening, so the first requests do not wait). */
  ready(): Promise<void>;
  validate(task: ValidateTask, body: Uint8Array): Promise<PoolValidated>;
  /** Terminates the workers; pending validations reject with 503. */
  close(): Promise<void>;
}

export interface DecodePoolOptions {
  limits: ValidateLimits;
  /** Workers; 0 = one per CPU. */
  size: number;
  /** JS heap limit per worker (old generation), bytes. */
  heapBytes: number;
  /** Text bodies up to this size with no Content-Encoding are validated inline; 0 = never. */
  inlineMaxBytes: number;
  /** Decoders for the inline path. */
  decoders: Record<FormatId, ProfileDecoder>;
  logger: Logger;
  /** A worker ran out of heap on a body. */
  onOutOfMemory?: () => void;
  /** Tasks waiting for a worker at most; past it, 503 (default 4096). */
  maxQueued?: number;
  /** A worker that validated a body of at least this many bytes is replaced afterwards (default 8 MiB). */
  recycleAfterBytes?: number;
}

interface Job {
  id: number;
  task: ValidateTask;
  body: Uint8Array;
  bytes: number;
  resolve: (v: PoolValidated) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** Reported ready at least once: a worker that dies before that cannot start at all (no respawn loop). */
  started: boolean;
  job: Job | undefined;
  /** The buffer the worker reads bodies from (see WorkerRequest); replaced when a body outgrows it. */
  shared: SharedArrayBuffer | undefined;
}

const TEXT_FORMATS = new Set<FormatId>(['groups', 'lines']);

export function createDecodePool(o: DecodePoolOptions): DecodePool {
  const size = o.size > 0 ? o.size : availableParallelism();
  const heapMb = Math.max(16, Math.round(o.heapBytes / (1 << 20)));
  const maxQueued = o.maxQueued ?? 4096;
  const recycleAfter = o.recycleAfterBytes ?? 8 << 20;
  const queue: Job[] = [];
  const slots: Slot[] = [];
  let nextId = 1;
  let closed = false;
  const readyWaiters: (() => void)[] = [];
  const readyFailures: ((e: Error) => void)[] = [];

  const spawn = (): Slot => {
    // Next to this module: .ts under tsx (development, tests), .js in the built dist/.
    const worker = startWorker(new URL(`./decode-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url), {
      workerData: { limits: { ...o.limits, maxTextBytes: Math.floor(o.heapBytes / 4) } },
      resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
      // The worker never writes to stdout; keep its streams from holding the process open.
      stdout: false,
      stderr: false,
    });
    const slot: Slot = { worker, ready: false, started: false, job: undefined, shared: undefined };
    worker.on('message', (m: WorkerReply | { ready: true }) => {
      if ('ready' in m) {
        slot.ready = true;
        slot.started = true;
        if (slots.every((s) => s.ready)) for (const w of readyWaiters.splice(0)) w();
        pump();
        return;
      }
      const job = slot.job;
      slot.job = undefined;
      if (job === undefined || job.id !== m.id) return;
      if (m.ok) {
        job.resolve({
          body: m.body ?? job.body,
          series: m.series,
          nodes: m.nodes,
          cumulativeSkipped: m.cumulativeSkipped,
          ...(m.profileId === undefined ? {} : { profileId: m.profileId }),
        });
      } else job.reject(m.code === undefined ? new Error(m.message) : new PyrelayError(m.code as ErrorCode, m.message, m.limit === undefined ? undefined : { limit: m.limit }));
      if (job.bytes >= recycleAfter && !closed) replace(slot);
      else pump();
    });
    worker.on('error', (err: Error & { code?: string }) => {
      const job = slot.job;
      slot.job = undefined;
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        o.onOutOfMemory?.();
        o.logger.warn({ heapMb, bytes: job?.bytes }, 'decode worker ran out of memory on a body; replacing it');
        job?.reject(new PyrelayError('too_many_nodes', `decoding the profile needs more than the decode worker's ${heapMb} MiB heap (ingest.decode-worker-memory)`));
      } else {
        o.logger.error({ err: err.message }, 'decode worker failed; replacing it');
        job?.reject(new PyrelayError('unavailable', 'the decode worker failed; try again'));
      }
    });
    worker.on('exit', (code) => {
      if (!slot.started && !closed) {
        closed = true;
        for (const w of readyFailures.splice(0)) w(new Error(`decode worker could not start (exit code ${code})`));
        return;
      }
      const job = slot.job;
      slot.job = undefined;
      job?.reject(new PyrelayError('unavailable', 'the decode worker stopped; try again'));
      const i = slots.indexOf(slot);
      if (i >= 0 && !closed) {
        slots[i] = spawn();
      }
    });
    return slot;
  };

  // Room for the common bodies at once; a bigger body gets a buffer of its size (a worker that read one that big is
  // replaced afterwards, and its buffer goes with it).
  const sharedSize = (bytes: number) => Math.max(bytes, 1 << 20);

  const replace = (slot: Slot) => {
    // 'exit' spawns the successor in the same place.
    slot.ready = false;
    void slot.worker.terminate();
  };

  const pump = () => {
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (!slot.ready || slot.job !== undefined) continue;
      const job = queue.shift()!;
      slot.job = job;
      // The body crosses through the slot's own shared buffer, reused job after job: cloning a Buffer copies its
      // whole backing store, and a fresh SharedArrayBuffer per body cost twice the CPU of one reused (bench).
      let fresh: SharedArrayBuffer | undefined;
      if (slot.shared === undefined || slot.shared.byteLength < job.body.length) {
        fresh = slot.shared = new SharedArrayBuffer(sharedSize(job.body.length));
      }
      new Uint8Array(slot.shared, 0, job.body.length).set(job.body);
      const msg: WorkerRequest = { id: job.id, task: job.task, length: job.body.length, ...(fresh === undefined ? {} : { buffer: fresh }) };
      slot.worker.postMessage(msg);
    }
  };

  for (let i = 0; i < size; i++) slots.push(spawn());

  return {
    ready: () =>
      slots.every((s) => s.ready)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            readyWaiters.push(resolve);
            readyFailures.push(reject);
          }),
    validate(task, body) {
      if (closed) return Promise.reject(new PyrelayError('unavailable', 'the server is stopping'));
      if (o.inlineMaxBytes > 0 && body.length <= o.inlineMaxBytes && task.contentEncoding === undefined && TEXT_FORMATS.has(task.format)) {
        try {
          return Promise.resolve({ ...validateBody(o.decoders, task, body, o.limits), cumulativeSkipped: 0 });
        } catch (e) {
          return Promise.reject(e);
        }
      }
      if (queue.length >= maxQueued) {
        return Promise.reject(new PyrelayError('unavailable', `${maxQueued} bodies are waiting to be decoded; try again`));
      }
      return new Promise<PoolValidated>((resolve, reject) => {
        queue.push({ id: nextId++, task, body, bytes: body.length, resolve, reject });
        pump();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const job of queue.splice(0)) job.reject(new PyrelayError('unavailable', 'the server is stopping'));
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
