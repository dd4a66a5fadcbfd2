// Attributes the server's resident memory during a target outage (the target-down scenario's shape, at a fixed
// rate given on the command line): samples /proc/<pid>/smaps every second and splits RSS into the lmdb maps
// (per file), the rest of file-backed memory, and anonymous memory, and prints the peaks per phase.
// `npx tsx bench/rss-split.ts [rate=130] [healthySec=20] [downSec=60] [--node-flags="--max-semi-space-size=16"]`
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { foldedWorkload } from './lib/bodies.js';
import { memoryOf } from './lib/child.js';
import { runLoad } from './lib/load.js';
import { twoTargets, VARIANTS } from './lib/measure.js';
import { metricSum, PRODUCTION_NODE_FLAGS, startPyrelay } from './lib/pyrelay.js';
import { startSink } from './lib/sink.js';

const [rate = 130, healthySec = 20, downSec = 60] = process.argv
  .slice(2)
  .filter((a) => !a.startsWith('--'))
  .map(Number);
const flags = process.argv.find((a) => a.startsWith('--node-flags='));
// Another configuration than `npm start`'s, to compare (the server's flags come from PRODUCTION_NODE_FLAGS).
if (flags !== undefined) PRODUCTION_NODE_FLAGS.splice(0, PRODUCTION_NODE_FLAGS.length, ...flags.slice(13).split(' ').filter(Boolean));
const MiB = 1 << 20;

function split(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  let name = '';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const path = head[1];
      name = path.endsWith('.mdb') ? path.split('/').slice(-2).join('/') : path === '' ? 'anon' : path.startsWith('[') ? path : 'other-file';
      continue;
    }
    const m = /^Rss:\s+(\d+) kB/.exec(line);
    if (m) out[name] = (out[name] ?? 0) + Number(m[1]) * 1024;
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'rss-split-'));
const w = foldedWorkload();
console.log(`rate ${rate} req/s, healthy ${healthySec} s, b down ${downSec} s, node ${PRODUCTION_NODE_FLAGS.join(' ')}`);
const a = await startSink();
const b = await startSink();
const server = await startPyrelay({ dir, config: { 'remote-write': { enabled: true, targets: twoTargets(a, b) } } });
let phase = 'healthy';
const peaks = new Map<string, Record<string, number>>();
const timer = setInterval(() => {
  try {
    const s = split(server.pid);
    const p = peaks.get(phase) ?? {};
    for (const [k, v] of Object.entries(s)) p[k] = Math.max(p[k] ?? 0, v);
    const total = Object.values(s).reduce((x, y) => x + y, 0);
    p.total = Math.max(p.total ?? 0, total);
    peaks.set(phase, p);
  } catch {
    /* exited */
  }
}, 1000);
try {
  const healthy = await runLoad({ url: server.url, connections: 16, durationSec: healthySec, overallRate: rate, requests: w.requests(VARIANTS), dir });
  console.log(`healthy: ${healthy.rps.toFixed(0)} req/s p99 ${healthy.latencyMs.p99} ms; VmHWM ${((await server.peakRss()) / MiB).toFixed(0)} MiB`);
  await b.stop();
  phase = 'down';
  const down = await runLoad({ url: server.url, connections: 16, durationSec: downSec, overallRate: rate, requests: w.requests(VARIANTS), dir });
  const m = await memoryOf(server.pid);
  console.log(`down: ${down.rps.toFixed(0)} req/s p99 ${down.latencyMs.p99} ms; VmHWM ${(m!.peakRss / MiB).toFixed(0)} MiB`);
  const metrics = await server.metrics();
  console.log(
    `dropped b: ${metricSum(metrics, 'pyrelay_remote_write_dropped_total', ['target_name="b"'])}, pending b: ${metricSum(metrics, 'pyroscope_remote_write_queue_pending', ['target_name="b"'])}`,
  );
  const heap = metrics.split('\n').filter((l) => /^nodejs_heap_space_size_(total|used)_bytes|^nodejs_external_memory_bytes|^process_resident/.test(l));
  console.log(heap.map((l) => l.replace(/_bytes\{space="(\w+)"\} (\d+)/, (_, sp: string, v: string) => ` ${sp} ${(Number(v) / MiB).toFixed(1)}`)).join('; '));
  for (const [ph, p] of peaks) {
    console.log(
      `${ph}: ` +
        Object.entries(p)
          .sort((x, y) => y[1] - x[1])
          .filter(([, v]) => v >= MiB)
          .map(([k, v]) => `${k} ${(v / MiB).toFixed(0)}`)
          .join(', '),
    );
  }
  for (const f of ['remote-write/data.mdb', 'data.mdb']) {
    try {
      console.log(`${f}: ${(statSync(join(server.storagePath, f)).size / MiB).toFixed(0)} MiB on disk`);
    } catch {
      /* not there */
    }
  }
} finally {
  clearInterval(timer);
  await server.stop();
  await Promise.all([a.stop(), b.stop()]);
  rmSync(dir, { recursive: true, force: true });
}
