import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { crc32, crc32Js } from '../../../../src/store/log/crc32.js';
import { decodeRecord, encodeHeader, encodeRecord, recordSize } from '../../../../src/store/log/record.js';

describe('crc32', () => {
  it('matches the IEEE check value and chains', () => {
    const b = new TextEncoder().encode('123456789');
    expect(crc32(b)).toBe(0xcbf43926);
    expect(crc32(new Uint8Array())).toBe(0);
    expect(crc32(b.subarray(4), crc32(b.subarray(0, 4)))).toBe(0xcbf43926);
  });

  it('the portable slicing-by-8 version agrees with the native one at every length, offset and seed', () => {
    const data = randomBytes(300);
    for (let off = 0; off < 8; off++) {
      for (let n = 0; n + off <= data.length; n += 7) {
        const part = data.subarray(off, off + n);
        expect(crc32Js(part, n * 977)).toBe(crc32(part, n * 977));
      }
    }
    expect(crc32Js(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});

describe('record', () => {
  const payload = new Uint8Array([1, 2, 3, 250]);
  const rec = encodeRecord(encodeHeader(1234, ['a', 'b'], { name: 'app.cpu{}', n: 1 }), payload);

  it('round-trips', () => {
    const d = decodeRecord(rec);
    if (!d.ok) throw new Error(d.why);
    const { payload: got, ...rest } = d.record;
    expect(rest).toEqual({ enqueuedAtMs: 1234, targets: ['a', 'b'], meta: { name: 'app.cpu{}', n: 1 } });
    expect(Uint8Array.from(got)).toEqual(payload);
  });

  it('detects any flipped byte', () => {
    for (let i = 0; i < rec.length; i++) {
      const bad = Buffer.from(rec);
      bad[i] ^= 0x40;
      expect(decodeRecord(bad).ok, `byte ${i}`).toBe(false);
    }
  });

  it('detects truncation at every length', () => {
    for (let n = 0; n < rec.length; n++) expect(decodeRecord(rec.subarray(0, n)).ok, `length ${n}`).toBe(false);
  });

  it('says why', () => {
    expect(decodeRecord(new Uint8Array(3))).toEqual({ ok: false, why: 'truncated: 3 bytes, need at least 9' });
    const bad = Buffer.from(rec);
    bad[bad.length - 1] ^= 1;
    const d = decodeRecord(bad);
    expect(!d.ok && d.why).toMatch(/checksum mismatch/);
  });
});

describe('record buffer pool', () => {
  it('reuses released buffers of the same size class, never hands out one twice, leaves small ones alone', async () => {
    const { createBufferPool } = await import('../../../../src/store/log/buffer-pool.js');
    const pool = createBufferPool(2);
    const a = pool.acquire(100_000);
    const b = pool.acquire(120_000);
    expect([a.length, b.length]).toEqual([131072, 131072]);
    expect(a).not.toBe(b);
    pool.release(a);
    pool.release(a); // twice: kept once
    expect(pool.free).toBe(1);
    expect(pool.acquire(70_000)).toBe(a);
    expect(pool.acquire(70_000)).not.toBe(a);
    pool.release(b);
    pool.release(pool.acquire(200_000)); // another class
    pool.release(Buffer.alloc(131072).subarray(1)); // not a pool buffer
    expect(pool.free).toBe(2);
    const small = pool.acquire(1000);
    expect(small.length).toBe(1000);
    pool.release(small);
    expect(pool.free).toBe(2);
  });

  it('encodes into a pooled buffer exactly as into a fresh one', () => {
    const header = encodeHeader(5, ['a'], { n: 1 });
    const payload = new Uint8Array(70_000).fill(7);
    const into = Buffer.alloc(131072, 0xee);
    const pooled = encodeRecord(header, payload, into);
    expect(pooled.length).toBe(recordSize(header, payload));
    expect(Buffer.compare(pooled, encodeRecord(header, payload))).toBe(0);
    const d = decodeRecord(pooled);
    expect(d.ok && d.record.payload.length).toBe(70_000);
  });
});
