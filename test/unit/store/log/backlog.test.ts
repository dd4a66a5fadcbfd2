import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPyrelayError } from '../../../../src/model/errors.js';
import type { Backlog } from '../../../../src/store/log/index.js';
import { bytes, harness, text, withRaw, type Harness } from './helpers.js';

let h: Harness;
let open: Backlog[] = [];
const openBacklog = async (...args: Parameters<Harness['open']>) => {
  const b = await h.open(...args);
  open.push(b);
  return b;
};
const closeAll = async () => {
  for (const b of open) await b.close();
  open = [];
};

beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await closeAll();
  await h.cleanup();
});

const seqsOf = (items: { seq: number }[]) => items.map((i) => i.seq);

describe('append / next / ack', () => {
  it('hands out the oldest items with payload and meta, leases them, and forgets acked ones', async () => {
    const b = await openBacklog();
    const s1 = await b.append(bytes('one'), { name: 'x.cpu{}', n: 1 }, ['a', 'b']);
    await h.clock.advance(10);
    const s2 = await b.append(bytes('two'), { name: 'x.cpu{}', n: 2 }, ['a']);
    expect(s2).toBeGreaterThan(s1);
    expect(b.pendingItems('a')).toBe(2);
    expect(b.pendingBytes('a')).toBe(6);
    expect(b.pendingItems('b')).toBe(1);
    expect(b.oldestPendingAtMs('a')).toBe(h.clock.now() - 10);

    const first = await b.next('a', 1);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ seq: s1, bytes: 3, meta: { n: 1 }, enqueuedAtMs: h.clock.now() - 10 });
    expect(text(first[0].payload)).toBe('one');
    // leased: not handed out again
    expect(seqsOf(await b.next('a', 10))).toEqual([s2]);
    expect(await b.next('a', 10)).toEqual([]);
    expect(b.stats('a')).toMatchObject({ items: 2, leased: 2 });

    await b.ack('a', s1);
    expect(b.pendingItems('a')).toBe(1);
    expect(b.oldestPendingAtMs('a')).toBe(h.clock.now());
    // b is independent of a
    expect(seqsOf(await b.next('b', 10))).toEqual([s1]);
    // ack is idempotent, unknown seqs ignored
    await b.ack('a', s1);
    await b.ack('a', 9999);
    expect(b.pendingItems('a')).toBe(1);
  });

  it('release makes an item available again, in order', async () => {
    const b = await openBacklog();
    const s1 = await b.append(bytes('1'), {}, ['a']);
    const s2 = await b.append(bytes('2'), {}, ['a']);
    expect(seqsOf(await b.next('a', 10))).toEqual([s1, s2]);
    b.release('a', s1);
    expect(seqsOf(await b.next('a', 10))).toEqual([s1]);
  });

  it('drop forgets the item and reports it', async () => {
    const b = await openBacklog();
    const s1 = await b.append(bytes('1'), {}, ['a', 'b']);
    await b.drop('a', s1, 'non_retryable');
    await b.drop('a', s1, 'non_retryable'); // second drop of a finished item is not counted
    expect(h.drops).toEqual([{ target: 'a', reason: 'non_retryable', count: 1, seqs: [s1] }]);
    expect(b.pendingItems('a')).toBe(0);
    expect(b.pendingItems('b')).toBe(1);
  });

  it('rejects unknown targets and non-JSON meta without changing state', async () => {
    const b = await openBacklog();
    await expect(b.append(bytes('x'), {}, ['a', 'nope'])).rejects.toThrow(/unknown target "nope"/);
    expect(() => b.pendingItems('nope')).toThrow(/unknown target/);
    await expect(b.append(bytes('x'), { big: 1n }, ['a'])).rejects.toThrow();
    expect(b.pendingItems('a')).toBe(0);
  });

  it('append after close rejects with unavailable', async () => {
    const b = await h.open();
    await b.close();
    await b.close(); // idempotent
    const err = await b.append(bytes('x'), {}, ['a']).catch((e: unknown) => e);
    expect(isPyrelayError(err) && err.code).toBe('unavailable');
    expect(isPyrelayError(err) && err.status).toBe(503);
  });
});

describe('restart', () => {
  it('replays every unacknowledged item, leased ones included, in order', async () => {
    const b = await openBacklog();
    const s: number[] = [];
    for (let i = 0; i < 5; i++) s.push(await b.append(bytes(`p${i}`), { i }, ['a', 'b']));
    await b.ack('a', s[0]);
    await b.ack('a', s[2]);
    await b.ack('b', s[4]);
    await b.next('a', 2); // leased, never acked: a crash loses the lease, not the item
    await closeAll();

    const again = await openBacklog();
    expect(seqsOf(await again.next('a', 10))).toEqual([s[1], s[3], s[4]]);
    const forB = await again.next('b', 10);
    expect(seqsOf(forB)).toEqual([s[0], s[1], s[2], s[3]]);
    expect(forB.map((it) => text(it.payload))).toEqual(['p0', 'p1', 'p2', 'p3']);
    expect(forB.map((it) => it.meta)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }]);
    expect(again.pendingBytes('b')).toBe(8);
    expect(h.logs.some((l) => l.msg.includes('replaying') && l.obj.target === 'a' && l.obj.items === 3)).toBe(true);
    // new sequence numbers never collide with replayed ones
    expect(await again.append(bytes('new'), {}, ['a'])).toBeGreaterThan(s[4]);
  });

  it('never reuses a sequence number, even after the backlog emptied', async () => {
    const b = await openBacklog();
    const s1 = await b.append(bytes('1'), {}, ['a']);
    await b.ack('a', s1);
    await closeAll();
    const again = await openBacklog();
    expect(again.pendingItems('a')).toBe(0);
    expect(await again.append(bytes('2'), {}, ['a'])).toBeGreaterThan(s1);
  });

  it('forgets items of targets that are no longer configured', async () => {
    const b = await openBacklog();
    const s1 = await b.append(bytes('1'), {}, ['a', 'b']);
    const s2 = await b.append(bytes('2'), {}, ['b']);
    await closeAll();
    const onlyA = await openBacklog({ targets: ['a'] });
    expect(seqsOf(await onlyA.next('a', 10))).toEqual([s1]);
    await closeAll();
    expect(await withRaw(h, ({ payloads }) => [...payloads.getKeys({})])).toEqual([s1]);
    expect(s2).toBeGreaterThan(s1);
  });
});

describe('storage', () => {
  it('stores the payload once and deletes it with its markers after every target finished', async () => {
    const b = await openBacklog({ targets: ['a', 'b', 'c'] });
    const s1 = await b.append(bytes('x'.repeat(1000)), {}, ['a', 'b', 'c']);
    const s2 = await b.append(bytes('y'), {}, ['a', 'b', 'c']);
    await b.ack('a', s1);
    await b.drop('b', s1, 'non_retryable');
    await closeAll();
    const mid = await withRaw(h, ({ payloads, done }) => ({
      payloads: [...payloads.getKeys({})],
      done: [...done.getKeys({})],
      sizes: [...payloads.getRange({})].map((e) => (e.value as Buffer).length),
    }));
    expect(mid.payloads).toEqual([s1, s2]);
    expect(mid.done).toEqual([
      ['a', s1],
      ['b', s1],
    ]);
    expect(mid.sizes[0]).toBeLessThan(1100); // once, not three times

    const again = await openBacklog({ targets: ['a', 'b', 'c'] });
    expect(again.pendingItems('c')).toBe(2);
    await again.ack('c', s1);
    await closeAll();
    const after = await withRaw(h, ({ payloads, done }) => ({
      payloads: [...payloads.getKeys({})],
      done: [...done.getKeys({})],
    }));
    expect(after).toEqual({ payloads: [s2], done: [] });
  });

  it('cleans up a record whose targets all finished before a crash removed it', async () => {
    const b = await openBacklog();
    const s1 = await b.append(bytes('1'), {}, ['a', 'b']);
    await closeAll();
    await withRaw(h, async ({ done }) => {
      await done.put(['a', s1], Buffer.alloc(0));
      await done.put(['b', s1], Buffer.alloc(0));
      await done.put(['a', 777], Buffer.alloc(0)); // orphan marker
    });
    const again = await openBacklog();
    expect(again.pendingItems('a') + again.pendingItems('b')).toBe(0);
    await closeAll();
    expect(await withRaw(h, ({ payloads, done }) => [...payloads.getKeys({})].length + [...done.getKeys({})].length)).toBe(0);
  });
});

describe('byte budget', () => {
  it('drops the oldest items of the full target only, and counts them', async () => {
    const b = await openBacklog({ maxBytesPerTarget: { a: 1000 } });
    const s: number[] = [];
    for (let i = 0; i < 3; i++) s.push(await b.append(new Uint8Array(300), { i }, ['a', 'b']));
    expect(h.drops).toEqual([]);
    const s4 = await b.append(new Uint8Array(300), {}, ['a', 'b']); // 1200 > 1000
    expect(h.drops).toEqual([{ target: 'a', reason: 'backlog_full', count: 1, seqs: [s[0]] }]);
    expect(b.pendingBytes('a')).toBe(900);
    expect(b.pendingItems('b')).toBe(4);
    const s5 = await b.append(new Uint8Array(700), {}, ['a', 'b']); // 900 + 700: two more must go
    expect(h.drops[1]).toEqual({ target: 'a', reason: 'backlog_full', count: 2, seqs: [s[1], s[2]] });
    expect(b.pendingBytes('a')).toBe(1000);
    expect(seqsOf(await b.next('a', 10))).toEqual([s4, s5]);
    expect(seqsOf(await b.next('b', 10))).toEqual([...s, s4, s5]);
    expect(h.logs.some((l) => l.level === 'warn' && l.msg.includes('backlog full'))).toBe(true);
  });

  it('keeps leased (in-flight) items and drops an item larger than the whole budget', async () => {
    const b = await openBacklog({ maxBytesPerTarget: { a: 1000 } });
    const s1 = await b.append(new Uint8Array(600), {}, ['a']);
    const s2 = await b.append(new Uint8Array(300), {}, ['a']);
    await b.next('a', 1); // s1 in flight
    const s3 = await b.append(new Uint8Array(300), {}, ['a']);
    expect(h.drops).toEqual([{ target: 'a', reason: 'backlog_full', count: 1, seqs: [s2] }]);
    expect(b.stats('a')).toMatchObject({ items: 2, bytes: 900, leased: 1 });
    const big = await b.append(new Uint8Array(1001), {}, ['a', 'b']);
    expect(h.drops[1]).toEqual({ target: 'a', reason: 'backlog_full', count: 1, seqs: [big] });
    expect(b.pendingItems('a')).toBe(2);
    expect(seqsOf(await b.next('b', 10))).toEqual([big]);
    b.release('a', s1);
    expect(seqsOf(await b.next('a', 10))).toEqual([s1, s3]);
  });

  it('applies the budget again when an in-flight item comes back, and on open (e.g. a smaller budget)', async () => {
    const b = await openBacklog({ maxBytesPerTarget: { a: 1000 } });
    const s1 = await b.append(new Uint8Array(600), {}, ['a']);
    await b.next('a', 1);
    const s2 = await b.append(new Uint8Array(300), {}, ['a']);
    const s3 = await b.append(new Uint8Array(300), {}, ['a']); // 1200: s1 in flight, s2 goes
    expect(h.drops.flatMap((d) => d.seqs)).toEqual([s2]);
    const s4 = await b.append(new Uint8Array(400), {}, ['a']); // 1300: s3 goes, still 1000 with s1 in flight
    expect(h.drops.flatMap((d) => d.seqs)).toEqual([s2, s3]);
    expect(b.pendingBytes('a')).toBe(1000);
    const s5 = await b.append(new Uint8Array(500), {}, ['a']); // s4 goes; 1100 is over only by s1 in flight
    expect(h.drops[2].seqs).toEqual([s4]);
    expect(b.pendingBytes('a')).toBe(1100);
    b.release('a', s1); // back from flight: now the budget applies to it
    expect(h.drops[3]).toEqual({ target: 'a', reason: 'backlog_full', count: 1, seqs: [s1] });
    expect(b.pendingBytes('a')).toBe(500);
    const s6 = await b.append(new Uint8Array(100), {}, ['a']);
    await closeAll();
    const smaller = await openBacklog({ maxBytesPerTarget: { a: 300 } });
    expect(h.drops[4]).toEqual({ target: 'a', reason: 'backlog_full', count: 1, seqs: [s5] });
    expect(seqsOf(await smaller.next('a', 10))).toEqual([s6]);
  });

  it('budget drops survive a restart (the dropped record is gone from disk)', async () => {
    const b = await openBacklog({ maxBytesPerTarget: { a: 500, b: 500 } });
    await b.append(new Uint8Array(300), {}, ['a', 'b']);
    const s2 = await b.append(new Uint8Array(300), {}, ['a', 'b']);
    await closeAll();
    expect(await withRaw(h, ({ payloads }) => [...payloads.getKeys({})])).toEqual([s2]);
  });
});

describe('max age', () => {
  it('drops unleased items older than max age and counts them', async () => {
    const b = await openBacklog();
    const s1 = await b.append(bytes('old1'), {}, ['a', 'b']);
    await h.clock.advance(1000);
    const s2 = await b.append(bytes('old2'), {}, ['a']);
    await h.clock.advance(1000);
    const s3 = await b.append(bytes('fresh'), {}, ['a']);
    await h.clock.advance(1000);
    // s1 is 3 s old, s2 2 s, s3 1 s
    await b.next('a', 1); // s1 in flight: not expired under the sender
    expect(await b.expireOlderThan('a', 1500)).toBe(1);
    expect(h.drops).toEqual([{ target: 'a', reason: 'too_old', count: 1, seqs: [s2] }]);
    b.release('a', s1);
    expect(await b.expireOlderThan('a', 1500)).toBe(1);
    expect(h.drops[1]).toMatchObject({ seqs: [s1], reason: 'too_old' });
    expect(seqsOf(await b.next('a', 10))).toEqual([s3]);
    expect(b.pendingItems('b')).toBe(1); // per target
    expect(await b.expireOlderThan('a', 1500)).toBe(0);
  });
});

describe('corruption', () => {
  it('skips, counts, logs and removes garbage and truncated records on open; the rest is delivered', async () => {
    const b = await openBacklog();
    const s: number[] = [];
    for (let i = 0; i < 4; i++) s.push(await b.append(bytes(`payload-${i}`), { i }, ['a', 'b']));
    await closeAll();
    await withRaw(h, async ({ payloads }) => {
      await payloads.put(s[1], Buffer.from('garbage, not a record'));
      const rec = payloads.getBinary(s[2]) as Buffer;
      await payloads.put(s[2], Buffer.from(rec.subarray(0, rec.length - 3))); // torn write
      await payloads.put('not-a-seq', Buffer.from('x'));
    });
    const again = await openBacklog();
    expect(again.corruptSkipped).toBe(3);
    expect(h.corrupt).toEqual([3]);
    expect(h.logs.filter((l) => l.level === 'warn' && l.msg.includes('corrupted'))).toHaveLength(3);
    const items = await again.next('a', 10);
    expect(seqsOf(items)).toEqual([s[0], s[3]]);
    expect(items.map((i) => text(i.payload))).toEqual(['payload-0', 'payload-3']);
    await closeAll();
    // removed, so the next start does not count them again
    const third = await openBacklog();
    expect(third.corruptSkipped).toBe(0);
    expect(third.pendingItems('b')).toBe(2);
  });

  it('a record that goes bad while running is skipped by next() for every target', async () => {
    // No payload cache: a fresh item would come from memory, never from the damaged disk copy.
    const b = await openBacklog({ cacheBytes: 0 });
    const s1 = await b.append(bytes('1'), {}, ['a', 'b']);
    const s2 = await b.append(bytes('2'), {}, ['a', 'b']);
    // damage it through a second handle on the same environment (lmdb allows this across processes too)
    await withRaw(h, ({ payloads }) => payloads.put(s1, Buffer.from('bad')));
    expect(seqsOf(await b.next('a', 10))).toEqual([s2]);
    expect(b.corruptSkipped).toBe(1);
    expect(h.corrupt).toEqual([1]);
    expect(b.pendingItems('b')).toBe(1);
  });
});
