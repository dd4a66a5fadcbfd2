import { describe, expect, it } from 'vitest';
import { classifyError, classifyResponse, parseRetryAfter } from '../../../src/remote-write/outcome.js';

const NOW = Date.UTC(2024, 0, 15, 12, 0, 0);

describe('classifyResponse status matrix', () => {
  it.each([200, 201, 204, 299])('%i succeeds', (status) => {
    expect(classifyResponse(status, {}, '', NOW)).toEqual({ kind: 'success', status });
  });

  it.each([400, 401, 403, 404, 405, 409, 413, 422, 100])('%i is permanent', (status) => {
    const o = classifyResponse(status, {}, 'nope', NOW);
    expect(o).toEqual({ kind: 'permanent', reason: 'non_retryable', status, detail: `status ${status}: nope` });
  });

  it.each([300, 301, 302, 303, 307, 308])('%i is a permanent redirect naming the Location, redacted', (status) => {
    const o = classifyResponse(status, { location: 'https://user:secret@other.example/ingest?token=abc&x=1' }, 'moved', NOW);
    expect(o).toEqual({
      kind: 'permanent',
      reason: 'redirect',
      status,
      detail: `status ${status} redirect (not followed): Location https://user:***@other.example/ingest?token=***&x=***`,
    });
    expect(classifyResponse(status, {}, '', NOW)).toMatchObject({ reason: 'redirect', detail: `status ${status} redirect (not followed): no Location header` });
  });

  it.each([408, 429, 500, 502, 503, 504, 599])('%i is retryable', (status) => {
    const o = classifyResponse(status, {}, '', NOW);
    expect(o).toEqual({ kind: 'retryable', reason: 'status', status, detail: `status ${status}` });
  });

  it('keeps at most 1 KiB of the body in the detail', () => {
    const o = classifyResponse(422, {}, 'x'.repeat(5000), NOW);
    expect(o.kind).toBe('permanent');
    if (o.kind === 'permanent') expect(o.detail.length).toBeLessThan(1100);
  });

  it.each([
    'ingest_limit_reached: tenant over its usage group limit',
    'body_size_limit_exceeded',
    'profile_size_limit: profile is 5000000 bytes',
    'series_limit reached',
    'message size 300000000 is larger than configured max 268435456',
    'request entity Too Large',
  ])('429 naming a size/ingest limit is permanent: %s', (body) => {
    expect(classifyResponse(429, { retryAfter: '1' }, body, NOW).kind).toBe('permanent');
  });

  it('429 for rate limiting stays retryable', () => {
    const o = classifyResponse(429, {}, 'rate_limited: push rate limit (4 MiB) exceeded while adding 10 KiB', NOW);
    expect(o.kind).toBe('retryable');
  });
});

describe('Retry-After', () => {
  it('delta-seconds', () => {
    const o = classifyResponse(503, { retryAfter: '2' }, '', NOW);
    expect(o).toMatchObject({ kind: 'retryable', retryAfterMs: 2000 });
    expect(classifyResponse(429, { retryAfter: ' 120 ' }, '', NOW)).toMatchObject({ retryAfterMs: 120_000 });
  });

  it('IMF-fixdate, RFC 850 and asctime, relative to now', () => {
    expect(parseRetryAfter('Mon, 15 Jan 2024 12:00:05 GMT', NOW)).toBe(5000);
    expect(parseRetryAfter('Monday, 15-Jan-24 12:00:07 GMT', NOW)).toBe(7000);
    expect(parseRetryAfter('Mon Jan 15 12:00:09 2024', NOW)).toBe(9000);
    const o = classifyResponse(503, { retryAfter: 'Mon, 15 Jan 2024 12:01:00 GMT' }, '', NOW);
    expect(o).toMatchObject({ kind: 'retryable', retryAfterMs: 60_000 });
  });

  it('a date in the past gives 0', () => {
    expect(parseRetryAfter('Mon, 15 Jan 2024 11:00:00 GMT', NOW)).toBe(0);
  });

  it.each(['', 'soon', '-1', '1.5', '5 x', 'Mon, 99 Foo 2024 99:99:99 GMT', 'x'.repeat(40)])('invalid %j is ignored', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
    const o = classifyResponse(503, { retryAfter: value }, '', NOW);
    expect(o).toEqual({ kind: 'retryable', reason: 'status', status: 503, detail: 'status 503' });
  });

  it('is not attached to success or permanent outcomes', () => {
    expect(classifyResponse(200, { retryAfter: '5' }, '', NOW)).toEqual({ kind: 'success', status: 200 });
    expect(classifyResponse(400, { retryAfter: '5' }, '', NOW)).not.toHaveProperty('retryAfterMs');
  });
});

const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('classifyError', () => {
  it.each(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'])('%s is a retryable network error', (code) => {
    expect(classifyError(withCode(code))).toMatchObject({ kind: 'retryable', reason: 'network' });
  });

  it.each(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])('%s is a retryable timeout', (code) => {
    expect(classifyError(withCode(code))).toMatchObject({ kind: 'retryable', reason: 'timeout' });
  });

  it('AbortSignal.timeout is a timeout', async () => {
    const signal = AbortSignal.timeout(1);
    await new Promise((resolve) => signal.addEventListener('abort', resolve));
    expect(classifyError(signal.reason)).toMatchObject({ kind: 'retryable', reason: 'timeout' });
  });

  it('follows fetch-style causes', () => {
    const err = new TypeError('fetch failed', { cause: withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1') });
    const o = classifyError(err);
    expect(o).toMatchObject({ kind: 'retryable', reason: 'network' });
    if (o.kind !== 'success') expect(o.detail).toContain('ECONNREFUSED');
    const timeout = new TypeError('fetch failed', { cause: withCode('UND_ERR_CONNECT_TIMEOUT') });
    expect(classifyError(timeout)).toMatchObject({ reason: 'timeout' });
  });

  it('a request that cannot be built is permanent', () => {
    expect(classifyError(withCode('UND_ERR_INVALID_ARG'))).toMatchObject({ kind: 'permanent', status: 0 });
  });

  it('unknown errors and non-errors are retried rather than lost', () => {
    expect(classifyError(new Error('weird'))).toMatchObject({ kind: 'retryable', reason: 'network', detail: 'weird' });
    expect(classifyError('a string')).toMatchObject({ kind: 'retryable', detail: 'a string' });
    const abort = new DOMException('aborted', 'AbortError');
    expect(classifyError(abort)).toMatchObject({ kind: 'retryable', reason: 'network' });
  });
});
