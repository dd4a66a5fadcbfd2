// Micro-benchmark of the lmdb store's write path with realistic profiles (no HTTP): `npx tsx bench/store-write.ts [--smoke] [--puts=N]`.
// Scenarios: (a) one series, consecutive 10 s profiles, one put at a time; (b) 50 series of one app round-robin;
// (c, d) 8 and 16 puts in flight at once, as the HTTP server issues them (--batch-window=MS sets the store's gather window). Prints puts/s, p50/p99 put latency, bytes on
// disk per put and the gzip size of the equivalent folded text, and exports `run()` for the bench runner.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { FakeClock } from '../src/lib/clock.js';
import type { TimedProfile } from '../src/model/profile.js';
import { Tree } from '../src/model/tree.js';
import { createLmdbStore } from '../src/store/lmdb-store.js';
import { prng } from './lib/prng.js';

export interface StoreWriteRow {
  name: string;
  ours: number;
  baseline: number;
  ratio: number;
  unit: string;
}

const T0 = 1_700_000_000_000; // aligned to 10^5 s

/** ~200 stacks of depth 10-30 over a few hundred distinct frames, sharing prefixes like real call trees. */
export function appStacks(n = 200, frames = 400, seed = 7): string[][] {
  const r = prng(seed);
  const pkgs = ['net/http', 'runtime', 'encoding/json', 'github.com/acme/shop/api', 'github.com/acme/shop/db', 'database/sql', 'sync'];
  const names = Array.from({ length: frames }, (_, i) => `${pkgs[i % pkgs.length]}.(*T${i % 13}).fn${i}`);
  const stacks: string[][] = [];
  const seen = new Set<string>();
  while (stacks.length < n) {
    const base = stacks.length > 0 && r() < 0.85 ? stacks[Math.floor(r() * stacks.length)] : ['runtime.goexit', 'main.main'];
    const depth = 10 + Math.floor(r() * 21);
    const s = base.slice(0, Math.max(1, Math.floor(r() * Math.min(base.length, depth))));
    while (s.length < depth) s.push(names[Math.floor(r() * names.length)]);
    const key = s.join(';');
    if (!seen.has(key)) {
      seen.add(key);
      stacks.push(s);
    }
  }
  return stacks;
}

/** One profile's values (1-100 per stack), deterministic in `seed`. */
const values = (count: number, seed: number) => {
  const r = prng(seed * 7919 + 13);
  return Array.from({ length: count }, () => 1 + Math.floor(r() * 100));
};

interface Workload {
  trees: Tree[];
  gzipBytes: number;
}

/** A pool of distinct trees (built once, outside the timed part) and the mean gzip size of their folded text. */
function workload(stacks: string[][], variants: number): Workload {
  const trees: Tree[] = [];
  let gz = 0;
  for (let v = 0; v < variants; v++) {
    const vals = values(stacks.length, v);
    trees.push(Tree.fromStacks(stacks.map((s, i) => [s, vals[i]] as const)));
    gz += gzipSync(stacks.map((s, i) => `${s.join(';')} ${vals[i]}`).join('\n') + '\n').length;
  }
  return { trees, gzipBytes: gz / variants };
}

async function diskBytes(dir: string): Promise<number> {
  let n = 0;
  for (const f of await readdir(dir)) n += (await stat(join(dir, f))).blocks * 512;
  return n;
}

interface Result {
  scenario: string;
  puts: number;
  putsPerSec: number;
  p50: number;
  p99: number;
  bytesPerPut: number;
  gzipBytes: number;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

async function scenario(name: string, opts: { puts: number; series: number; inFlight: number; w: Workload; batchWindowMs?: number }): Promise<Result> {
  const dir = await mkdtemp(join(tmpdir(), 'pyrelay-store-bench-'));
  const store = await createLmdbStore({
    path: dir,
    clock: new FakeClock(T0 + 400 * 86_400_000),
    retentionMs: 0,
    maxNodesPerTree: 2048,
    ...(opts.batchWindowMs !== undefined ? { batchWindowMs: opts.batchWindowMs } : {}),
  });
  const lat: number[] = [];
  const meta = { spyName: 'gospy', sampleRate: 100, units: 'samples', aggregation: 'sum' as const };
  let next = 0;
  const one = async (i: number) => {
    const series = i % opts.series;
    const step = Math.floor(i / opts.series);
    const p: TimedProfile = {
      key: { appName: 'bench.cpu', labels: { host: `h${series}`, env: 'bench' } },
      tree: opts.w.trees[i % opts.w.trees.length],
      metadata: meta,
      startMs: T0 + step * 10_000,
      endMs: T0 + step * 10_000 + 10_000,
    };
    const t = performance.now();
    await store.put(p);
    lat.push(performance.now() - t);
  };
  const worker = async () => {
    for (let i = next++; i < opts.puts; i = next++) await one(i);
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: opts.inFlight }, worker));
  const sec = (performance.now() - t0) / 1000;
  await store.close();
  const bytes = await diskBytes(dir);
  await rm(dir, { recursive: true, force: true });
  lat.sort((a, b) => a - b);
  return { scenario: name, puts: opts.puts, putsPerSec: opts.puts / sec, p50: pct(lat, 50), p99: pct(lat, 99), bytesPerPut: bytes / opts.puts, gzipBytes: opts.w.gzipBytes };
}

/** Runs the three scenarios; `baseline` of a puts/s row is the 2,000 puts/s target, of a bytes row the gzip size. */
export async function run({ smoke = false, puts, batchWindowMs }: { smoke?: boolean; puts?: number; batchWindowMs?: number } = {}): Promise<StoreWriteRow[]> {
  puts ??= smoke ? 60 : 3000;
  const w = workload(appStacks(), smoke ? 4 : 32);
  const results = [
    await scenario('a: 1 series, sequential', { puts, series: 1, inFlight: 1, w }),
    await scenario('b: 50 series round-robin, sequential', { puts, series: 50, inFlight: 1, w }),
    await scenario('c: 50 series, 8 in flight', { puts, series: 50, inFlight: 8, w, batchWindowMs }),
    await scenario('d: 50 series, 16 in flight', { puts, series: 50, inFlight: 16, w, batchWindowMs }),
  ];
  const rows: StoreWriteRow[] = [];
  for (const r of results) {
    console.log(
      `${r.scenario.padEnd(40)} ${r.putsPerSec.toFixed(0).padStart(6)} puts/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  ` +
        `disk ${r.bytesPerPut.toFixed(0)} B/put  gzip ${r.gzipBytes.toFixed(0)} B/profile  (${r.puts} puts)`,
    );
    rows.push({ name: `${r.scenario} puts/s`, ours: r.putsPerSec, baseline: 2000, ratio: r.putsPerSec / 2000, unit: 'puts/s' });
    rows.push({ name: `${r.scenario} disk/put`, ours: r.bytesPerPut, baseline: r.gzipBytes, ratio: r.bytesPerPut / r.gzipBytes, unit: 'bytes' });
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const putsArg = process.argv.find((a) => a.startsWith('--puts='));
  const windowArg = process.argv.find((a) => a.startsWith('--batch-window='));
  const rows = await run({
    smoke: process.argv.includes('--smoke'),
    ...(putsArg ? { puts: Number(putsArg.slice(7)) } : {}),
    ...(windowArg ? { batchWindowMs: Number(windowArg.slice(15)) } : {}),
  });
  for (const r of rows) console.log(`${r.name.padEnd(52)} ${r.ratio.toFixed(2)}x (${r.ours.toFixed(0)} vs ${r.baseline.toFixed(0)} ${r.unit})`);
}
