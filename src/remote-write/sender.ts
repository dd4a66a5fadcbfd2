// One send attempt to one target over its keep-alive pool, cut off at the per-attempt timeout. Returns an
// outcome (classified by outcome.ts) and never throws: the worker decides what happens next.
// The attempt itself (`attempt`) only gathers the raw facts of the answer; the send thread (send-thread.ts)
// runs it in a worker and classifies the same facts on the main thread, so both senders judge alike.
import { Pool } from 'undici';
import { classifyError, classifyResponse, type ResponseClassifier, type SendOutcome } from './outcome.js';
import type { ForwardRequest } from './forward-request.js';

/** Bytes of a response body kept for logs. */
export const BODY_EXCERPT_BYTES = 256;
// Past this the rest of an error body is not read; the connection is dropped instead of drained.
const MAX_BODY_READ = 64 * 1024;

export interface SendResult {
  outcome: SendOutcome;
  /** Present when a response arrived. */
  status?: number;
  /** Seconds until the response headers arrived (when a response arrived). */
  responseSeconds?: number;
  /** The first BODY_EXCERPT_BYTES of the response body, as text. */
  bodyExcerpt: string;
}

export interface Sender {
  /** `abort` cancels the attempt early (shutdown past its deadline). */
  send(req: ForwardRequest, abort?: AbortSignal): Promise<SendResult>;
  /** Waits for in-flight requests, then closes the connections. */
  close(): Promise<void>;
  /** Closes every connection now. */
  destroy(): Promise<void>;
}

export interface SenderOptions {
  /** Origin of the target (`http(s)://host:port`); every request must go to it. */
  origin: string;
  connections: number;
  timeoutMs: number;
  now(): number;
  /** How a response is judged (default: the /ingest rules; Push targets pass the Connect ones). */
  classify?: ResponseClassifier;
  /** Bytes of an error body read for the classifier and logs (default BODY_EXCERPT_BYTES). */
  excerptBytes?: number;
}

/** Builds a target's sender: createSender (in this thread) or a send thread's (send-thread.ts). */
export type SenderFactory = (o: SenderOptions) => Sender;

/** What one attempt observed, before classification: a response's facts, or the error that ended it. */
export type RawAttempt = { status: number; retryAfter?: string; location?: string; bodyExcerpt: string; responseSeconds: number } | { error: unknown };

/** The pool of one target, with the backstop timeouts of createSender. */
export function createTargetPool(o: Pick<SenderOptions, 'origin' | 'connections' | 'timeoutMs'>): Pool {
  return new Pool(o.origin, {
    connections: o.connections,
    // Backstops for the abort signal, which is what enforces the timeout exactly.
    headersTimeout: o.timeoutMs,
    bodyTimeout: o.timeoutMs,
    connectTimeout: o.timeoutMs,
  });
}

/** The request part of a ForwardRequest: what an attempt needs (the URL is only for logs). */
export type AttemptRequest = Pick<ForwardRequest, 'path' | 'headers'> & { body: Uint8Array };

/** One POST over `pool`, cut off after `timeoutMs` or when `abort` fires. Never throws. */
export async function attempt(pool: Pool, req: AttemptRequest, timeoutMs: number, excerptBytes: number, abort?: AbortSignal): Promise<RawAttempt> {
  // One controller per attempt, unlinked afterwards: AbortSignal.any on a long-lived shutdown signal leaks on Node 20.
  const ctl = new AbortController();
  const signal = ctl.signal;
  const timer = setTimeout(() => ctl.abort(new DOMException(`timeout: no response within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
  const onAbort = () => ctl.abort(abort?.reason);
  if (abort?.aborted) onAbort();
  else abort?.addEventListener('abort', onAbort, { once: true });
  const started = performance.now();
  try {
    const res = await pool.request({ method: 'POST', path: req.path, headers: req.headers, body: req.body, signal });
    const responseSeconds = (performance.now() - started) / 1000;
    let bodyExcerpt = '';
    try {
      // A success's body is never logged: discard it without the async iteration (the common case, per send).
      if (res.statusCode >= 200 && res.statusCode < 300) await res.body.dump({ limit: MAX_BODY_READ });
      else bodyExcerpt = await readExcerpt(res.body, excerptBytes);
    } catch {
      // The status is what counts; a body cut off by the timeout only loses the excerpt.
    }
    const retryAfter = res.headers['retry-after'];
    const location = res.headers.location;
    return {
      status: res.statusCode,
      retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
      location: Array.isArray(location) ? location[0] : location,
      bodyExcerpt,
      responseSeconds,
    };
  } catch (err) {
    return { error: signal.aborted ? (signal.reason ?? err) : err };
  } finally {
    clearTimeout(timer);
    abort?.removeEventListener('abort', onAbort);
  }
}

/** The classified result of an attempt (`now` for Retry-After dates). */
export function judge(raw: RawAttempt, classify: ResponseClassifier = classifyResponse, nowMs: number): SendResult {
  if ('error' in raw) return { outcome: classifyError(raw.error), bodyExcerpt: '' };
  const outcome = classify(raw.status, { retryAfter: raw.retryAfter, location: raw.location }, raw.bodyExcerpt, nowMs);
  return { outcome, status: raw.status, responseSeconds: raw.responseSeconds, bodyExcerpt: raw.bodyExcerpt };
}

export function createSender(o: SenderOptions): Sender {
  const pool = createTargetPool(o);
  const excerptBytes = o.excerptBytes ?? BODY_EXCERPT_BYTES;
  return {
    send: async (req, abort) => judge(await attempt(pool, req, o.timeoutMs, excerptBytes, abort), o.classify, o.now()),
    close: () => pool.close(),
    destroy: () => pool.destroy(),
  };
}

async function readExcerpt(body: AsyncIterable<Buffer> & { destroy(err?: Error): unknown }, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let read = 0;
  for await (const chunk of body) {
    if (read < max) chunks.push(chunk);
    read += chunk.length;
    if (read > MAX_BODY_READ) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}
