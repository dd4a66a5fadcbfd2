// The result of one send attempt, classified by pure functions so the retry policy and the metrics
// never look at raw statuses or error objects (DESIGN convention 6: outcomes, not exceptions).
import { redactUrl } from './redact.js';

export type SendOutcome =
  | { kind: 'success'; status: number }
  | {
      kind: 'retryable';
      reason: 'network' | 'timeout' | 'status';
      status?: number;
      retryAfterMs?: number;
      detail: string;
      /** The Connect error code the target answered with (Push targets), counted as the reason. */
      code?: string;
    }
  | {
      kind: 'permanent';
      /** `redirect`: a 3xx, never followed (credentials must not travel to another origin). */
      reason: 'non_retryable' | 'redirect';
      /** HTTP status, or 0 when no response arrived (a request that can never be built or sent). */
      status: number;
      detail: string;
      /** The Connect error code the target answered with (Push targets), counted as the reason. */
      code?: string;
    };

export type RetryableOutcome = Extract<SendOutcome, { kind: 'retryable' }>;
export type PermanentOutcome = Extract<SendOutcome, { kind: 'permanent' }>;
export type FailedOutcome = RetryableOutcome | PermanentOutcome;

/** A response -> outcome function: classifyResponse for /ingest targets, the Connect one for Push targets. */
export type ResponseClassifier = (status: number, headers: { retryAfter?: string; location?: string }, bodyExcerpt: string, nowMs: number) => SendOutcome;

/** The `reason` label of a failed attempt: the Connect code when the target sent one, else the outcome's reason. */
export const reasonLabel = (o: FailedOutcome): string => o.code ?? o.reason;

/** Longest body excerpt kept in an outcome's detail (docs/compatibility.md#27: log at most 1 KiB). */
export const MAX_BODY_EXCERPT = 1024;

// A 429 naming one of these is a limit the same request can never pass (Grafana, docs/compatibility.md#27);
// plain rate limiting (`rate_limited`) stays retryable.
export const PERMANENT_429 =
  /ingest_limit_reached|body_size_limit|profile_size_limit|samples_limit|sample_labels_limit|series_limit|label_names_per_series|label_name_too_long|label_value_too_long|too large|larger than (?:the )?(?:configured )?max/i;

const excerpt = (body: string): string => (body.length > MAX_BODY_EXCERPT ? `${body.slice(0, MAX_BODY_EXCERPT)}...` : body);

// The three HTTP-date forms all start with a day name; requiring it keeps Date.parse from accepting "-1" or "5 x".
const HTTP_DATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s/i;

/**
 * Parses `Retry-After` (delta-seconds or HTTP-date) into milliseconds from `nowMs`. A date in the
 * past gives 0; anything unparsable gives undefined (ignored, the backoff alone decides).
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+$/.test(v)) {
    const seconds = Number(v);
    return Number.isSafeInteger(seconds) ? seconds * 1000 : undefined;
  }
  if (!HTTP_DATE.test(v)) return undefined;
  // asctime has no zone; HTTP dates are always GMT, so say so or V8 reads it as local time.
  const at = Date.parse(/GMT|UTC|[+-]\d{4}$/i.test(v) ? v : `${v} GMT`);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * A redirect's Location for logs: userinfo masked and every query value replaced by `***` (tokens and
 * signatures travel there); relative locations are shown as sent, with the same masking.
 */
export function redactLocation(location: string): string {
  const text = location.length > 512 ? `${location.slice(0, 512)}...` : location;
  return redactUrl(text).replace(/([?&][^=&#]*)=[^&#]*/g, '$1=***');
}

/** Classifies a response that arrived. `bodyExcerpt` is the first bytes of the body, as text. */
export function classifyResponse(status: number, headers: { retryAfter?: string; location?: string }, bodyExcerpt: string, nowMs: number): SendOutcome {
  if (status >= 200 && status < 300) return { kind: 'success', status };
  if (status >= 300 && status < 400) {
    const where = headers.location === undefined ? 'no Location header' : `Location ${redactLocation(headers.location)}`;
    return { kind: 'permanent', reason: 'redirect', status, detail: `status ${status} redirect (not followed): ${where}` };
  }
  const body = excerpt(bodyExcerpt);
  const detail = `status ${status}${body === '' ? '' : `: ${body}`}`;
  const retryable = status === 408 || status === 429 || (status >= 500 && status < 600);
  if (!retryable || (status === 429 && PERMANENT_429.test(bodyExcerpt))) {
    return { kind: 'permanent', reason: 'non_retryable', status, detail };
  }
  const retryAfterMs = parseRetryAfter(headers.retryAfter, nowMs);
  return retryAfterMs === undefined ? { kind: 'retryable', reason: 'status', status, detail } : { kind: 'retryable', reason: 'status', status, retryAfterMs, detail };
}

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

// Errors that mean the request itself is wrong: resending the same bytes cannot help.
const PERMANENT_CODES = new Set(['UND_ERR_INVALID_ARG', 'ERR_INVALID_URL', 'ERR_INVALID_ARG_TYPE']);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
}

/**
 * Classifies a send that threw (no response). Timeouts (AbortSignal.timeout, undici timeouts) ->
 * retryable timeout; known bad-request errors -> permanent; everything else (resets, refusals, DNS,
 * closed sockets, aborts at shutdown, unknown) -> retryable network, since losing data is worse
 * than retrying a request that cannot succeed (the retry policy still caps attempts).
 */
export function classifyError(err: unknown): SendOutcome {
  const chain: ErrorLike[] = [];
  let e: unknown = err;
  // fetch wraps the real error in `cause`; follow a few levels.
  for (let i = 0; i < 5 && e !== null && typeof e === 'object'; i++) {
    chain.push(e as ErrorLike);
    e = (e as ErrorLike).cause;
  }
  const describe = (x: ErrorLike): string => {
    const code = typeof x.code === 'string' ? `${x.code}: ` : '';
    const msg = typeof x.message === 'string' ? x.message : String(x.name ?? 'error');
    return `${code}${msg}`;
  };
  const detail = chain.length === 0 ? String(err) : chain.map(describe).join(' <- ');
  for (const x of chain) {
    const code = typeof x.code === 'string' ? x.code : '';
    if (x.name === 'TimeoutError' || TIMEOUT_CODES.has(code)) {
      return { kind: 'retryable', reason: 'timeout', detail };
    }
  }
  for (const x of chain) {
    const code = typeof x.code === 'string' ? x.code : '';
    if (PERMANENT_CODES.has(code)) return { kind: 'permanent', reason: 'non_retryable', status: 0, detail };
  }
  return { kind: 'retryable', reason: 'network', detail };
}
