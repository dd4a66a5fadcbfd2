// The write-ahead log's reader side used by the store ingester: in-order delivery, replay from a checkpoint,
// cumulative acks that write nothing, and records deleted only once every consumer is done.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogRecord } from '../../../../src/store/log/index.js';
import { harness, withRaw, type Harness } from './helpers.js';

const body = (s: string) => Buffer.from(s);
const text = (r: LogRecord) => Buffer.from(r.payload).toString();

describe('write-ahead log reader', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness({ targets: ['a', '@store'] });
  });
  afterEach(() => h.cleanup());

  it('delivers every durable record once, in seq order, before its append resolves', async () => {
    const log = await h.open({ checkpoints: { '@store': 0 } });
    const seen: LogRecord[] = [];
    log.onAppend((r) => seen.push(r));
    const seqs = await Promise.all(Array.from({ length: 50 }, (_, i) => log.append(body(`p${i}`), { i }, ['a', '@store'])));
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(seen.map((r) => r.seq)).toEqual(seqs);
    expect(seen.map(text)).toEqual(seqs.map((_, i) => `p${i}`));
    expect(seen[0].consumers).toEqual(['a', '@store']);
    expect(log.lastSeq).toBe(seqs.at(-1));
    // Resolution implies delivery: the listener has it by the time append() returns.
    const one = await log.append(body('last'), {}, ['@store']);
    expect(seen.at(-1)!.seq).toBe(one);
    await log.close();
  });

  it('replays what the checkpoint does not cover, and ackUpTo deletes a record once no consumer needs it', async () => {
    let log = await h.open({ checkpoints: { '@store': 0 } });
    const s1 = await log.append(body('one'), {}, ['a', '@store']);
    const s2 = await log.append(body('two'), {}, ['@store']);
    const s3 = await log.append(body('three'), {}, ['a', '@store']);
    expect((await log.readFrom('@store', 0, 10)).map(text)).toEqual(['one', 'two', 'three']);
    expect((await log.readFrom('@store', s1, 1)).map(text)).toEqual(['two']);
    log.ackUpTo('@store', s2);
    expect(log.pendingItems('@store')).toBe(1);
    expect(log.pendingItems('a')).toBe(2);
    await log.close();

    // The store persisted checkpoint s2: only s3 is pending for it; 'a' still has s1 and s3.
    log = await h.open({ checkpoints: { '@store': s2 } });
    expect((await log.readFrom('@store', 0, 10)).map((r) => r.seq)).toEqual([s3]);
    expect(log.pendingItems('a')).toBe(2);
    const [i1] = await log.next('a', 1);
    await log.ack('a', i1.seq);
    log.ackUpTo('@store', s3);
    const [i3] = await log.next('a', 1);
    await log.ack('a', i3.seq);
    await log.close();
    // Every consumer is done with every record: nothing is left on disk.
    const left = await withRaw(h, ({ payloads }) => [...payloads.getKeys({})]);
    expect(left).toEqual([]);
  });

  it('a record whose append failed is skipped in the order, never delivered', async () => {
    const log = await h.open({ checkpoints: { '@store': 0 } });
    const seen: number[] = [];
    log.onAppend((r) => seen.push(r.seq));
    const ok1 = await log.append(body('x'), {}, ['@store']);
    await expect(log.append(body('y'), { bad: 1n } as unknown as Record<string, unknown>, ['@store'])).rejects.toThrow();
    const ok2 = await log.append(body('z'), {}, ['@store']);
    expect(seen).toEqual([ok1, ok2]);
    expect(log.lastSeq).toBe(ok2);
    await log.close();
  });
});
