// The ingest sequence on its own: remote write before the store, and the dedup claim committed only after
// both succeeded, aborted when either failed, so a copy that arrives meanwhile waits for the outcome.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createDedupWindow } from '../../../src/ingest/dedup.js';
import { createIngestMetrics } from '../../../src/ingest/metrics.js';
import { createIngestPipeline, type IngestInput } from '../../../src/ingest/pipeline.js';
import { parseIngestRequest } from '../../../src/ingest/request.js';
import { FakeClock } from '../../../src/lib/clock.js';
import { createLogger } from '../../../src/lib/logger.js';
import { PyrelayError } from '../../../src/model/errors.js';
import type { ForwardItem, RemoteWrite } from '../../../src/model/forward.js';
import type { FormatId, ProfileDecoder } from '../../../src/model/profile.js';
import { Tree } from '../../../src/model/tree.js';
import type { ProfileStore } from '../../../src/store/types.js';
import { createMemoryStore } from '../../helpers/memory-store.js';
import { registryValue } from '../../helpers/registry.js';
import { TEST_LIMITS } from '../../helpers/decode-input.js';

const NOW = 1_700_000_000_000;

/** A promise settled from outside, to hold a store write or an offer open. */
function gate() {
  let open!: () => void;
  let fail!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => ((open = res), (fail = rej)));
  return { promise, open, fail };
}

function rig(o: { put?: () => Promise<void>; offer?: () => Promise<void> } = {}) {
  const clock = new FakeClock(NOW);
  const registry = new Registry();
  const events: string[] = [];
  const memory = createMemoryStore();
  const store: ProfileStore = {
    ...memory,
    async put(p) {
      events.push('store');
      await o.put?.();
      await memory.put(p);
    },
  };
  const offered: ForwardItem[] = [];
  const remoteWrite: RemoteWrite = {
    async offer(item) {
      events.push('offer');
      await o.offer?.();
      offered.push(item);
    },
    stop: async () => {},
  };
  const decode: ProfileDecoder = () => [
    { key: { appName: 'app.cpu', labels: {} }, tree: Tree.fromStacks([[['a'], 1]]), metadata: { spyName: 'gospy', sampleRate: 100, units: 'samples', aggregation: 'sum' } },
  ];
  const pipeline = createIngestPipeline({
    decoders: new Proxy({}, { get: () => decode }) as Record<FormatId, ProfileDecoder>, // every format decodes alike here
    store,
    remoteWrite,
    dedup: createDedupWindow({ clock, windowMs: 600_000, maxEntries: 100 }),
    limits: TEST_LIMITS,
    metrics: createIngestMetrics(registry),
    clock,
    logger: createLogger('silent'),
  });
  const input = (profileId?: string): IngestInput => ({
    request: parseIngestRequest({ name: 'app.cpu', from: '1700000000', until: '1700000010' }, {}, NOW),
    body: Buffer.from('a 1\n'),
    rawQuery: {},
    profileId,
  });
  const duplicates = () => registryValue(registry, 'pyrelay_ingest_discarded_total', { reason: 'duplicate_profile_id' });
  return { pipeline, input, memory, offered, events, duplicates };
}

describe('ingest pipeline', () => {
  it('offers to remote write before it stores', async () => {
    const r = rig();
    expect(await r.pipeline.ingest(r.input())).toEqual({ stored: 1, forwarded: true, duplicate: false });
    expect(r.events).toEqual(['offer', 'store']);
  });

  it('a repeated upstream id is answered as a duplicate and neither stored nor forwarded again', async () => {
    const r = rig();
    await r.pipeline.ingest(r.input('up-1'));
    expect(await r.pipeline.ingest(r.input('up-1'))).toEqual({ stored: 0, forwarded: false, duplicate: true });
    expect(r.memory.profiles).toHaveLength(1);
    expect(r.offered.map((i) => i.profileId)).toEqual(['up-1']);
    expect(await r.duplicates()).toBe(1);
    // Without an upstream id nothing is deduplicated (a client retry is the client's business).
    await r.pipeline.ingest(r.input());
    await r.pipeline.ingest(r.input());
    expect(r.memory.profiles).toHaveLength(3);
  });

  it('a copy arriving while the first is still being stored waits, then is a duplicate once the first committed', async () => {
    const write = gate();
    let puts = 0;
    const r = rig({ put: () => (puts++ === 0 ? write.promise : Promise.resolve()) });
    const first = r.pipeline.ingest(r.input('up-2'));
    let secondDone = false;
    const second = r.pipeline.ingest(r.input('up-2')).then((res) => ((secondDone = true), res));
    await new Promise((res) => setImmediate(res));
    expect(secondDone).toBe(false); // not acknowledged before the first copy's outcome is known
    write.open();
    expect((await first).duplicate).toBe(false);
    expect(await second).toEqual({ stored: 0, forwarded: false, duplicate: true });
    expect(r.memory.profiles).toHaveLength(1);
  });

  it('a failed store aborts the claim: the waiting copy is then stored and forwarded', async () => {
    const write = gate();
    let puts = 0;
    const r = rig({ put: () => (puts++ === 0 ? write.promise : Promise.resolve()) });
    const first = r.pipeline.ingest(r.input('up-3'));
    const second = r.pipeline.ingest(r.input('up-3'));
    write.fail(new Error('disk gone'));
    await expect(first).rejects.toMatchObject({ code: 'storage_error' });
    expect(await second).toEqual({ stored: 1, forwarded: true, duplicate: false });
    expect(r.memory.profiles).toHaveLength(1);
    expect(await r.duplicates()).toBe(0);
  });

  it('a refused offer (backlog cannot persist) aborts the claim too, and nothing is stored', async () => {
    let offers = 0;
    const r = rig({
      offer: async () => {
        if (offers++ === 0) throw new PyrelayError('unavailable', 'backlog cannot persist');
      },
    });
    await expect(r.pipeline.ingest(r.input('up-4'))).rejects.toMatchObject({ code: 'unavailable' });
    expect(r.memory.profiles).toHaveLength(0);
    expect(await r.pipeline.ingest(r.input('up-4'))).toEqual({ stored: 1, forwarded: true, duplicate: false });
  });
});
