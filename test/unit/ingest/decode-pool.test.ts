// The decode pool validates bodies in worker threads: typed errors come back as such, the node budget stops
// a body with too many distinct stacks, a body that needs more heap than a worker has gets a 422 and the
// pool keeps working, and the event loop stays mostly idle while a large body is decoded.
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/lib/clock.js';
import { createLogger } from '../../../src/lib/logger.js';
import { createDecodePool, type DecodePool } from '../../../src/ingest/decode-pool.js';
import { createDecoders } from '../../../src/ingest/formats/index.js';
import type { ValidateTask } from '../../../src/ingest/validate.js';
import { profileIdFrom, profileIdOf, profileIdPrefix } from '../../../src/ingest/profile-id.js';
import { isPyrelayError } from '../../../src/model/errors.js';

const task = (over: Partial<ValidateTask> = {}): ValidateTask => ({
  contentEncoding: undefined,
  contentType: undefined,
  format: 'groups',
  key: { appName: 'app.cpu', labels: {} },
  spyName: 'gospy',
  sampleRate: 100,
  sampleRateGiven: true,
  units: 'samples',
  aggregation: 'sum',
  ...over,
});

const distinctStacks = (n: number) => {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(`main;work;f${i} 1`);
  return Buffer.from(lines.join('\n'));
};

const pools: DecodePool[] = [];
const pool = async (over: { maxNodes?: number; heapMb?: number; size?: number; inline?: number } = {}) => {
  const p = createDecodePool({
    limits: { maxDecompressedBytes: 64 << 20, maxSeriesPerRequest: 100, maxLabelsPerSeries: 64, maxNodesPerRequest: over.maxNodes ?? 1000 },
    size: over.size ?? 1,
    heapBytes: (over.heapMb ?? 64) << 20,
    inlineMaxBytes: over.inline ?? 0,
    decoders: createDecoders({ clock: new FakeClock(), onCumulativeSkipped: () => {} }),
    logger: createLogger('silent'),
  });
  pools.push(p);
  await p.ready();
  return p;
};

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

const rejection = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
};

describe('decode pool', () => {
  it('reuses its shared buffer: each body is read at its own length, after bigger and smaller ones, even past the first buffer size', async () => {
    const p = await pool({ size: 1, maxNodes: 100_000 });
    // 70,000 stacks (1.4 MB) outgrow the first buffer (1 MiB); the small ones after it must not see its tail.
    for (const n of [5, 3, 70_000, 2, 7, 1]) {
      const v = await p.validate(task(), distinctStacks(n));
      expect([v.series, v.nodes]).toEqual([1, n]);
    }
    // A body ending mid-line in the old buffer's data would be a different profile: the text is exactly what was sent.
    const e = await rejection(p.validate(task(), Buffer.from('main;f 1\nmain;g notanumber')));
    expect(isPyrelayError(e) && e.message).toMatch(/line 2/);
  });

  it('hashes the profile id with the validated body when asked (the same id as on the event loop), inline and in a worker', async () => {
    const prefix = profileIdPrefix({ tenant: 't', name: 'app.cpu{}', from: '1', until: '2', format: 'groups' });
    const body = distinctStacks(3);
    for (const p of [await pool({ size: 1 }), await pool({ size: 1, inline: 1 << 20 })]) {
      expect((await p.validate(task({ profileIdPrefix: prefix }), body)).profileId).toBe(
        profileIdOf({ tenant: 't', name: 'app.cpu{}', from: '1', until: '2', format: 'groups', body }),
      );
      expect((await p.validate(task(), body)).profileId).toBeUndefined();
    }
    // gzip: the id is of the body after Content-Encoding, so the same profile sent both ways gets one id.
    const worker = await pool({ size: 1 });
    const gz = await worker.validate(task({ profileIdPrefix: prefix, contentEncoding: 'gzip' }), gzipSync(body));
    expect(gz.profileId).toBe(profileIdFrom(prefix, body));
  });

  it('validates in a worker: series counted, nodes charged, a gzip body comes back inflated', async () => {
    const p = await pool();
    const plain = Buffer.from('a;b 1\na;c 2\n');
    const v = await p.validate(task(), plain);
    expect(v.series).toBe(1);
    expect(v.nodes).toBe(2); // validate-only folded charges distinct stacks
    const z = await p.validate(task({ contentEncoding: 'gzip' }), gzipSync(plain));
    expect(Buffer.from(z.body).toString()).toBe(plain.toString());
  });

  it('a malformed body is the decoder’s typed 422, naming the line', async () => {
    const p = await pool();
    const e = await rejection(p.validate(task(), Buffer.from('a;b 1\na;b x\n')));
    expect(isPyrelayError(e) && e.status).toBe(422);
    expect((e as Error).message).toMatch(/line 2/);
  });

  it('stops at max-nodes-per-request while decoding, in every tree-building format too', async () => {
    const p = await pool({ maxNodes: 1000 });
    expect((await p.validate(task(), distinctStacks(1000))).nodes).toBe(1000);
    const e = await rejection(p.validate(task(), distinctStacks(1001)));
    expect(isPyrelayError(e) && e.code).toBe('too_many_nodes');
    expect(isPyrelayError(e) && e.status).toBe(422);
    expect((e as Error).message).toMatch(/more than 1000 distinct call-tree nodes.*max-nodes-per-request/);
    // `lines` builds a tree: its distinct lines are charged before any tree exists.
    const lines = Buffer.from(Array.from({ length: 1001 }, (_, i) => `x;y${i}`).join('\n'));
    expect(isPyrelayError(await rejection(p.validate(task({ format: 'lines' }), lines)))).toBe(true);
  });

  it('a body needing more heap than the worker has gets a 422; the worker is replaced and the pool keeps serving', async () => {
    const p = await pool({ heapMb: 16, maxNodes: 50_000_000 });
    // 200,000 distinct stacks and a 16-digit count (valid, but past the byte scan, so the text path decides): its
    // Set of stack strings outgrows a 16 MiB heap.
    const e = await rejection(p.validate(task(), Buffer.concat([distinctStacks(200_000), Buffer.from('\nlast 1234567890123456\n')])));
    expect(isPyrelayError(e) && e.code).toBe('too_many_nodes');
    expect((e as Error).message).toMatch(/16 MiB heap/);
    expect((await p.validate(task(), Buffer.from('a;b 1\n'))).series).toBe(1);
    // A text body whose string alone would not fit is refused before decoding (V8 cannot survive that one).
    const big = await rejection(p.validate(task(), distinctStacks(300_000)));
    expect(isPyrelayError(big) && big.status).toBe(413);
    expect((big as Error).message).toMatch(/more than a decode worker takes \(4194304 bytes/);
  });

  it('a large body is validated off the event loop: the loop stays mostly idle meanwhile', async () => {
    const p = await pool({ maxNodes: 10_000_000, heapMb: 512 });
    const body = distinctStacks(800_000);
    // Event-loop utilization, not wall-clock gaps: a shared, loaded machine stretches gaps but not the idle share.
    const before = performance.eventLoopUtilization();
    const t0 = performance.now();
    await p.validate(task(), body);
    const took = performance.now() - t0;
    const elu = performance.eventLoopUtilization(before);
    expect(took).toBeGreaterThan(100); // the work was real
    // Decoding inline would keep the loop busy for the whole time (utilization near 1).
    expect(elu.utilization).toBeLessThan(0.5);
  });
});
