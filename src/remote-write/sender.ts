// One send attempt to one target over its keep-alive pool, cut off at the per-attempt timeout. Returns an
// outcome (classified by outcome.ts) and never throws: the worker decides what happens next.
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

export function createSender(o: SenderOptions): Sender {
  const pool = new Pool(o.origin, {
    connections: o.connections,
    // Backstops for the abort signal, which is what enforces the timeout exactly.
    headersTimeout: o.timeoutMs,
    bodyTimeout: o.timeoutMs,
    connectTimeout: o.timeoutMs,
  });

  async function send(req: ForwardRequest, abort?: AbortSignal): Promise<SendResult> {
    // One controller per attempt, unlinked afterwards: AbortSignal.any on a long-lived shutdown signal leaks on Node 20.
    const ctl = new AbortController();
    const signal = ctl.signal;
    const timer = setTimeout(() => ctl.abort(new DOMException(`timeout: no response within ${o.timeoutMs} ms`, 'TimeoutError')), o.timeoutMs);
    const onAbort = () => ctl.abort(abort?.reason);
    if (abort?.aborted) onAbort();
    else abort?.addEventListener('abort', onAbort, { once: true });
    const started = performance.now();
    try {
      const res = await pool.request({
        method: 'POST',
        path: req.path,
        headers: req.headers,
        body: req.body,
        signal,
      });
      const responseSeconds = (performance.now() - started) / 1000;
      let bodyExcerpt = '';
      try {
        // A success's body is never logged: discard it without the async iteration (the common case, per send).
        if (res.statusCode >= 200 && res.statusCode < 300) await res.body.dump({ limit: MAX_BODY_READ });
        else bodyExcerpt = await readExcerpt(res.body, o.excerptBytes ?? BODY_EXCERPT_BYTES);
      } catch {
        // The status is what counts; a body cut off by the timeout only loses the excerpt.
      }
      const retryAfter = res.headers['retry-after'];
      const location = res.headers.location;
      const outcome = (o.classify ?? classifyResponse)(
        res.statusCode,
        { retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, location: Array.isArray(location) ? location[0] : location },
        bodyExcerpt,
        o.now(),
      );
      return { outcome, status: res.statusCode, responseSeconds, bodyExcerpt };
    } catch (err) {
      return { outcome: classifyError(signal.aborted ? (signal.reason ?? err) : err), bodyExcerpt: '' };
    } finally {
      clearTimeout(timer);
      abort?.removeEventListener('abort', onAbort);
    }
  }

  return {
    send,
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
