import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_RETRY_POLICY, createRetryPolicy } from '../../../src/remote-write/retry-policy.js';
import type { FailedOutcome } from '../../../src/remote-write/outcome.js';
import { isPyrelayError } from '../../../src/model/errors.js';

const cfg = { ...DEFAULT_RETRY_POLICY };
const net: FailedOutcome = { kind: 'retryable', reason: 'network', detail: 'ECONNRESET' };
const s503 = (retryAfterMs?: number): FailedOutcome =>
  retryAfterMs === undefined ? { kind: 'retryable', reason: 'status', status: 503, detail: '' } : { kind: 'retryable', reason: 'status', status: 503, retryAfterMs, detail: '' };
const s429: FailedOutcome = { kind: 'retryable', reason: 'status', status: 429, detail: '' };
const delay = (d: ReturnType<ReturnType<typeof createRetryPolicy>['nextDelay']>) => {
  if (!d.retry) throw new Error(`expected a retry, got ${d.reason}`);
  return d.delayMs;
};

describe('backoff', () => {
  it('without jitter doubles from 500 ms up to the 30 s cap', () => {
    const p = createRetryPolicy({ ...cfg, jitter: 0 }, () => 0.99);
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 20, 1000, 1e9].map((a) => delay(p.nextDelay(a, net, 0)));
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000, 30000]);
  });

  it('random 0 gives -50 %, random ~1 gives +50 %, 0.5 gives the base', () => {
    const low = createRetryPolicy(cfg, () => 0);
    const mid = createRetryPolicy(cfg, () => 0.5);
    const high = createRetryPolicy(cfg, () => 0.999999);
    expect(delay(low.nextDelay(1, net, 0))).toBe(250);
    expect(delay(mid.nextDelay(1, net, 0))).toBe(500);
    expect(delay(high.nextDelay(1, net, 0))).toBe(750);
    expect(delay(low.nextDelay(3, net, 0))).toBe(1000);
    expect(delay(high.nextDelay(3, net, 0))).toBe(3000);
    // at the cap the +50 % side is clipped: never more than 30 s from backoff alone
    expect(delay(high.nextDelay(10, net, 0))).toBe(30000);
    expect(delay(low.nextDelay(10, net, 0))).toBe(15000);
  });

  it('every delay stays within the jitter bounds of its base and under the cap (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (attempt, r, jitter) => {
          const p = createRetryPolicy({ ...cfg, jitter }, () => r);
          const base = p.baseBackoff(attempt);
          const d = delay(p.nextDelay(attempt, net, 0));
          expect(d).toBeGreaterThanOrEqual(Math.floor(base * (1 - jitter)));
          expect(d).toBeLessThanOrEqual(Math.min(cfg.maxBackoffMs, Math.ceil(base * (1 + jitter))));
        },
      ),
    );
  });

  it('the un-jittered base never decreases with the attempt number', () => {
    const p = createRetryPolicy(cfg, Math.random);
    let prev = 0;
    for (let a = 1; a < 60; a++) {
      expect(p.baseBackoff(a)).toBeGreaterThanOrEqual(prev);
      prev = p.baseBackoff(a);
    }
    expect(prev).toBe(30000);
  });
});

describe('Retry-After', () => {
  const p = createRetryPolicy(cfg, () => 0.5);
  it('is a lower bound', () => {
    expect(delay(p.nextDelay(1, s503(2000), 0))).toBe(2000);
    expect(delay(p.nextDelay(5, s503(2000), 0))).toBe(8000); // backoff already longer
    expect(delay(p.nextDelay(1, s503(0), 0))).toBe(500);
  });
  it('is capped so a hostile header cannot park a target', () => {
    expect(delay(p.nextDelay(1, s503(86_400_000), 0))).toBe(300_000);
    const tight = createRetryPolicy({ ...cfg, maxRetryAfterMs: 10_000 }, () => 0.5);
    expect(delay(tight.nextDelay(1, s503(60_000), 0))).toBe(10_000);
  });
});

describe('giving up', () => {
  it('never retries a permanent outcome', () => {
    const p = createRetryPolicy(cfg, () => 0.5);
    const o: FailedOutcome = { kind: 'permanent', reason: 'non_retryable', status: 400, detail: '' };
    expect(p.nextDelay(1, o, 0)).toEqual({ retry: false, reason: 'non_retryable' });
  });

  it('caps 429 retries', () => {
    const p = createRetryPolicy({ ...cfg, max429Retries: 3 }, () => 0.5);
    expect(p.nextDelay(3, s429, 2).retry).toBe(true);
    expect(p.nextDelay(4, s429, 3)).toEqual({ retry: false, reason: 'too_many_429' });
    // the 429 budget does not apply to other failures
    expect(p.nextDelay(4, s503(), 3).retry).toBe(true);
  });

  it('caps attempts when maxAttempts > 0, never when 0', () => {
    const p = createRetryPolicy({ ...cfg, maxAttempts: 3 }, () => 0.5);
    expect(p.nextDelay(2, net, 0).retry).toBe(true);
    expect(p.nextDelay(3, net, 0)).toEqual({ retry: false, reason: 'max_attempts' });
    const unlimited = createRetryPolicy(cfg, () => 0.5);
    expect(unlimited.nextDelay(1_000_000, net, 0).retry).toBe(true);
  });
});

describe('config validation', () => {
  it.each([{ minBackoffMs: -1 }, { maxBackoffMs: 100, minBackoffMs: 500 }, { multiplier: 0.5 }, { jitter: 1.5 }, { max429Retries: -1 }, { maxAttempts: Number.NaN }])(
    'rejects %j',
    (bad) => {
      let err: unknown;
      try {
        createRetryPolicy({ ...cfg, ...bad }, Math.random);
      } catch (e) {
        err = e;
      }
      expect(isPyrelayError(err) && err.code).toBe('invalid_config');
    },
  );
});
