import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { maybeGunzip } from '../../../src/ingest/gzip.js';

const bytes = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * seed + (i >> 7)) & 0xff));

describe('maybeGunzip', () => {
  it('inflates whatever the trailer hints: sizes around one chunk, and multi-member files', () => {
    for (const n of [0, 1, 16 * 1024, 16 * 1024 + 1, 120_000, 5 * 1024 * 1024]) {
      const raw = bytes(n, 31);
      expect(Buffer.from(maybeGunzip(gzipSync(raw), 1 << 30, 'test')).equals(raw)).toBe(true);
    }
    // Two members: the trailer names only the last (10 bytes), the output is both.
    const a = bytes(300_000, 7);
    const b = bytes(10, 3);
    const out = maybeGunzip(Buffer.concat([gzipSync(a), gzipSync(b)]), 1 << 30, 'test');
    expect(Buffer.from(out).equals(Buffer.concat([a, b]))).toBe(true);
  });

  it('still stops at the limit, below the size the trailer announces', () => {
    const bomb = gzipSync(Buffer.alloc(3_000_000));
    expect(() => maybeGunzip(bomb, 100_000, 'pprof profile')).toThrow(/pprof profile: gzip content exceeds the decompressed limit of 100000 bytes/);
    expect(maybeGunzip(bomb, 3_000_000, 'pprof profile').length).toBe(3_000_000);
  });

  it('returns bytes without the gzip magic unchanged', () => {
    const raw = Buffer.from('not gzip');
    expect(maybeGunzip(raw, 10, 'x')).toBe(raw);
  });
});
