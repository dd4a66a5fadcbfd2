// Generates the pprof test fixtures under test/fixtures/pprof with pprof-format's encoder (deterministic,
// seeded). `--node` also captures a real Node wall and heap profile with @datadog/pprof (the profiler
// behind @pyroscope/nodejs); those differ on every run, so they are only re-captured when asked.
//   npx tsx scripts/make-pprof-fixtures.ts [--node]
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { prng } from '../bench/lib/prng.js';
import { Function as PFunction, Label, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';

const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'pprof');

const rng = prng;

interface SynthOptions {
  seed: number;
  functions: number;
  locations: number;
  samples: number;
  sampleTypes: [string, string][];
  periodType: [string, string];
  period: number;
  /** Value per sample type from a base count. */
  values: (count: number, rand: () => number) => number[];
  labels: boolean;
}

/** A Go-style profile: inlined locations, an empty-named function, string + numeric labels, exemplars. */
function synth(o: SynthOptions): Profile {
  const rand = rng(o.seed);
  const st = new StringTable();
  const pick = (n: number) => Math.floor(rand() * n);
  const functions: PFunction[] = [];
  for (let i = 1; i <= o.functions; i++) {
    const pkg = `github.com/acme/app/pkg${i % 7}`;
    functions.push(
      new PFunction({
        id: i,
        name: st.dedup(`${pkg}.Func${i}`),
        systemName: st.dedup(`${pkg}.Func${i}`),
        filename: st.dedup(`/src/app/pkg${i % 7}/file${i % 13}.go`),
        startLine: 10 + i,
      }),
    );
  }
  // One function with an empty name: its frames must be skipped.
  const emptyFn = o.functions + 1;
  functions.push(new PFunction({ id: emptyFn, name: 0, filename: st.dedup('/src/app/anon.go') }));
  const locations: Location[] = [];
  for (let i = 1; i <= o.locations; i++) {
    const r = rand();
    const nLines = r < 0.85 ? 1 : r < 0.97 ? 2 : 3; // some locations carry inlined calls
    const line: Line[] = [];
    for (let j = 0; j < nLines; j++) {
      const fn = i % 97 === 0 && j === 0 ? emptyFn : 1 + pick(o.functions);
      line.push(new Line({ functionId: fn, line: 1 + pick(400) }));
    }
    locations.push(new Location({ id: i, address: 0x400000 + i * 16, line }));
  }
  const handler = st.dedup('handler');
  const handlers = ['/api/users', '/api/orders', '/health'].map((h) => st.dedup(h));
  const profileId = st.dedup('profile_id');
  const bytesKey = st.dedup('bytes');
  const samples: Sample[] = [];
  for (let s = 0; s < o.samples; s++) {
    const depth = 2 + pick(24);
    const locationId: number[] = [];
    for (let d = 0; d < depth; d++) locationId.push(1 + pick(o.locations));
    const label: Label[] = [];
    if (o.labels) {
      const r = rand();
      if (r < 0.3) label.push(new Label({ key: handler, str: handlers[pick(handlers.length)] }));
      if (r < 0.05) label.push(new Label({ key: profileId, str: st.dedup(`pid${pick(3)}`) }));
      if (r > 0.9) label.push(new Label({ key: bytesKey, num: 1 + pick(1000) })); // numeric: not a tag
    }
    samples.push(new Sample({ locationId, value: o.values(1 + pick(20), rand), label }));
  }
  return new Profile({
    sampleType: o.sampleTypes.map(([t, u]) => new ValueType({ type: st.dedup(t), unit: st.dedup(u) })),
    sample: samples,
    location: locations,
    function: functions,
    stringTable: st,
    periodType: new ValueType({ type: st.dedup(o.periodType[0]), unit: st.dedup(o.periodType[1]) }),
    period: o.period,
    timeNanos: 1_700_000_000_000_000_000n,
    durationNanos: 10_000_000_000,
  });
}

function write(name: string, bytes: Uint8Array): void {
  writeFileSync(join(outDir, name), bytes);
  console.log(`${name}: ${bytes.length} bytes`);
}

const goCpu = () =>
  synth({
    seed: 1,
    functions: 400,
    locations: 1000,
    samples: 2000,
    sampleTypes: [
      ['samples', 'count'],
      ['cpu', 'nanoseconds'],
    ],
    periodType: ['cpu', 'nanoseconds'],
    period: 10_000_000,
    values: (c) => [c, c * 10_000_000],
    labels: true,
  });

const heapTypes: [string, string][] = [
  ['alloc_objects', 'count'],
  ['alloc_space', 'bytes'],
  ['inuse_objects', 'count'],
  ['inuse_space', 'bytes'],
];
const goHeap = (seed: number, scale: number) =>
  synth({
    seed,
    functions: 150,
    locations: 400,
    samples: 600,
    sampleTypes: heapTypes,
    periodType: ['space', 'bytes'],
    period: 524288,
    values: (c) => [c * scale, c * scale * 4096, c, c * 4096],
    labels: false,
  });

async function captureNode(): Promise<void> {
  const require = createRequire(import.meta.url);
  const pprof = require('@datadog/pprof') as {
    time: {
      start(o: object): void;
      stop(restart: boolean, labels?: (a: { context?: { context?: { labels?: object } } }) => object): unknown;
      setContext(c: object): void;
    };
    heap: { start(interval: number, depth: number): void; profile(): unknown; stop(): void };
    encode(p: unknown): Promise<Uint8Array>;
  };
  // The client's own post-processing (sample names → Go names, `./file:fn:line` frames), as it uploads them.
  const clientDir = join(outDir, '..', '..', '..', 'node_modules', '@pyroscope', 'nodejs');
  const { processProfile } = require(join(clientDir, 'dist/cjs/utils/process-profile.js')) as {
    processProfile(p: unknown): unknown;
  };
  pprof.heap.start(32 * 1024, 64);
  pprof.time.start({ intervalMicros: 10_000, durationMillis: 60_000, withContexts: true, workaroundV8Bug: true });
  const keep: unknown[] = [];
  const work = {
    sortObjects: () => {
      const arr = Array.from({ length: 3000 }, (_, i) => ({ i, s: String(i * Math.random()) }));
      arr.sort((a, b) => (a.s < b.s ? -1 : 1));
      keep.push(arr.slice(0, 20));
    },
    jsonRoundTrip: () => {
      const o = { a: Array.from({ length: 500 }, (_, i) => ({ k: `key${i}`, v: [i, i * 2, i * 3] })) };
      keep.push(JSON.parse(JSON.stringify(o)).a.length);
    },
    regexScan: () => {
      const text = 'lorem ipsum dolor sit amet '.repeat(2000);
      keep.push(text.match(/\b\w{5}\b/g)?.length);
    },
  };
  const until = Date.now() + 2000;
  let n = 0;
  while (Date.now() < until) {
    const name = (['sortObjects', 'jsonRoundTrip', 'regexScan'] as const)[n++ % 3];
    // Labels as the client's wrapWithLabels sets them.
    pprof.time.setContext({ labels: { job: name } });
    work[name]();
    pprof.time.setContext({});
    await new Promise((r) => setImmediate(r));
  }
  const wall = pprof.time.stop(false, (a) => ({ ...(a.context?.context?.labels ?? {}) }));
  write('node-wall.pb.gz', await pprof.encode(processProfile(wall)));
  write('node-heap.pb.gz', await pprof.encode(processProfile(pprof.heap.profile())));
  pprof.heap.stop();
  if (keep.length < 0) console.log(keep);
}

mkdirSync(outDir, { recursive: true });
write('go-cpu.pb.gz', gzipSync(goCpu().encode()));
write('go-heap.pb', goHeap(2, 1).encode());
// A prev/cur pair of the same process: the same stacks (same seed), alloc counters grown 3x.
write('go-heap-prev.pb.gz', gzipSync(goHeap(3, 1).encode()));
write('go-heap-cur.pb.gz', gzipSync(goHeap(3, 3).encode()));
if (process.argv.includes('--node')) await captureNode();
