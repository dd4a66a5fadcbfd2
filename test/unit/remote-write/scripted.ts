// Event-driven doubles for delivery tests: a sender whose attempts the test answers one by one, and a fake
// clock that tells when someone starts sleeping on it (a worker waiting for its retry).
import { FakeClock } from '../../../src/lib/clock.js';
import { classifyError, classifyResponse } from '../../../src/remote-write/outcome.js';
import type { ForwardRequest } from '../../../src/remote-write/forward-request.js';
import type { Sender, SendResult } from '../../../src/remote-write/sender.js';

export interface Call {
  req: ForwardRequest;
  profileId: string;
  /** Answers with a status (and optional Retry-After / body). */
  answer(status: number, opts?: { retryAfter?: string; body?: string }): void;
  /** Ends the attempt with a transport error (e.g. ECONNRESET). */
  fail(code: string): void;
}

export interface ScriptedSender extends Sender {
  readonly calls: Call[];
  /** Resolves with the n-th call (1-based) once it was made. */
  call(n: number): Promise<Call>;
}

export function scriptedSender(clock: { now(): number }): ScriptedSender {
  const calls: Call[] = [];
  const waiters: { n: number; resolve: (c: Call) => void }[] = [];
  return {
    calls,
    call(n) {
      if (calls.length >= n) return Promise.resolve(calls[n - 1]);
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    send(req, abort) {
      return new Promise<SendResult>((resolve) => {
        const call: Call = {
          req,
          profileId: req.headers['x-pyrelay-profile-id'],
          answer: (status, o = {}) =>
            resolve({ outcome: classifyResponse(status, { retryAfter: o.retryAfter }, o.body ?? '', clock.now()), status, responseSeconds: 0.001, bodyExcerpt: o.body ?? '' }),
          fail: (code) => resolve({ outcome: classifyError(Object.assign(new Error(`socket ${code}`), { code })), bodyExcerpt: '' }),
        };
        abort?.addEventListener('abort', () => resolve({ outcome: classifyError(abort.reason), bodyExcerpt: '' }), { once: true });
        calls.push(call);
        for (const w of waiters.filter((w) => calls.length >= w.n)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(calls[w.n - 1]);
        }
      });
    },
    close: async () => {},
    destroy: async () => {},
  };
}

/** A FakeClock that records every sleep and lets a test await the next one. */
export class WatchedClock extends FakeClock {
  readonly sleeps: number[] = [];
  private waiters: { n: number; resolve: () => void }[] = [];

  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const p = super.sleep(ms, signal);
    this.sleeps.push(ms);
    for (const w of this.waiters.filter((w) => this.sleeps.length >= w.n)) {
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve();
    }
    return p;
  }

  /** Resolves with the delay of the n-th sleep (1-based) once it started. */
  async sleepNo(n: number): Promise<number> {
    if (this.sleeps.length < n) await new Promise<void>((resolve) => this.waiters.push({ n, resolve }));
    return this.sleeps[n - 1];
  }
}
