import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/lib/clock.js';
import type { TargetMetrics, TargetSample } from '../../../src/remote-write/metrics.js';
import { createMemoryQueue } from '../../../src/remote-write/queue.js';
import { createRemoteWriteStatus } from '../../../src/remote-write/target-status.js';
import { item } from './fixtures.js';

/** Bound metrics that only record what reached them, so a test can check the wrapper forwards everything. */
function innerMetrics() {
  const calls: string[] = [];
  const m: TargetMetrics = {
    setCapacity: (n) => calls.push(`capacity ${n}`),
    setWorkers: (n) => calls.push(`workers ${n}`),
    sampleWith: () => {
      calls.push('sampleWith');
      return () => calls.push('unsample');
    },
    dropped: (r, n = 1) => calls.push(`dropped ${r} ${n}`),
    failed: (r, d) => calls.push(`failed ${r} ${d}`),
    retried: (r) => calls.push(`retried ${r}`),
    permanent: (s) => calls.push(`permanent ${s}`),
    sent: (b, p) => calls.push(`sent ${b} ${p}`),
    responded: (s, sec) => calls.push(`responded ${s} ${sec}`),
    inFlight: (d) => calls.push(`inFlight ${d}`),
  };
  return { m, calls };
}

function setup(opts: { windowMs?: number } = {}) {
  const clock = new FakeClock(1_700_000_000_000);
  const status = createRemoteWriteStatus({ clock, windowMs: opts.windowMs, failingAfterAttempts: 3, failingAfterMs: 30_000 });
  const inner = innerMetrics();
  const m = status.track({ name: 'central', address: 'http://***@central:4040', durable: false }, inner.m);
  const only = () => status.snapshot().targets[0];
  return { clock, status, m, inner, only };
}

describe('remote-write target status', () => {
  it('forwards every call to the wrapped metrics unchanged', () => {
    const { m, inner } = setup();
    m.setCapacity(5);
    m.setWorkers(2);
    const unsample = m.sampleWith(() => ({ pending: 0, nowMs: 0 }));
    m.inFlight(1);
    m.responded(503, 0.01);
    m.failed('status', 'status 503: busy');
    m.retried('status');
    m.permanent(400);
    m.dropped('queue_full', 4);
    m.sent(10);
    m.sent(20, 3);
    m.inFlight(-1);
    unsample();
    expect(inner.calls).toEqual([
      'capacity 5',
      'workers 2',
      'sampleWith',
      'inFlight 1',
      'responded 503 0.01',
      'failed status status 503: busy',
      'retried status',
      'permanent 400',
      'dropped queue_full 4',
      'sent 10 1',
      'sent 20 3',
      'inFlight -1',
      'unsample',
    ]);
  });

  it('is healthy before any attempt, retrying after a failure, failing after three, healthy again after a success', async () => {
    const { clock, m, only } = setup();
    expect(only()).toMatchObject({
      name: 'central',
      address: 'http://***@central:4040',
      durable: false,
      state: 'healthy',
      consecutiveFailures: 0,
      lastError: null,
      lastSuccessAt: null,
    });
    m.failed('network', 'connect ECONNREFUSED 127.0.0.1:4040');
    expect(only()).toMatchObject({
      state: 'retrying',
      consecutiveFailures: 1,
      lastError: { reason: 'network', message: 'connect ECONNREFUSED 127.0.0.1:4040', at: '2023-11-14T22:13:20.000Z' },
    });
    await clock.advance(1000);
    m.failed('timeout', 'TimeoutError: aborted');
    expect(only().state).toBe('retrying');
    m.failed('status', 'status 503');
    expect(only()).toMatchObject({ state: 'failing', consecutiveFailures: 3, lastError: { reason: 'status', at: '2023-11-14T22:13:21.000Z' } });
    expect(only().failures).toEqual({ network: 1, timeout: 1, status: 1 });
    await clock.advance(500);
    m.sent(100);
    expect(only()).toMatchObject({ state: 'healthy', consecutiveFailures: 0, lastSuccessAt: '2023-11-14T22:13:21.500Z' });
    // The last error stays visible (with its time) after recovery; the counts are totals.
    expect(only().lastError?.reason).toBe('status');
    expect(only().failures).toEqual({ network: 1, timeout: 1, status: 1 });
  });

  it('a long failure streak is failing even with few attempts (slow backoff)', async () => {
    const { clock, m, only } = setup();
    m.failed('network', 'x');
    await clock.advance(29_999);
    expect(only().state).toBe('retrying');
    await clock.advance(1);
    expect(only().state).toBe('failing');
  });

  it('sent per second is averaged over the window and forgets what fell out of it', async () => {
    const { clock, m, only } = setup({ windowMs: 10_000 });
    // 20 profiles over the first 2 s: the rate is averaged over the 2 s watched so far, not the whole window.
    for (let i = 0; i < 20; i++) {
      m.sent(50);
      await clock.advance(100);
    }
    expect(only().sentPerSecond).toBe(10);
    expect(only().sentBytesPerSecond).toBe(500);
    await clock.advance(7999); // ~10 s watched: all 20 profiles still in the window
    expect(only().sentPerSecond).toBe(2);
    await clock.advance(2000); // the first two seconds left the window
    expect(only().sentPerSecond).toBe(0);
    expect(only().sent).toEqual({ profiles: 20, bytes: 1000 });
  });

  it('counts drops by reason and masks credentials in error texts', () => {
    const { m, only } = setup();
    m.dropped('queue_full', 3);
    m.dropped('too_old');
    m.dropped('queue_full', 2);
    m.failed('network', 'fetch http://user:secret@central:4040/ingest failed');
    expect(only().drops).toEqual({ queue_full: 5, too_old: 1 });
    expect(only().lastError?.message).toBe('fetch http://***@central:4040/ingest failed');
    expect(JSON.stringify(only())).not.toContain('secret');
  });

  it('reports pending items, bytes and oldest age from the target sample (backlog or memory queue)', async () => {
    const { clock, m, only } = setup();
    let sample: TargetSample = { pending: 0, nowMs: clock.now() };
    const unsample = m.sampleWith(() => sample);
    expect(only().pending).toEqual({ items: 0, bytes: null, oldestAgeSeconds: null });
    sample = { pending: 3, queued: { bytes: 300, oldestAtMs: clock.now() - 4500 }, nowMs: clock.now() };
    expect(only().pending).toEqual({ items: 3, bytes: 300, oldestAgeSeconds: 4.5 });
    sample = { pending: 2, backlog: { items: 2, bytes: 20, oldestAtMs: undefined }, nowMs: clock.now() };
    expect(only().pending).toEqual({ items: 2, bytes: 20, oldestAgeSeconds: 0 });
    // After the target stopped its last sample stays.
    unsample();
    sample = { pending: 99, nowMs: 0 };
    expect(only().pending.items).toBe(2);
  });

  it('tracks in-flight requests', () => {
    const { m, only } = setup();
    m.inFlight(1);
    m.inFlight(1);
    m.inFlight(-1);
    expect(only().inFlight).toBe(1);
  });
});

describe('memory queue stats', () => {
  it('counts the bytes and the oldest enqueue time of waiting and taken items until they finish', async () => {
    let now = 1000;
    const q = createMemoryQueue(10, { now: () => now });
    expect(q.stats?.()).toEqual({ bytes: 0, oldestAtMs: undefined });
    expect(q.push(item({ body: Buffer.alloc(100) }))).toBe('accepted');
    now = 2000;
    expect(q.push(item({ body: Buffer.alloc(50) }))).toBe('accepted');
    expect(q.stats?.()).toEqual({ bytes: 150, oldestAtMs: 1000 });
    const first = await q.take();
    // Taken but unfinished: still pending, still the oldest.
    expect(q.stats?.()).toEqual({ bytes: 150, oldestAtMs: 1000 });
    await first!.ack();
    expect(q.stats?.()).toEqual({ bytes: 50, oldestAtMs: 2000 });
    const second = await q.take();
    await second!.drop('too_old');
    await second!.ack(); // a second end is ignored
    expect(q.stats?.()).toEqual({ bytes: 0, oldestAtMs: undefined });
    expect(q.push(item({ body: Buffer.alloc(7) }))).toBe('accepted');
    expect(q.drain()).toHaveLength(1);
    expect(q.stats?.()).toEqual({ bytes: 0, oldestAtMs: undefined });
  });
});
