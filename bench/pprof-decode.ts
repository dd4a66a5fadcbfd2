// pprof decode throughput: our two-pass decoder vs pprof-format's Profile.decode, on the committed fixtures.
// Both sides do the same work: bytes (gunzip when gzipped) → resolved root→leaf stacks of function names
// (inlined lines expanded, empty names skipped) → one call per sample. A second set of rows compares the
// full ingest decoder (trees per series) with pprof-format + the same tree building.
//   npx tsx bench/pprof-decode.ts [--smoke]
// MB/s counts the input bytes as received (compressed size for the .gz rows).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { maybeGunzip } from '../src/ingest/gzip.js';
import { createCumulativeBaselines } from '../src/ingest/formats/pprof/cumulative.js';
import { createPprofDecoder } from '../src/ingest/formats/pprof/decode.js';
import { indexProfile } from '../src/ingest/formats/pprof/profile-index.js';
import { walkSamples } from '../src/ingest/formats/pprof/sample-walker.js';
import { DEFAULT_SAMPLE_TYPES } from '../src/ingest/formats/pprof/sample-types.js';
import { systemClock } from '../src/lib/clock.js';
import type { DecodeInput } from '../src/model/profile.js';
import { Tree } from '../src/model/tree.js';

export interface BenchRow {
  name: string;
  ours: number;
  baseline: number;
  ratio: number;
  unit: string;
}

const fixtureDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'pprof');
const LIMIT = 256 * 1024 * 1024;

type Visit = (stack: readonly string[], values: readonly number[]) => void;

/** Ours: index pass + sample walk. */
function oursStacks(bytes: Uint8Array, visit: Visit): void {
  const ix = indexProfile(maybeGunzip(bytes, LIMIT, 'pprof'));
  walkSamples(ix, 'function', (stack, values) => visit(stack, values));
}

/** Baseline: pprof-format decode, then the same resolution done over its message objects. */
function baselineStacks(bytes: Uint8Array, visit: Visit, labelsOut?: (labels: Record<string, string>) => void): void {
  const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  const p = Profile.decode(raw);
  const strings = p.stringTable.strings;
  const fnName = new Map<number, string>();
  for (const f of p.function) fnName.set(Number(f.id), strings[Number(f.name)]);
  const locFrames = new Map<number, string[]>();
  for (const loc of p.location) {
    const frames: string[] = [];
    for (let j = loc.line.length - 1; j >= 0; j--) {
      const name = fnName.get(Number(loc.line[j].functionId));
      if (name) frames.push(name);
    }
    locFrames.set(Number(loc.id), frames);
  }
  const stack: string[] = [];
  const values: number[] = [];
  for (const s of p.sample) {
    stack.length = 0;
    for (let k = s.locationId.length - 1; k >= 0; k--) {
      const frames = locFrames.get(Number(s.locationId[k]));
      if (frames === undefined) throw new Error('unknown location');
      for (const f of frames) stack.push(f);
    }
    values.length = 0;
    for (const v of s.value) values.push(Number(v));
    if (labelsOut !== undefined) {
      const labels: Record<string, string> = {};
      for (const l of s.label) if (Number(l.str) !== 0) labels[strings[Number(l.key)]] = strings[Number(l.str)];
      labelsOut(labels);
    }
    visit(stack, values);
  }
  // Keep the sample-type lookup in the measured work, as the ingest path needs it.
  for (const t of p.sampleType) void strings[Number(t.type)];
}

/** Baseline for the full decoder: stacks as above, then one tree per (mapped sample type × label set). */
function baselineTrees(bytes: Uint8Array): number {
  const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  const p = Profile.decode(raw);
  const strings = p.stringTable.strings;
  const mapped = p.sampleType.map((t) => DEFAULT_SAMPLE_TYPES.get(strings[Number(t.type)]));
  const trees = new Map<string, Tree>();
  let labels: Record<string, string> = {};
  baselineStacks(
    raw,
    (stack, values) => {
      const key = JSON.stringify(Object.entries(labels).sort());
      for (let i = 0; i < values.length; i++) {
        if (mapped[i] === undefined || mapped[i]!.cumulative || !(values[i] > 0)) continue;
        const id = `${i}|${key}`;
        let t = trees.get(id);
        if (t === undefined) trees.set(id, (t = new Tree()));
        t.insertStack(stack, values[i]);
      }
    },
    (l) => (labels = l),
  );
  return trees.size;
}

function measureOnce(fn: () => void, bytes: number, runMs: number): number {
  let iters = 0;
  const start = performance.now();
  let now = start;
  while (now - start < runMs) {
    fn();
    iters++;
    now = performance.now();
  }
  return (bytes * iters) / ((now - start) / 1000) / 1e6;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Warms both up, then alternates short rounds of ours and the baseline and keeps the median of each, so
 * load from other processes on the machine hits both sides alike.
 */
function compare(ours: () => void, baseline: () => void, bytes: number, o: { warmupMs: number; runMs: number; rounds: number }) {
  measureOnce(ours, bytes, o.warmupMs);
  measureOnce(baseline, bytes, o.warmupMs);
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < o.rounds; r++) {
    a.push(measureOnce(ours, bytes, o.runMs / o.rounds));
    b.push(measureOnce(baseline, bytes, o.runMs / o.rounds));
  }
  return { ours: median(a), baseline: median(b) };
}

export async function run(opts: { smoke: boolean }): Promise<BenchRow[]> {
  const timing = opts.smoke ? { warmupMs: 30, runMs: 100, rounds: 1 } : { warmupMs: 500, runMs: 3000, rounds: 7 };
  const gz = (f: string) => new Uint8Array(readFileSync(join(fixtureDir, f)));
  const cases: { name: string; bytes: Uint8Array }[] = [
    { name: 'go-cpu raw', bytes: gunzipSync(gz('go-cpu.pb.gz')) },
    { name: 'go-cpu gzip', bytes: gz('go-cpu.pb.gz') },
    { name: 'go-heap raw', bytes: gz('go-heap.pb') },
    { name: 'node-wall raw', bytes: gunzipSync(gz('node-wall.pb.gz')) },
    { name: 'node-wall gzip', bytes: gz('node-wall.pb.gz') },
    { name: 'node-heap gzip', bytes: gz('node-heap.pb.gz') },
  ];
  let sink = 0;
  const visit: Visit = (stack, values) => {
    sink += stack.length + values.length;
  };
  const rows: BenchRow[] = [];
  for (const c of cases) {
    const { ours, baseline } = compare(
      () => oursStacks(c.bytes, visit),
      () => baselineStacks(c.bytes, visit),
      c.bytes.length,
      timing,
    );
    rows.push({ name: `stacks ${c.name}`, ours, baseline, ratio: ours / baseline, unit: 'MB/s' });
  }
  const decode = createPprofDecoder({
    baselines: createCumulativeBaselines({ clock: systemClock, windowMs: 0, maxEntries: 0 }),
  });
  for (const c of [cases[0], cases[1], cases[4]]) {
    const input: DecodeInput = {
      body: c.bytes,
      contentType: 'application/octet-stream',
      key: { appName: 'bench', labels: {} },
      spyName: 'gospy',
      sampleRate: 100,
      sampleRateGiven: false,
      units: 'samples',
      aggregation: 'sum',
      limits: { maxDecompressedBytes: LIMIT, maxSeriesPerRequest: 10_000, maxLabelsPerSeries: 64 },
    };
    const { ours, baseline } = compare(
      () => void (sink += decode(input).length),
      () => void (sink += baselineTrees(c.bytes)),
      c.bytes.length,
      timing,
    );
    rows.push({ name: `trees ${c.name}`, ours, baseline, ratio: ours / baseline, unit: 'MB/s' });
  }
  if (sink === -1) console.log(sink); // keeps the work observable
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await run({ smoke: process.argv.includes('--smoke') });
  console.log('case                      ours MB/s  pprof-format MB/s  ratio');
  for (const r of rows) {
    console.log(`${r.name.padEnd(24)} ${r.ours.toFixed(1).padStart(10)} ${r.baseline.toFixed(1).padStart(18)} ${r.ratio.toFixed(2).padStart(6)}x`);
  }
}
