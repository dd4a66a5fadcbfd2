// Acks and drops written in batches, fresh payloads served from memory: what a crash may bring back, what it
// never may, and that the disk copy is still what a target falls back to.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Backlog } from '../../../../src/store/log/index.js';
import { createPayloadCache } from '../../../../src/store/log/payload-cache.js';
import { bytes, harness, text, withRaw, type Harness } from './helpers.js';

let h: Harness;
let opened: Backlog[] = [];
const openBacklog = async (...args: Parameters<Harness['open']>) => {
  const b = await h.open(...args);
  opened.push(b);
  return b;
};
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  for (const b of opened) await b.close();
  opened = [];
  await h.cleanup();
});

const seqsOf = (items: { seq: number }[]) => items.map((i) => i.seq);
const rawKeys = () => withRaw(h, ({ payloads, done }) => ({ payloads: [...payloads.getKeys({})], done: [...done.getKeys({})] }));

describe('batched acks and drops', () => {
  it('an ack not flushed yet is lost by a crash (the item is sent again); a flushed one is not', async () => {
    const b = await openBacklog({ finishFlushMs: 60_000 });
    const s1 = await b.append(bytes('one'), {}, ['a']);
    const s2 = await b.append(bytes('two'), {}, ['a']);
    await b.next('a', 2);
    await b.ack('a', s1);
    await b.flush();
    await b.ack('a', s2);
    expect(b.pendingItems('a')).toBe(0);
    await b.abandon();
    const again = await openBacklog();
    expect(seqsOf(await again.next('a', 10))).toEqual([s2]);
  });

  it('a graceful close writes every ack and drop', async () => {
    const b = await openBacklog({ finishFlushMs: 60_000 });
    const s1 = await b.append(bytes('one'), {}, ['a', 'b']);
    const s2 = await b.append(bytes('two'), {}, ['a', 'b']);
    await b.next('a', 2);
    await b.ack('a', s1);
    await b.drop('a', s2, 'non_retryable');
    await b.close();
    const again = await openBacklog();
    expect(seqsOf(await again.next('a', 10))).toEqual([]);
    expect(seqsOf(await again.next('b', 10))).toEqual([s1, s2]);
  });

  it('a record every target finished within one batch is deleted without writing its markers', async () => {
    const b = await openBacklog({ finishFlushMs: 60_000 });
    const s1 = await b.append(bytes('one'), {}, ['a', 'b']);
    const s2 = await b.append(bytes('two'), {}, ['a', 'b']);
    await b.ack('a', s1);
    await b.ack('b', s1);
    await b.ack('a', s2); // s2 still needed by b: its marker for a is written
    await b.flush();
    await b.abandon();
    expect(await rawKeys()).toEqual({ payloads: [s2], done: [['a', s2]] });
    const again = await openBacklog({ finishFlushMs: 60_000 });
    expect(seqsOf(await again.next('a', 10))).toEqual([]);
    await again.ack('b', s2);
    await again.close();
    expect(await rawKeys()).toEqual({ payloads: [], done: [] });
  });

  it('writes a batch by itself after finishFlushMs', async () => {
    const b = await openBacklog({ finishFlushMs: 1 });
    const s1 = await b.append(bytes('one'), {}, ['a']);
    await b.ack('a', s1);
    // No flush() here: only the timer can write the delete. Polled through a second handle.
    let left = (await rawKeys()).payloads;
    for (let i = 0; i < 200 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
      left = (await rawKeys()).payloads;
    }
    expect(left).toEqual([]);
    await b.abandon();
    expect(await rawKeys()).toEqual({ payloads: [], done: [] });
  });
});

describe('payload cache', () => {
  it('serves fresh items from memory until every target took them; a damaged disk copy is not seen', async () => {
    const b = await openBacklog();
    const s1 = await b.append(bytes('one'), {}, ['a', 'b']);
    const s2 = await b.append(bytes('two'), { n: 2 }, ['a', 'b']);
    await withRaw(h, ({ payloads }) => payloads.put(s2, Buffer.from('bad')));
    const items = await b.next('a', 10);
    expect(seqsOf(items)).toEqual([s1, s2]);
    expect(text(items[1].payload)).toBe('two');
    expect(items[1].meta).toEqual({ n: 2 });
    // b has not taken s2 yet: still from memory.
    expect(seqsOf(await b.next('b', 10))).toEqual([s1, s2]);
    expect(b.corruptSkipped).toBe(0);
    // Taken by both: a retry of s2 reads the (damaged) disk copy.
    b.release('a', s2);
    expect(seqsOf(await b.next('a', 10))).toEqual([]);
    expect(b.corruptSkipped).toBe(1);
  });

  it('a target that takes nothing (down) does not fill the cache: the healthy one keeps getting fresh items from memory', async () => {
    // Room for 4 payloads; b never takes anything. Each item a took more than 100 ms ago is needed only by b.
    const b = await openBacklog({ cacheBytes: 4 * 5 });
    const seqs: number[] = [];
    for (let i = 0; i < 12; i++) {
      const seq = await b.append(bytes(`item${i}`), {}, ['a', 'b']);
      seqs.push(seq);
      // The disk copy is damaged: only the cache can hand a the real payload.
      await withRaw(h, ({ payloads }) => payloads.put(seq, Buffer.from('bad')));
      const [got] = await b.next('a', 1);
      expect([got?.seq, got && text(got.payload)]).toEqual([seq, `item${i}`]);
      await b.ack('a', seq);
      await h.clock.advance(150);
    }
    expect(b.corruptSkipped).toBe(0);
  });

  it('an item one target read from disk is kept in memory for the others', async () => {
    const b = await openBacklog({ cacheBytes: 3 });
    const s1 = await b.append(bytes('one'), { n: 1 }, ['a', 'b']);
    const s2 = await b.append(bytes('two'), { n: 2 }, ['a', 'b']); // refused: the cache is full
    expect(seqsOf(await b.next('a', 1))).toEqual([s1]);
    expect(seqsOf(await b.next('b', 1))).toEqual([s1]); // taken by both: room again
    expect(seqsOf(await b.next('a', 1))).toEqual([s2]); // from disk, then kept for b
    await withRaw(h, ({ payloads }) => payloads.put(s2, Buffer.from('bad')));
    const forB = await b.next('b', 10);
    expect(seqsOf(forB)).toEqual([s2]);
    expect(text(forB[0].payload)).toBe('two');
    expect(forB[0].meta).toEqual({ n: 2 });
    expect(b.corruptSkipped).toBe(0);
  });

  it('when full, refuses the newest item: it is read from disk (checksummed)', async () => {
    const b = await openBacklog({ cacheBytes: 6 });
    const s1 = await b.append(bytes('one'), {}, ['a']);
    const s2 = await b.append(bytes('two'), {}, ['a']);
    const s3 = await b.append(bytes('333'), {}, ['a']); // does not fit
    await withRaw(h, ({ payloads }) => Promise.all([payloads.put(s1, Buffer.from('bad')), payloads.put(s3, Buffer.from('bad'))]));
    expect(seqsOf(await b.next('a', 10))).toEqual([s1, s2]);
    expect(b.corruptSkipped).toBe(1);
  });
});

describe('payload cache policy', () => {
  const rec = (n: number) => ({ payload: new Uint8Array(n), meta: {} });

  it('is bounded in bytes, refuses what does not fit, and forgets an entry once every target took it', () => {
    const now = 0;
    const c = createPayloadCache({ maxBytes: 10, laggardMs: 1000, now: () => now });
    expect(c.put(1, rec(4), ['a', 'b'])).toBe(true);
    expect(c.put(2, rec(4), ['a'])).toBe(true);
    expect(c.put(3, rec(4), ['a'])).toBe(false);
    expect(c.put(4, rec(11), ['a'])).toBe(false);
    expect(c.bytes).toBe(8);
    c.taken(2, 'a', now);
    expect([c.get(2), c.bytes]).toEqual([undefined, 4]);
    c.taken(1, 'a', now);
    c.taken(1, 'a', now); // twice by the same target counts once
    expect(c.get(1)).toBeDefined();
    c.taken(1, 'b', now);
    expect(c.size).toBe(0);
    expect(createPayloadCache({ maxBytes: 0, laggardMs: 1, now: () => 0 }).put(1, rec(1), ['a'])).toBe(false);
  });

  it('evicts, oldest first, entries only a target lagging by laggardMs still needs', () => {
    let now = 0;
    const c = createPayloadCache({ maxBytes: 8, laggardMs: 1000, now: () => now });
    c.put(1, rec(4), ['a', 'b']);
    c.put(2, rec(4), ['a', 'b']);
    c.taken(1, 'a', now);
    c.taken(2, 'a', now);
    now += 999;
    expect(c.put(3, rec(4), ['a', 'b'])).toBe(false); // b is only a little behind: keep what it reads next
    now += 1;
    expect(c.put(3, rec(4), ['a', 'b'])).toBe(true);
    expect([c.get(1), c.get(2), c.get(3) !== undefined]).toEqual([undefined, undefined, true]);
  });

  it('lets go of the oldest entries only a lagging target needs even when there is room', () => {
    let now = 0;
    const c = createPayloadCache({ maxBytes: 100, laggardMs: 1000, now: () => now });
    c.put(1, rec(4), ['a', 'b']);
    c.put(2, rec(4), ['a', 'b']);
    c.put(3, rec(4), ['a', 'b']);
    c.taken(1, 'a', now);
    c.taken(3, 'a', now);
    now += 1000;
    c.put(4, rec(4), ['a', 'b']);
    // 1 lags and goes; 2 (nobody took it yet) stops the sweep, so 3 stays until room is needed.
    expect([c.get(1), c.get(2) !== undefined, c.get(3) !== undefined, c.get(4) !== undefined]).toEqual([undefined, true, true, true]);
  });

  it('an older item (read back from disk) evicts newer entries, newest first, only when it then fits', () => {
    const c = createPayloadCache({ maxBytes: 8, laggardMs: 1000, now: () => 0 });
    c.put(5, rec(3), ['a']);
    c.put(6, rec(3), ['a']);
    expect(c.put(7, rec(3), ['a'])).toBe(false); // newest refused
    expect(c.put(9, rec(7), ['a'])).toBe(false); // nothing newer to evict
    expect(c.put(2, rec(4), ['a'])).toBe(true); // evicts 6 only
    expect([c.get(5) !== undefined, c.get(6), c.get(2) !== undefined, c.bytes]).toEqual([true, undefined, true, 7]);
    expect(c.put(1, rec(9), ['a'])).toBe(false); // larger than the cache: nothing evicted
    expect(c.size).toBe(2);
  });
});

describe('pooled record buffers', () => {
  it('concurrent large appends (pooled record buffers) read back from disk byte for byte', async () => {
    const b = await openBacklog({ cacheBytes: 0 });
    const n = 40;
    const seqs = await Promise.all(Array.from({ length: n }, (_, i) => b.append(new Uint8Array(70_000 + i).fill(i + 1), { i }, ['a'])));
    // A second wave reuses the first wave's buffers while nothing of it may have been overwritten on disk.
    const more = await Promise.all(Array.from({ length: n }, (_, i) => b.append(new Uint8Array(70_000).fill(200), { i: n + i }, ['a'])));
    await b.close();
    const again = await openBacklog({ cacheBytes: 0 });
    const items = await again.next('a', 1000);
    expect(seqsOf(items)).toEqual([...seqs, ...more]);
    items.forEach((it, k) => {
      const fill = k < n ? k + 1 : 200;
      expect(it.payload.length).toBe(k < n ? 70_000 + k : 70_000);
      expect(
        it.payload.every((x) => x === fill),
        `item ${k}`,
      ).toBe(true);
      expect(it.meta).toEqual({ i: k });
    });
  });
});
