// The store ingester streams pprof samples as location stacks straight to call-path ids (wal-decoder.ts,
// engine.ts) instead of decoding to a Tree per series and flattening it. What the store answers must not
// change: the real fixtures (and a hand-made profile with the edge cases) go through both paths, and every
// select (whole app, each series, before and after the head is flushed and compacted) must be identical.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDecoders } from '../../../src/ingest/formats/index.js';
import type { IngestRequest } from '../../../src/ingest/request.js';
import { decodeRecord } from '../../../src/ingest/wal-decoder.js';
import { FakeClock } from '../../../src/lib/clock.js';
import type { RecordDecoder } from '../../../src/model/profile-sink.js';
import type { Tree } from '../../../src/model/tree.js';
import { createEngine, type Engine } from '../../../src/store/engine.js';
import { entryFromRecord } from '../../../src/store/log/entry.js';
import { storedAppName } from '../../../src/store/tenant-stores.js';
import { DEFAULT_TENANT } from '../../../src/model/tenant.js';
import { buildMultipart } from '../../helpers/multipart.js';
import { buildPprof } from '../../helpers/push.js';
import { ingestMeta } from './ingest-helpers.js';

const T0 = 1_700_000_000_000;
const fixture = (f: string) => readFileSync(new URL(`../../fixtures/pprof/${f}`, import.meta.url));

/** The path every pprof record took before streaming: decode to trees, hand each tree to the sink. */
function treeDecoder(): RecordDecoder {
  const decoders = createDecoders({ clock: new FakeClock(T0), onCumulativeSkipped: () => {} });
  return (meta, payload, sink) => {
    const { body, contentType, format, request } = entryFromRecord<IngestRequest>(meta, payload);
    expect(format).toBe('pprof');
    const startMs = request.from.ms;
    const endMs = Math.max(request.until.ms, startMs);
    const profiles = decoders.pprof({
      body,
      contentType,
      key: request.key,
      spyName: request.spyName,
      sampleRate: request.sampleRate,
      sampleRateGiven: request.sampleRateGiven,
      units: request.units,
      aggregation: request.aggregation,
      limits: { maxDecompressedBytes: 1 << 30, maxSeriesPerRequest: 10_000_000, maxLabelsPerSeries: 10_000 },
    });
    for (const p of profiles)
      sink.series({ key: { ...p.key, appName: storedAppName(request.storageTenant ?? DEFAULT_TENANT, p.key.appName) }, metadata: p.metadata, startMs, endMs }).tree(p.tree);
  };
}

interface Upload {
  name: string;
  body: Uint8Array;
  contentType?: string;
  spyName?: string;
}

function uploads(): Upload[] {
  const heap = buildMultipart([
    { name: 'profile', data: fixture('go-heap-cur.pb.gz'), filename: 'profile.pprof' },
    { name: 'prev_profile', data: fixture('go-heap-prev.pb.gz'), filename: 'profile.pprof' },
  ]);
  const cpu = buildMultipart([{ name: 'profile', data: fixture('go-cpu.pb.gz'), filename: 'profile.pprof' }]);
  // Empty stacks, nameless frames (a location that expands to nothing), exemplars and labels.
  const edges = buildPprof({
    sampleTypes: [
      ['samples', 'count'],
      ['cpu', 'nanoseconds'],
    ],
    samples: [
      { stack: [], values: [3, 30] },
      { stack: [''], values: [2, 20] },
      { stack: ['main', '', 'work'], values: [5, 50], labels: { profile_id: 'p1', span: 's' } },
      { stack: ['main', 'work'], values: [7, 70], labels: { span: 's' } },
      { stack: ['main', 'work', 'leaf'], values: [0, 9] },
      { stack: ['main', 'work', 'leaf'], values: [1, 10], labels: { profile_id: 'p2' } },
    ],
  });
  return [
    { name: 'gocpu{env=a}', ...cpu },
    { name: 'pycpu{env=a}', ...cpu, spyName: 'pyspy' }, // file:line frames
    { name: 'goheap{env=a}', ...heap },
    { name: 'gorawheap{env=a}', body: fixture('go-heap.pb') }, // cumulative without prev: baseline, then delta
    { name: 'nodewall{env=a}', body: fixture('node-wall.pb.gz'), spyName: 'nodespy' },
    { name: 'nodeheap{env=a}', body: fixture('node-heap.pb.gz'), spyName: 'nodespy' },
    { name: 'edge{env=a}', body: edges },
  ];
}

const stacksOf = (t: Tree) => [...t.stacks()].map((s) => `${s.frames.join(';')} ${s.value}`).sort();

async function answers(engine: Engine, nowMs: number) {
  const range = { startMs: T0 - 60_000, endMs: T0 + 600_000 };
  const out: Record<string, unknown> = {};
  for (const { name } of await engine.apps()) {
    const selectors = [{ appName: name, matchers: [] as { name: string; op: '='; value: string }[] }];
    for (const label of await engine.labelNames({ appName: name, matchers: [] }, range)) {
      if (label === '__name__') continue;
      for (const value of await engine.labelValues(label, { appName: name, matchers: [] }, range)) {
        selectors.push({ appName: name, matchers: [{ name: label, op: '=', value }] });
      }
    }
    for (const sel of selectors) {
      const r = await engine.select(sel, range, nowMs);
      out[`${name} ${JSON.stringify(sel.matchers)}`] = { total: r.tree.total, stacks: stacksOf(r.tree), metadata: r.metadata, timeline: r.timeline };
    }
  }
  return out;
}

describe('pprof records streamed to path ids', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  const open = async (decode: RecordDecoder, logs: unknown[] = []) => {
    const dir = await mkdtemp(join(tmpdir(), 'pyrelay-pprof-stream-'));
    dirs.push(dir);
    const opts = {
      path: dir,
      retentionMs: 0,
      maxNodesPerTree: 2048,
      maxLevel: 6,
      maxBatch: 64,
      batchWindowMs: 1,
      maxWriteSpanMs: 86_400_000,
      anchoredRegex: false,
      flushIntervalMs: 3_600_000,
      maxHeadEntries: 10_000_000,
      stackCacheEntries: 1000,
    };
    return createEngine(opts, { log: (_l, obj) => logs.push(obj), checkpoint: () => {}, reset: () => {} }, decode);
  };

  it('stores exactly what decoding to trees stored, for the real fixtures', async () => {
    const logs: unknown[] = [];
    const streamed = await open(decodeRecord, logs);
    const trees = await open(treeDecoder());
    const nowMs = T0 + 3_600_000;
    let seq = 0;
    // Three rounds in overlapping windows: raw cumulative uploads become a baseline first, then a delta.
    for (let round = 0; round < 3; round++) {
      for (const u of uploads()) {
        const from = T0 / 1000 + round * 10 + (round === 2 ? 5 : 0); // the last round straddles two 10 s nodes
        const query = { name: u.name, from: String(from), until: String(from + 10), spyName: u.spyName ?? 'gospy', format: 'pprof' };
        const record = { seq: ++seq, meta: ingestMeta(query, u.contentType, T0), payload: u.body };
        streamed.records([record], 0, nowMs);
        trees.records([record], 0, nowMs);
      }
    }
    expect(logs).toEqual([]);
    expect(streamed.stats().recordsFailed).toBe(0);
    expect(trees.stats().recordsFailed).toBe(0);
    expect(streamed.stats().headEntries).toBe(trees.stats().headEntries);

    const before = await answers(streamed, nowMs);
    expect(Object.keys(before).length).toBeGreaterThan(20);
    expect(before).toEqual(await answers(trees, nowMs));
    // The edge cases reached the store: the root's own value (empty stacks, nameless frames) and the exemplars'
    // base series (profile_id p1's 5 in span=s, p2's 1 in the unlabelled series), three rounds each.
    const edge = before['edge.cpu []'] as { total: number; stacks: string[] };
    expect(edge.stacks).toEqual([' 15', 'main;work 51', 'main;work;leaf 6']);
    expect(edge.total).toBe(3 * (18 + 5 + 1));

    // Flushed, compacted and truncated to maxNodesPerTree: still the same.
    await streamed.settle(nowMs);
    await trees.settle(nowMs);
    const after = await answers(streamed, nowMs);
    expect(after).toEqual(await answers(trees, nowMs));
    // (Truncation did run: compacted nodes fold small subtrees into `other`.)
    expect(JSON.stringify(after)).toContain(';other ');
    expect(JSON.stringify(before)).not.toContain(';other ');
    await streamed.close();
    await trees.close();
  });
});
