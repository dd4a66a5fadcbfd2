// Retry classification of Push targets: every Connect code × the HTTP statuses
// connect-go versions answer it with, plus bodies that are not Connect errors.
import { describe, expect, it } from 'vitest';
import { CONNECT_CODES, CONNECT_STATUS, type ConnectCode } from '../../../src/model/connect.js';
import { classifyConnectResponse, parseConnectError } from '../../../src/remote-write/connect-outcome.js';
import { reasonLabel } from '../../../src/remote-write/outcome.js';

const NOW = Date.UTC(2024, 0, 15, 12, 0, 0);
const body = (code: string, message = 'm') => JSON.stringify({ code, message });

// Expected kind per code (resource_exhausted depends on the message, tested below).
const EXPECTED: Record<ConnectCode, 'retryable' | 'permanent'> = {
  canceled: 'retryable',
  unknown: 'retryable',
  invalid_argument: 'permanent',
  deadline_exceeded: 'retryable',
  not_found: 'permanent',
  already_exists: 'permanent',
  permission_denied: 'permanent',
  resource_exhausted: 'retryable',
  failed_precondition: 'permanent',
  aborted: 'retryable',
  out_of_range: 'permanent',
  unimplemented: 'permanent',
  internal: 'retryable',
  unavailable: 'retryable',
  data_loss: 'retryable',
  unauthenticated: 'permanent',
};

// Current connect-go statuses, the older ones (408 / 412 / 404), and a proxy that rewrote the status to 500.
const OLD_STATUS: Partial<Record<ConnectCode, number>> = { canceled: 408, deadline_exceeded: 408, failed_precondition: 412, unimplemented: 404 };
const table = CONNECT_CODES.flatMap((code) => {
  const statuses = new Set([CONNECT_STATUS[code], OLD_STATUS[code] ?? CONNECT_STATUS[code], 500]);
  return [...statuses].map((status) => ({ code, status, kind: EXPECTED[code] }));
});

describe('classifyConnectResponse', () => {
  it.each(table)('$code with HTTP $status is $kind', ({ code, status, kind }) => {
    const o = classifyConnectResponse(status, {}, body(code, 'rate_limited: try later'), NOW);
    expect(o.kind).toBe(kind);
    if (o.kind === 'success') return;
    expect(o.code).toBe(code);
    expect(reasonLabel(o)).toBe(code);
    expect(o.detail).toBe(`status ${status}: ${code}: rate_limited: try later`);
  });

  it.each([200, 204])('%i is a success whatever the body', (status) => {
    expect(classifyConnectResponse(status, {}, body('internal'), NOW)).toEqual({ kind: 'success', status });
  });

  it.each([
    'ingest_limit_reached: tenant over its usage group limit',
    'profile_size_limit: profile too large',
    'body_size_limit_exceeded: uncompressed batch too large',
    'message size 300000000 is larger than configured max 268435456',
    'samples_limit: 20000 samples',
  ])('resource_exhausted naming a size or ingest limit is permanent: %s', (message) => {
    const o = classifyConnectResponse(429, {}, body('resource_exhausted', message), NOW);
    expect(o).toMatchObject({ kind: 'permanent', reason: 'non_retryable', status: 429, code: 'resource_exhausted' });
  });

  it('resource_exhausted for rate limiting is retried and honours Retry-After', () => {
    const o = classifyConnectResponse(429, { retryAfter: '7' }, body('resource_exhausted', 'rate_limited: 4 MiB/s exceeded'), NOW);
    expect(o).toMatchObject({ kind: 'retryable', reason: 'status', status: 429, retryAfterMs: 7000, code: 'resource_exhausted' });
  });

  it.each([
    [502, '<html>bad gateway</html>', 'retryable'],
    [503, '', 'retryable'],
    [429, 'slow down', 'retryable'],
    [400, 'not json', 'permanent'],
    [401, '{"error":"unauthorized"}', 'permanent'],
    [404, '{"code":"no_such_code","message":"x"}', 'permanent'],
  ] as const)('HTTP %i with a non-Connect body %j falls back to the HTTP rules: %s', (status, text, kind) => {
    const o = classifyConnectResponse(status, {}, text, NOW);
    expect(o.kind).toBe(kind);
    if (o.kind !== 'success') expect(o.code).toBeUndefined();
  });

  it('reads the code of an error body cut off at the excerpt bound', () => {
    const cut = body('invalid_argument', 'x'.repeat(5000)).slice(0, 1024);
    expect(parseConnectError(cut)?.code).toBe('invalid_argument');
    expect(classifyConnectResponse(400, {}, cut, NOW).kind).toBe('permanent');
  });
});
