// Durable targets end to end below HTTP: the shared lmdb backlog, the per-target backlog queue, the workers
// with retries, a scripted sender and a fake clock. Byte budget and max-age, plus the
// persistence rules: stored once, acknowledged only after a 2xx, replayed after a restart, 503 when it
// cannot persist.
import { deadlineIn } from '../../../src/lib/clock.js';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { open } from 'lmdb';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { TargetConfig } from '../../../src/config/config.js';
import { openSharedBacklog } from '../../../src/remote-write/shared-backlog.js';
import { createRemoteWrite } from '../../../src/remote-write/remote-write.js';
import type { RemoteWrite } from '../../../src/model/forward.js';
import { item, target } from './fixtures.js';
import { captureLogger } from './log-capture.js';
import { scriptedSender, WatchedClock, type ScriptedSender } from './scripted.js';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { registryValue } from '../../helpers/registry.js';

const defer = cleanupAfterEach();

const value = registryValue;

interface Rig {
  rw: RemoteWrite;
  clock: WatchedClock;
  registry: Registry;
  senders: Map<string, ScriptedSender>;
  stop(): Promise<void>;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pyrelay-durable-'));
  defer(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function rig(dir: string, targets: TargetConfig[], clock = new WatchedClock()): Promise<Rig> {
  const registry = new Registry();
  const durable = await openSharedBacklog({ path: path.join(dir, 'remote-write'), targets, clock });
  const senders = new Map<string, ScriptedSender>();
  const rw = createRemoteWrite({
    targets,
    clock,
    logger: captureLogger().logger,
    registry,
    durable,
    random: () => 0.5,
    logIntervalMs: 0,
    createSender: (t) => {
      const s = scriptedSender(clock);
      senders.set(t.name, s);
      return s;
    },
  });
  let stopped: Promise<void> | undefined;
  const stop = () => {
    if (!stopped) {
      stopped = rw.stop(deadlineIn(clock, 1000));
      void clock.advance(1000);
    }
    return stopped;
  };
  defer(stop);
  return { rw, clock, registry, senders, stop };
}

const durableTarget = (over: Partial<TargetConfig> = {}) => target({ durable: true, queueWorkers: 1, queueSize: 10, ...over });
const body = (i: number) => Buffer.from(`profile-${String(i).padStart(3, '0')};x ${'1'.repeat(85)}\n`); // 100 bytes

describe('durable delivery', () => {
  it('byte budget overflow drops the oldest waiting items and counts them', async () => {
    const r = await rig(await tempDir(), [durableTarget({ name: 'd', maxBacklogBytes: 500 })]);
    const s = () => r.senders.get('d')!;
    await r.rw.offer(item({ profileId: 'p1', body: body(1) }));
    const first = await s().call(1); // p1 is in flight: the budget never drops what is being sent
    for (let i = 2; i <= 11; i++) await r.rw.offer(item({ profileId: `p${i}`, body: body(i) }));
    // 500 bytes hold p1 (in flight) and the 4 newest; p2..p7 were dropped, oldest first.
    expect(await value(r.registry, 'pyrelay_remote_write_dropped_total', { target_name: 'd', reason: 'backlog_full' })).toBe(6);
    expect(await value(r.registry, 'pyroscope_remote_write_queue_dropped', { target_name: 'd' })).toBe(6);
    expect(await value(r.registry, 'pyrelay_remote_write_backlog_items', { target_name: 'd' })).toBe(5);
    expect(await value(r.registry, 'pyrelay_remote_write_backlog_bytes', { target_name: 'd' })).toBe(500);
    first.answer(200);
    for (let n = 2; n <= 5; n++) (await s().call(n)).answer(200);
    expect(s().calls.map((c) => c.profileId)).toEqual(['p1', 'p8', 'p9', 'p10', 'p11']);
  });

  it('max-age drops stale items instead of sending them, and counts them', async () => {
    const r = await rig(await tempDir(), [durableTarget({ name: 'd', maxAgeMs: 10_000 })]);
    const s = () => r.senders.get('d')!;
    await r.rw.offer(item({ profileId: 'a' }));
    const first = await s().call(1);
    await r.rw.offer(item({ profileId: 'b' }));
    await r.rw.offer(item({ profileId: 'c' }));
    await r.clock.advance(5_000);
    await r.rw.offer(item({ profileId: 'd' }));
    await r.clock.advance(6_000); // a, b, c are 11 s old, d is 6 s old
    expect(await value(r.registry, 'pyrelay_remote_write_oldest_pending_age_seconds', { target_name: 'd' })).toBe(11);
    first.answer(503);
    await r.clock.advance(await r.clock.sleepNo(1)); // the retry finds `a` too old; b and c expire before d is taken
    const next = await s().call(2);
    expect(next.profileId).toBe('d');
    next.answer(200);
    expect(await value(r.registry, 'pyrelay_remote_write_dropped_total', { target_name: 'd', reason: 'too_old' })).toBe(3);
    expect(s().calls.map((c) => c.profileId)).toEqual(['a', 'd']);
  });

  it('stores the payload once for all durable targets and deletes it when the last one acknowledged', async () => {
    const dir = await tempDir();
    const r = await rig(dir, [durableTarget({ name: 'x' }), durableTarget({ name: 'y' })]);
    await r.rw.offer(item({ profileId: 'once', body: body(1) }));
    (await r.senders.get('x')!.call(1)).answer(200);
    const y = await r.senders.get('y')!.call(1);
    await r.stop(); // y's send is cut at the deadline: the record must stay, for y only
    expect(y.profileId).toBe('once');
    const env = open({ path: path.join(dir, 'remote-write'), maxDbs: 4, compression: false });
    const records = [...env.openDB({ name: 'payloads', encoding: 'binary' }).getKeys({})];
    const done = [...env.openDB({ name: 'done', encoding: 'binary' }).getKeys({})];
    await env.close();
    expect(records).toHaveLength(1);
    expect(done).toEqual([['x', records[0]]]);

    const again = await rig(dir, [durableTarget({ name: 'x' }), durableTarget({ name: 'y' })]);
    const resent = await again.senders.get('y')!.call(1);
    expect(resent.profileId).toBe('once');
    expect(resent.req.body.equals(body(1))).toBe(true);
    resent.answer(204);
    await again.stop();
    expect(again.senders.get('x')!.calls).toHaveLength(0);
    const env2 = open({ path: path.join(dir, 'remote-write'), maxDbs: 4, compression: false });
    const left = [...env2.openDB({ name: 'payloads', encoding: 'binary' }).getKeys({})];
    await env2.close();
    expect(left).toEqual([]);
  });

  it('acknowledges only after a 2xx: items failing at stop are replayed, in order, after a restart', async () => {
    const dir = await tempDir();
    const r = await rig(dir, [durableTarget({ name: 'd', queueWorkers: 2 })]);
    for (let i = 1; i <= 5; i++) await r.rw.offer(item({ profileId: `p${i}` }));
    (await r.senders.get('d')!.call(1)).answer(200); // p1 delivered
    (await r.senders.get('d')!.call(2)).answer(500); // p2 waits for a retry
    await r.clock.sleepNo(1);
    await r.stop();
    const again = await rig(dir, [durableTarget({ name: 'd', queueWorkers: 1 })]);
    const s = again.senders.get('d')!;
    for (let n = 1; n <= 4; n++) (await s.call(n)).answer(200);
    expect(s.calls.map((c) => c.profileId)).toEqual(['p2', 'p3', 'p4', 'p5']);
    await again.stop(); // waits for the workers, so the last acknowledgement has landed
    expect(await value(again.registry, 'pyroscope_remote_write_queue_pending', { target_name: 'd' })).toBe(0);
  });

  it('stop lets an in-flight send finish before its deadline, takes nothing new and leaves the rest on disk', async () => {
    const dir = await tempDir();
    const r = await rig(dir, [durableTarget({ name: 'd' })]);
    for (let i = 1; i <= 3; i++) await r.rw.offer(item({ profileId: `p${i}` }));
    const inFlight = await r.senders.get('d')!.call(1);
    const stopped = r.rw.stop(deadlineIn(r.clock, 60_000)); // the fake clock never reaches this deadline
    await expect(r.rw.offer(item({ profileId: 'late' }))).rejects.toMatchObject({ code: 'unavailable' });
    inFlight.answer(200);
    await stopped;
    expect(r.senders.get('d')!.calls).toHaveLength(1);
    const again = await rig(dir, [durableTarget({ name: 'd' })]);
    const s = again.senders.get('d')!;
    (await s.call(1)).answer(200);
    (await s.call(2)).answer(200);
    await again.stop();
    expect(s.calls.map((c) => c.profileId)).toEqual(['p2', 'p3']);
  });

  it('queue-size bounds the items in memory; the rest wait on disk and are not dropped', async () => {
    const r = await rig(await tempDir(), [durableTarget({ name: 'd', queueWorkers: 4, queueSize: 2 })]);
    for (let i = 1; i <= 6; i++) await r.rw.offer(item({ profileId: `p${i}` }));
    const s = r.senders.get('d')!;
    await s.call(2);
    // Let the other two workers run as far as they can (taking an item is synchronous after this turn).
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    // Four workers but two items in memory: only two attempts at a time.
    expect(s.calls).toHaveLength(2);
    expect(await value(r.registry, 'pyroscope_remote_write_queue_pending', { target_name: 'd' })).toBe(6);
    expect(await value(r.registry, 'pyroscope_remote_write_queue_dropped', { target_name: 'd' })).toBe(0);
    for (let n = 1; n <= 6; n++) (await s.call(n)).answer(200);
    expect(new Set(s.calls.map((c) => c.profileId)).size).toBe(6);
  });

  it('rejects with unavailable (503 at /ingest) when the backlog cannot persist', async () => {
    const dir = await tempDir();
    const targets = [durableTarget({ name: 'd' })];
    const clock = new WatchedClock();
    const durable = await openSharedBacklog({ path: path.join(dir, 'remote-write'), targets, clock });
    const rw = createRemoteWrite({ targets, clock, logger: captureLogger().logger, registry: new Registry(), durable, createSender: () => scriptedSender(clock) });
    await durable.backlog.close(); // as if the disk went away under it
    await expect(rw.offer(item())).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/backlog cannot persist/) });
    const stopped = rw.stop(deadlineIn(clock, 1000));
    await clock.advance(1000);
    await stopped;
  });
});
