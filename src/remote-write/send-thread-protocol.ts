// The messages between the send thread (send-thread.ts, main thread) and its worker (send-worker.ts). Both
// directions travel in batches (arrays), one postMessage per event-loop turn. An error crosses as its
// name/code/message/cause chain (what classifyError reads), since structured clone drops `code` and `cause`.
import type { BodyPlace } from './body-arena.js';
import type { RawAttempt } from './sender.js';

export type ToWorker =
  /** The body ring (body-arena.ts), first on every worker. */
  | { t: 'arena'; buffer: SharedArrayBuffer }
  /** A target's pool: opened on first use, and again on every worker that replaces a dead one. */
  | { t: 'open'; key: number; origin: string; connections: number; timeoutMs: number; excerptBytes: number }
  /** `body`: a place in the ring, or (a body that did not fit) its own shared copy. */
  | { t: 'send'; id: number; key: number; path: string; headers: Record<string, string>; body: BodyPlace | Uint8Array }
  | { t: 'abort'; id: number }
  /** pool.close() (in-flight finish) or pool.destroy() (cut now); answered by `done`. */
  | { t: 'close' | 'destroy'; id: number; key: number };

export type FromWorker = { t: 'ready' } | { t: 'result'; id: number; raw: WireAttempt } | { t: 'done'; id: number };

/** An error as classifyError sees it: a string (thrown non-object) or its chain of error-like objects. */
export type WireError = string | WireErrorObject;
export interface WireErrorObject {
  name?: string;
  code?: string;
  message?: string;
  cause?: WireError;
}

export type WireAttempt = Exclude<RawAttempt, { error: unknown }> | { error: WireError };

// classifyError follows at most 5 levels of `cause`.
const MAX_CAUSES = 5;

export function toWireError(err: unknown, depth = 0): WireError {
  if (err === null || typeof err !== 'object') return String(err);
  const e = err as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown };
  const out: WireErrorObject = {};
  if (e.name !== undefined) out.name = String(e.name);
  if (typeof e.code === 'string') out.code = e.code;
  if (typeof e.message === 'string') out.message = e.message;
  if (depth + 1 < MAX_CAUSES && e.cause !== null && typeof e.cause === 'object') out.cause = toWireError(e.cause, depth + 1);
  return out;
}
