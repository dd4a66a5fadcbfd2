// Classifies a Push target's answer (Connect unary): the error code comes from the JSON body, since statuses
// differ between connect-go versions. Retried: unavailable, deadline_exceeded and the other server-side
// codes (5xx); resource_exhausted is retried unless its message names a size or ingest limit (the same
// request can never pass); invalid_argument and the other client-side codes are permanent. A body without
// a Connect code (a proxy's error page) falls back to the HTTP rules of classifyResponse.
import { CONNECT_STATUS, isConnectCode, type ConnectCode } from '../model/connect.js';
import { MAX_BODY_EXCERPT, PERMANENT_429, classifyResponse, parseRetryAfter, type SendOutcome } from './outcome.js';

const RETRIED: ReadonlySet<ConnectCode> = new Set(['unavailable', 'deadline_exceeded', 'aborted', 'canceled', 'unknown', 'internal', 'data_loss']);

/** `{"code":..., "message":...}` of a Connect error body, or undefined when the body is not one. */
export function parseConnectError(body: string): { code: ConnectCode; message: string } | undefined {
  try {
    const j = JSON.parse(body) as { code?: unknown; message?: unknown };
    if (j === null || typeof j !== 'object' || !isConnectCode(j.code)) return undefined;
    return { code: j.code, message: typeof j.message === 'string' ? j.message : '' };
  } catch {
    // A long error cut off at the excerpt bound is no longer valid JSON: read its leading code field.
    const m = /^\s*\{\s*"code"\s*:\s*"([a-z_]+)"\s*(?:,\s*"message"\s*:\s*"(.*))?/s.exec(body);
    return m !== null && isConnectCode(m[1]) ? { code: m[1], message: m[2] ?? '' } : undefined;
  }
}

export function classifyConnectResponse(status: number, headers: { retryAfter?: string; location?: string }, bodyExcerpt: string, nowMs: number): SendOutcome {
  if (status >= 200 && status < 300) return { kind: 'success', status };
  const err = parseConnectError(bodyExcerpt);
  if (err === undefined) return classifyResponse(status, headers, bodyExcerpt, nowMs);
  const { code, message } = err;
  const text = message.length > MAX_BODY_EXCERPT ? `${message.slice(0, MAX_BODY_EXCERPT)}...` : message;
  const detail = `status ${status}: ${code}${text === '' ? '' : `: ${text}`}`;
  const retryable = RETRIED.has(code) || (code === 'resource_exhausted' && !PERMANENT_429.test(message));
  if (!retryable) return { kind: 'permanent', reason: 'non_retryable', status, detail, code };
  const retryAfterMs = parseRetryAfter(headers.retryAfter, nowMs);
  // The status drives the 429 retry budget; a Connect code with an unusual status still counts as its code's.
  const effective = status >= 400 ? status : CONNECT_STATUS[code];
  return retryAfterMs === undefined
    ? { kind: 'retryable', reason: 'status', status: effective, detail, code }
    : { kind: 'retryable', reason: 'status', status: effective, retryAfterMs, detail, code };
}
