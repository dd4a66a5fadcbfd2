// Pure retry decision: given how many attempts failed and how the last one ended, wait how long or give up.
// Randomness is injected so tests are exact.
import { DEFAULT_RETRY_CONFIG, type RetryConfig } from '../config/config.js';
import { PyrelayError } from '../model/errors.js';
import type { GiveUpReason } from '../model/drop-reason.js';
import type { FailedOutcome } from './outcome.js';

/** The per-target retry keys of the config (one definition, src/config/config.ts) plus a safety cap. */
export interface RetryPolicyConfig extends RetryConfig {
  /** Upper bound on a Retry-After wait, so a hostile or broken header cannot park a target (default 5 min). */
  maxRetryAfterMs?: number;
}

/** The config schema's retry defaults plus the Retry-After cap. */
export const DEFAULT_RETRY_POLICY: Readonly<Required<RetryPolicyConfig>> = { ...DEFAULT_RETRY_CONFIG, maxRetryAfterMs: 300_000 };

export type { GiveUpReason };

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: GiveUpReason };

export interface RetryPolicy {
  /**
   * @param attempt 1-based number of failed attempts so far (1 after the first failure)
   * @param outcome how the last attempt failed
   * @param retries429SoFar retries already made after a 429 (not counting this one)
   */
  nextDelay(attempt: number, outcome: FailedOutcome, retries429SoFar: number): RetryDecision;
  /** The un-jittered backoff for an attempt (for docs, logs and tests). */
  baseBackoff(attempt: number): number;
}

function validate(cfg: Required<RetryPolicyConfig>): void {
  const bad = (what: string) => new PyrelayError('invalid_config', `retry policy: ${what}`);
  if (!(cfg.minBackoffMs >= 0)) throw bad(`min backoff must be >= 0, got ${cfg.minBackoffMs}`);
  if (!(cfg.maxBackoffMs >= cfg.minBackoffMs)) {
    throw bad(`max backoff (${cfg.maxBackoffMs}) must be >= min backoff (${cfg.minBackoffMs})`);
  }
  if (!(cfg.multiplier >= 1)) throw bad(`multiplier must be >= 1, got ${cfg.multiplier}`);
  if (!(cfg.jitter >= 0 && cfg.jitter <= 1)) throw bad(`jitter must be within [0, 1], got ${cfg.jitter}`);
  if (!(cfg.max429Retries >= 0)) throw bad(`max 429 retries must be >= 0, got ${cfg.max429Retries}`);
  if (!(cfg.maxAttempts >= 0)) throw bad(`max attempts must be >= 0, got ${cfg.maxAttempts}`);
  if (!(cfg.maxRetryAfterMs >= 0)) throw bad(`max Retry-After must be >= 0, got ${cfg.maxRetryAfterMs}`);
}

/** @param random a uniform source in [0, 1), e.g. Math.random */
export function createRetryPolicy(config: RetryPolicyConfig, random: () => number): RetryPolicy {
  const cfg: Required<RetryPolicyConfig> = {
    ...config,
    maxRetryAfterMs: config.maxRetryAfterMs ?? DEFAULT_RETRY_POLICY.maxRetryAfterMs,
  };
  validate(cfg);

  // min() first so a huge attempt count (multiplier^n = Infinity) still lands on the cap.
  const baseBackoff = (attempt: number): number => Math.min(cfg.maxBackoffMs, cfg.minBackoffMs * Math.pow(cfg.multiplier, Math.max(0, attempt - 1)));

  return {
    baseBackoff,
    nextDelay(attempt, outcome, retries429SoFar) {
      if (outcome.kind === 'permanent') return { retry: false, reason: outcome.reason };
      if (cfg.maxAttempts > 0 && attempt >= cfg.maxAttempts) return { retry: false, reason: 'max_attempts' };
      if (outcome.status === 429 && retries429SoFar >= cfg.max429Retries) {
        return { retry: false, reason: 'too_many_429' };
      }
      const base = baseBackoff(attempt);
      const jittered = Math.min(cfg.maxBackoffMs, base * (1 + cfg.jitter * (2 * random() - 1)));
      // Retry-After is a lower bound on the wait, never a way to retry sooner than the backoff.
      const retryAfter = Math.min(cfg.maxRetryAfterMs, outcome.retryAfterMs ?? 0);
      return { retry: true, delayMs: Math.round(Math.max(0, jittered, retryAfter)) };
    },
  };
}
