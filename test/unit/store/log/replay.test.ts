// The replay plan on its own: every crash leftover the backlog can find on disk, without lmdb.
import { describe, expect, it } from 'vitest';
import { encodeHeader, encodeRecord } from '../../../../src/store/log/record.js';
import { planReplay } from '../../../../src/store/log/replay.js';

const rec = (at: number, targets: string[], payload = 'abc') => encodeRecord(encodeHeader(at, targets, {}), Buffer.from(payload));

describe('planReplay', () => {
  it('rebuilds each target pending items oldest first, minus what its done marker says it finished', () => {
    const plan = planReplay({
      targets: ['a', 'b'],
      doneKeys: [['a', 1]],
      payloads: [
        { key: 1, value: rec(10, ['a', 'b'], 'one') },
        { key: 2, value: rec(20, ['a'], 'second') },
      ],
      reservedSeq: undefined,
    });
    expect(plan.pending.get('a')).toEqual([{ seq: 2, bytes: 6, enqueuedAtMs: 20 }]);
    expect(plan.pending.get('b')).toEqual([{ seq: 1, bytes: 3, enqueuedAtMs: 10 }]);
    expect(plan.records.get(1)).toEqual({ pendingFor: ['b'], targets: ['a', 'b'], marked: ['a'] });
    expect(plan.nextSeq).toBe(3);
    expect(plan.removeRecords).toEqual([]);
    expect(plan.removeDoneKeys).toEqual([]);
  });

  it('deletes records every target finished (crash between the last ack and the delete) and counts targets no longer configured', () => {
    const plan = planReplay({
      targets: ['a'],
      doneKeys: [['a', 1]],
      payloads: [
        { key: 1, value: rec(10, ['a']) },
        { key: 2, value: rec(10, ['gone']) },
      ],
      reservedSeq: undefined,
    });
    expect(plan.pending.get('a')).toEqual([]);
    expect(plan.removeRecords).toEqual([
      { seq: 1, targets: ['a'] },
      { seq: 2, targets: ['gone'] },
    ]);
    expect(plan.forgotten).toBe(1);
  });

  it('skips corrupted records and bad keys, and removes markers whose record is gone', () => {
    const torn = rec(10, ['a']).subarray(0, 12);
    const flipped = Buffer.from(rec(10, ['a']));
    flipped[flipped.length - 1] ^= 0xff;
    const plan = planReplay({
      targets: ['a'],
      doneKeys: [['a', 3], ['a', 9], 'garbage'],
      payloads: [
        { key: 'x', value: rec(10, ['a']) },
        { key: 3, value: torn },
        { key: 4, value: flipped },
        { key: 5, value: 'not bytes' },
      ],
      reservedSeq: undefined,
    });
    expect(plan.corrupt.map((c) => c.seq)).toEqual(['x', 3, 4, 5]);
    expect(plan.removePayloadKeys).toEqual(['x']);
    expect(plan.removeRecords).toEqual([
      { seq: 3, targets: ['a'] },
      { seq: 4, targets: [] },
      { seq: 5, targets: [] },
    ]);
    expect(plan.removeDoneKeys).toEqual(['garbage', ['a', 9]]);
    expect(plan.pending.get('a')).toEqual([]);
    expect(plan.nextSeq).toBe(10);
  });

  it('never reuses a sequence number below the reserved watermark, even with an empty backlog', () => {
    expect(planReplay({ targets: ['a'], doneKeys: [], payloads: [], reservedSeq: 65_537 }).nextSeq).toBe(65_537);
    expect(planReplay({ targets: ['a'], doneKeys: [], payloads: [{ key: 70_000, value: rec(1, ['a']) }], reservedSeq: 65_537 }).nextSeq).toBe(70_001);
    expect(planReplay({ targets: ['a'], doneKeys: [], payloads: [], reservedSeq: 'bad' }).nextSeq).toBe(1);
  });
});
