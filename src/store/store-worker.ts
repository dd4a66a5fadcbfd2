// Entry point of the store's worker thread: builds the engine from workerData and answers the main thread's
// calls (lmdb-store.ts) one message at a time. Results travel by structured clone; errors as {code, message}.
import { parentPort, workerData } from 'node:worker_threads';
import { isPyrelayError } from '../model/errors.js';
import type { RecordDecoderModule } from '../model/profile-sink.js';
import { Tree } from '../model/tree.js';
import { createEngine, type Engine, type EngineOptions } from './engine.js';

export interface StoreWorkerData {
  options: EngineOptions;
  /** Module whose `decodeRecord` export turns log records into stacks (given by the composition root). */
  decoderModule?: string;
}

export type StoreCall =
  | { id: number; op: 'put'; tree: Tree; p: Parameters<Engine['put']>[1]; now: number }
  | { id: number; op: 'select'; args: Parameters<Engine['select']> }
  | { id: number; op: 'labelNames'; args: Parameters<Engine['labelNames']> }
  | { id: number; op: 'labelValues'; args: Parameters<Engine['labelValues']> }
  | { id: number; op: 'apps' }
  | { id: number; op: 'deleteApp'; app: string }
  | { id: number; op: 'sweepRetention'; now: number }
  | { id: number; op: 'settle'; now: number }
  | { id: number; op: 'close' }
  | { id: 0; op: 'records'; records: Parameters<Engine['records']>[0]; epoch: number; now: number };

const port = parentPort!;
const data = workerData as StoreWorkerData;
const post = (m: Record<string, unknown>) => port.postMessage(m);
const mod = data.decoderModule ? ((await import(data.decoderModule)) as RecordDecoderModule) : undefined;
mod?.setReporter?.((reason) => post({ event: 'decoder', reason }));
const decode = mod?.decodeRecord;
let engine: Engine;
try {
  engine = await createEngine(
    data.options,
    {
      log: (level, obj, msg) => post({ event: 'log', level, obj, msg }),
      checkpoint: (seq) => post({ event: 'checkpoint', seq }),
      reset: (seq, epoch) => post({ event: 'reset', seq, epoch }),
    },
    decode,
  );
} catch (e) {
  post({ event: 'failed', error: errorOf(e) });
  process.exit(1);
}
post({ event: 'ready', stats: engine.stats() });
// An unhandled rejection would end this thread (and with it the store): log it instead, as the main thread does.
process.on('unhandledRejection', (e) => post({ event: 'log', level: 'error', obj: { err: (e as Error)?.message ?? String(e) }, msg: 'store worker: unhandled rejection' }));

function errorOf(e: unknown) {
  return isPyrelayError(e) ? { code: e.code, message: e.message } : { message: (e as Error)?.message ?? String(e) };
}

const run = (call: Exclude<StoreCall, { op: 'records' }>): Promise<unknown> => {
  switch (call.op) {
    case 'put':
      return engine.put(Object.setPrototypeOf(call.tree, Tree.prototype) as Tree, call.p, call.now);
    case 'select':
      return engine.select(...call.args);
    case 'labelNames':
      return engine.labelNames(...call.args);
    case 'labelValues':
      return engine.labelValues(...call.args);
    case 'apps':
      return engine.apps();
    case 'deleteApp':
      return engine.deleteApp(call.app);
    case 'sweepRetention':
      return engine.sweepRetention(call.now);
    case 'settle':
      return engine.settle(call.now);
    case 'close':
      return engine.close();
  }
};

port.on('message', (m: StoreCall | { batch: Exclude<StoreCall, { op: 'records' }>[] }) => {
  if ('batch' in m) m.batch.forEach(handle);
  else handle(m);
});

function handle(call: StoreCall): void {
  if (call.op === 'records') {
    try {
      engine.records(call.records, call.epoch, call.now);
    } finally {
      // Lets the main thread bound what it has queued here (counted even for records of an old epoch).
      let bytes = 0;
      for (const r of call.records) bytes += r.payload.length;
      post({ event: 'applied', bytes });
    }
    return;
  }
  run(call).then(
    (value) => post({ id: call.id, ok: true, value, stats: engine.stats() }),
    (e: unknown) => post({ id: call.id, ok: false, error: errorOf(e), stats: engine.stats() }),
  );
}
