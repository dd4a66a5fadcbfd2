// Throughput of the store's ingester worker (no HTTP): `npx tsx bench/store-ingest.ts [--smoke] [--records=N]`.
// N request records are appended to a write-ahead log first (not timed), then the store opens and its ingester
// replays them; timed is everything the worker does until all are written: decoding each body to call-path ids,
// the head, level-0 flushes with the checkpoint, and compaction of the windows that closed. Baseline in the same
// run: the pre-worker path's work for the same bodies, i.e. decode each body to trees on this thread and put()
// the trees into the store (one put per series).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FakeClock } from '../src/lib/clock.js';
import { createDecoders } from '../src/ingest/formats/index.js';
import { parseIngestRequest } from '../src/ingest/request.js';
import { createIngester } from '../src/store/ingester.js';
import { createLmdbStore } from '../src/store/lmdb-store.js';
import { createBacklog, entryMeta, STORE_CONSUMER } from '../src/store/log/index.js';
import { foldedProfile, multipartProfile, readFixture, stackSet } from './lib/bodies.js';

const T0 = 1_700_000_000_000; // aligned to 10^5 s
const DECODER = new URL(`../src/ingest/wal-decoder${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

interface Body {
  name: string;
  query: (i: number) => Record<string, string>;
  contentType: string | undefined;
  body: (i: number) => Buffer;
}

const window = (i: number) => ({ from: String(T0 / 1000 + Math.floor(i / 4) * 10), until: String(T0 / 1000 + Math.floor(i / 4) * 10 + 10) });

function bodies(): Body[] {
  const stacks = stackSet();
  const folded = Array.from({ length: 16 }, (_, i) => foldedProfile(stacks, i));
  const go = multipartProfile(readFixture('go-cpu.pb.gz'));
  return [
    {
      name: `folded, 200 stacks (${(folded[0].length / 1024).toFixed(0)} KB)`,
      query: (i) => ({ name: `bench.folded.cpu{env=bench,host=h${i % 4}}`, ...window(i), spyName: 'pyspy' }),
      contentType: 'text/plain',
      body: (i) => folded[i % folded.length],
    },
    {
      name: `Go CPU pprof, 13 label sets, multipart (${(go.body.length / 1024).toFixed(0)} KB)`,
      query: (i) => ({ name: `bench.go{env=bench,host=h${i % 4}}`, ...window(i), spyName: 'gospy' }),
      contentType: go.contentType,
      body: () => go.body,
    },
  ];
}

const clockAfter = (records: number) => new FakeClock(T0 + Math.ceil(records / 4) * 10_000 + 10_000);

async function viaIngester(b: Body, records: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'pyrelay-ingest-bench-'));
  const clock = clockAfter(records);
  const log0 = await createBacklog({ path: join(dir, 'log'), targets: [STORE_CONSUMER], clock, maxBytesPerTarget: {}, checkpoints: { [STORE_CONSUMER]: 0 } });
  for (let i = 0; i < records; i++) {
    const query = b.query(i);
    const request = parseIngestRequest(query, { contentType: b.contentType }, clock.now());
    await log0.append(b.body(i), entryMeta({ contentType: b.contentType, format: request.format, request, rawQuery: query, profileId: '' }), [STORE_CONSUMER]);
  }
  await log0.close();
  const store = await createLmdbStore({ path: join(dir, 'store'), clock, retentionMs: 0, maxNodesPerTree: 2048, decoderModule: DECODER });
  const log = await createBacklog({ path: join(dir, 'log'), targets: [STORE_CONSUMER], clock, maxBytesPerTarget: {}, checkpoints: { [STORE_CONSUMER]: 0 } });
  const ingester = createIngester({ store, log });
  const t0 = performance.now();
  await ingester.start();
  await store.settle();
  const sec = (performance.now() - t0) / 1000;
  if (store.stats().records !== records || store.stats().recordsFailed !== 0) throw new Error(`applied ${JSON.stringify(store.stats())}`);
  ingester.stop();
  await store.close();
  await log.close();
  await rm(dir, { recursive: true, force: true });
  return records / sec;
}

async function viaTrees(b: Body, records: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'pyrelay-ingest-bench-'));
  const clock = clockAfter(records);
  const store = await createLmdbStore({ path: join(dir, 'store'), clock, retentionMs: 0, maxNodesPerTree: 2048 });
  const decoders = createDecoders({ clock, onCumulativeSkipped: () => {} });
  const limits = { maxDecompressedBytes: 1 << 30, maxSeriesPerRequest: 100_000, maxLabelsPerSeries: 64 };
  const t0 = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < records; i++) {
    const query = b.query(i);
    const r = parseIngestRequest(query, { contentType: b.contentType }, clock.now());
    const profiles = decoders[r.format]({
      body: b.body(i),
      contentType: b.contentType,
      key: r.key,
      spyName: r.spyName,
      sampleRate: r.sampleRate,
      sampleRateGiven: r.sampleRateGiven,
      units: r.units,
      aggregation: r.aggregation,
      limits,
    });
    for (const p of profiles) inFlight.push(store.put({ ...p, startMs: r.from.ms, endMs: Math.max(r.until.ms, r.from.ms) }));
    if (inFlight.length >= 64) await Promise.all(inFlight.splice(0));
  }
  await Promise.all(inFlight);
  await store.settle();
  const sec = (performance.now() - t0) / 1000;
  await store.close();
  await rm(dir, { recursive: true, force: true });
  return records / sec;
}

export interface IngestRow {
  name: string;
  ours: number;
  baseline: number;
  ratio: number;
  unit: string;
}

export async function run({ smoke = false, records, only }: { smoke?: boolean; records?: number; only?: string } = {}): Promise<IngestRow[]> {
  const rows: IngestRow[] = [];
  for (const b of bodies().filter((x) => only === undefined || x.name.toLowerCase().startsWith(only))) {
    const n = records ?? (smoke ? 40 : b.name.startsWith('Go') ? 600 : 2000);
    const ours = await viaIngester(b, n);
    const base = await viaTrees(b, n);
    console.log(
      `${b.name.padEnd(52)} ingester ${ours.toFixed(0).padStart(6)} profiles/s   decode-to-tree + put ${base.toFixed(0).padStart(6)} profiles/s   ${(ours / base).toFixed(2)}x  (${n} records)`,
    );
    rows.push({ name: `store ingester, ${b.name}`, ours, baseline: base, ratio: ours / base, unit: 'profiles/s' });
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = process.argv.find((a) => a.startsWith('--records='));
  const only = process.argv.find((a) => a.startsWith('--only='));
  await run({ smoke: process.argv.includes('--smoke'), ...(arg ? { records: Number(arg.slice(10)) } : {}), ...(only ? { only: only.slice(7) } : {}) });
}
