// What each answer of a target does to a forwarded profile, over real HTTP with a
// fake clock, so every backoff is exact and no test sleeps.
import { deadlineIn } from '../../../src/lib/clock.js';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { TargetConfig } from '../../../src/config/config.js';
import { createRemoteWrite } from '../../../src/remote-write/remote-write.js';
import { createMemoryQueue, type Lease, type TargetQueue } from '../../../src/remote-write/queue.js';
import type { RemoteWrite } from '../../../src/model/forward.js';
import { startFakeTarget, type Behaviour } from '../../helpers/fake-target.js';
import { item, target } from './fixtures.js';
import { captureLogger } from './log-capture.js';
import { scriptedSender, WatchedClock } from './scripted.js';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { registryValue } from '../../helpers/registry.js';

const defer = cleanupAfterEach();

const value = registryValue;

/** The shutdown deadline runs on the fake clock too: move it past the deadline so stop() can finish. */
async function stopOnFakeClock(rw: RemoteWrite, clock: WatchedClock): Promise<void> {
  const stopped = rw.stop(deadlineIn(clock, 1000));
  await clock.advance(1000);
  await stopped;
}

/** Wraps a queue so the test can await how each taken item ended: 'ack', 'drop:<reason>' or 'release'. */
function observed(inner: TargetQueue, ends: string[], onEnd: () => void): TargetQueue {
  const wrap = (l: Lease): Lease => ({
    ...l,
    ack: () => (ends.push('ack'), onEnd(), l.ack()),
    drop: (reason) => (ends.push(`drop:${reason}`), onEnd(), l.drop(reason)),
    release: () => (ends.push('release'), onEnd(), l.release()),
  });
  return {
    get pending() {
      return inner.pending;
    },
    push: (i) => inner.push(i),
    take: async () => {
      const l = await inner.take();
      return l && wrap(l);
    },
    close: () => inner.close(),
    drain: () => inner.drain(),
  };
}

async function setup(behaviour: Behaviour, over: Partial<TargetConfig> = {}, random: () => number = () => 0.5) {
  const clock = new WatchedClock();
  const t = await startFakeTarget(behaviour);
  defer(() => t.close());
  const registry = new Registry();
  const ends: string[] = [];
  let notify = () => {};
  const ended = (n: number) =>
    new Promise<string>((resolve) => {
      const check = () => (ends.length >= n ? resolve(ends[n - 1]) : (notify = check));
      check();
    });
  const rw = createRemoteWrite({
    targets: [target({ name: 'm', address: t.url, queueWorkers: 1, ...over })],
    clock,
    logger: captureLogger().logger,
    registry,
    random,
    logIntervalMs: 0,
    createQueue: (cfg, hooks) => observed(createMemoryQueue(cfg.queueSize, { ...hooks, now: () => clock.now() }), ends, () => notify()),
  });
  defer(() => stopOnFakeClock(rw, clock));
  return { clock, t, registry, rw, ends, ended };
}

/** How the first attempt ended: the item finished, or the worker went to sleep before a retry. */
const firstEvent = (s: Awaited<ReturnType<typeof setup>>) => Promise.race([s.ended(1), s.clock.sleepNo(1).then((ms) => `retry after ${ms}`)]);

const reset: Behaviour = { kind: 'reset' };
const status = (code: number, headers?: Record<string, string>): Behaviour => ({ kind: 'status', status: code, body: `answer ${code}`, headers });

describe('status matrix', () => {
  it.each([200, 204])('%i succeeds at once: acknowledged, counted as sent, no retry', async (code) => {
    const s = await setup(status(code));
    await s.rw.offer(item());
    expect(await firstEvent(s)).toBe('ack');
    expect(s.t.requests).toHaveLength(1);
    expect(await value(s.registry, 'pyrelay_remote_write_sent_profiles_total', { target_name: 'm' })).toBe(1);
    expect(s.clock.sleeps).toEqual([]);
  });

  it.each([400, 401, 403, 404, 413, 422])('%i is dropped without retry (non_retryable) and counted', async (code) => {
    const s = await setup(status(code));
    await s.rw.offer(item());
    expect(await firstEvent(s)).toBe('drop:non_retryable');
    expect(s.t.requests).toHaveLength(1);
    expect(s.clock.sleeps).toEqual([]);
    expect(await value(s.registry, 'pyrelay_remote_write_permanent_failures_total', { target_name: 'm', code: String(code) })).toBe(1);
    expect(await value(s.registry, 'pyrelay_remote_write_dropped_total', { target_name: 'm', reason: 'non_retryable' })).toBe(1);
    expect(await value(s.registry, 'pyrelay_remote_write_retries_total', { target_name: 'm' })).toBe(0);
    expect(await value(s.registry, 'pyroscope_remote_write_queue_pending', { target_name: 'm' })).toBe(0);
  });

  it.each([
    ['408', status(408), 'status'],
    ['429', status(429), 'status'],
    ['500', status(500), 'status'],
    ['502', status(502), 'status'],
    ['503', status(503), 'status'],
    ['504', status(504), 'status'],
    ['connection reset', reset, 'network'],
  ] as const)('%s is retried after the backoff, then delivered', async (_label, behaviour, reason) => {
    const s = await setup(behaviour);
    await s.rw.offer(item());
    // random() = 0.5 puts the jitter at its centre: exactly min-backoff.
    expect(await firstEvent(s)).toBe('retry after 500');
    expect(s.t.requests).toHaveLength(1);
    expect(await value(s.registry, 'pyroscope_remote_write_queue_pending', { target_name: 'm' })).toBe(1);
    s.t.behave(status(200));
    await s.clock.advance(499);
    expect(s.ends).toEqual([]);
    await s.clock.advance(1);
    expect(await s.ended(1)).toBe('ack');
    expect(s.t.requests).toHaveLength(2);
    expect(s.t.requests[1].body.equals(s.t.requests[0].body)).toBe(true);
    expect(await value(s.registry, 'pyrelay_remote_write_retries_total', { target_name: 'm', reason })).toBe(1);
    expect(await value(s.registry, 'pyrelay_remote_write_sent_profiles_total', { target_name: 'm' })).toBe(1);
    expect(await value(s.registry, 'pyroscope_remote_write_queue_pending', { target_name: 'm' })).toBe(0);
  });

  it.each([
    ['503 Retry-After: 2', 503, () => '2', 2000],
    ['429 Retry-After: 2', 429, () => '2', 2000],
    ['503 Retry-After as an HTTP date 7 s ahead', 503, (now: number) => new Date(now + 7000).toUTCString(), 7000],
  ] as const)('%s delays the next attempt at least that long', async (_label, code, header, waitMs) => {
    const s = await setup({ kind: 'status', status: 200 });
    s.t.behave(status(code, { 'retry-after': header(s.clock.now()) }));
    await s.rw.offer(item());
    expect(await firstEvent(s)).toBe(`retry after ${waitMs}`);
    s.t.behave(status(200));
    await s.clock.advance(waitMs - 1);
    // The only way to the second attempt is the worker's sleep on the fake clock, which has not ended.
    expect(s.t.requests).toHaveLength(1);
    expect(s.ends).toEqual([]);
    await s.clock.advance(1);
    expect(await s.ended(1)).toBe('ack');
    expect(s.t.requests).toHaveLength(2);
  });

  it('a Retry-After shorter than the backoff does not shorten it', async () => {
    const s = await setup(status(503, { 'retry-after': '0' }));
    await s.rw.offer(item());
    expect(await firstEvent(s)).toBe('retry after 500');
  });

  it('429 is retried at most max-429-retries times, then dropped as too_many_429', async () => {
    const s = await setup(status(429), { retry: { ...target().retry, max429Retries: 2 } });
    await s.rw.offer(item());
    expect(await s.clock.sleepNo(1)).toBe(500);
    await s.clock.advance(500);
    expect(await s.clock.sleepNo(2)).toBe(1000);
    await s.clock.advance(1000);
    expect(await s.ended(1)).toBe('drop:too_many_429');
    expect(s.t.requests).toHaveLength(3);
    expect(await value(s.registry, 'pyrelay_remote_write_dropped_total', { target_name: 'm', reason: 'too_many_429' })).toBe(1);
  });

  it('max-attempts bounds the attempts of one item', async () => {
    const s = await setup(status(500), { retry: { ...target().retry, maxAttempts: 2 } });
    await s.rw.offer(item());
    expect(await s.clock.sleepNo(1)).toBe(500);
    await s.clock.advance(500);
    expect(await s.ended(1)).toBe('drop:max_attempts');
    expect(s.t.requests).toHaveLength(2);
  });
});

describe('backoff', () => {
  /** The delays a worker sleeps through while its target keeps failing, for `n` failures. */
  async function delays(n: number, random: () => number, retry = target().retry): Promise<number[]> {
    const clock = new WatchedClock();
    const sender = scriptedSender(clock);
    const rw = createRemoteWrite({
      targets: [target({ name: 'b', queueWorkers: 1, retry })],
      clock,
      logger: captureLogger().logger,
      registry: new Registry(),
      random,
      logIntervalMs: 0,
      createSender: () => sender,
    });
    defer(() => stopOnFakeClock(rw, clock));
    await rw.offer(item());
    for (let i = 1; i <= n; i++) {
      (await sender.call(i)).answer(503);
      await clock.advance(await clock.sleepNo(i));
    }
    return clock.sleeps.slice(0, n);
  }

  it('doubles from min-backoff up to max-backoff without jitter at its centre', async () => {
    expect(await delays(9, () => 0.5)).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('spreads each delay within ±jitter of its base and never past the cap', async () => {
    // A small deterministic PRNG (mulberry32) covers the whole [0, 1) range across the attempts.
    let seed = 42;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const got = await delays(12, random);
    got.forEach((d, i) => {
      const base = Math.min(30_000, 500 * 2 ** i);
      expect(d, `attempt ${i + 1}`).toBeGreaterThanOrEqual(Math.floor(base * 0.5));
      expect(d, `attempt ${i + 1}`).toBeLessThanOrEqual(Math.min(30_000, Math.ceil(base * 1.5)));
    });
    expect(Math.max(...got)).toBeLessThanOrEqual(30_000);
    // Extremes of the random source land on the bounds.
    expect(await delays(3, () => 0)).toEqual([250, 500, 1000]);
    expect(await delays(8, () => 0.999999)).toEqual([750, 1500, 3000, 6000, 12000, 24000, 30000, 30000]);
  });
});
