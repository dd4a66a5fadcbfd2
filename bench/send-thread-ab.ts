// A/B of remote-write.send-thread on a shared, noisy machine (not a test):
//   npx tsx bench/send-thread-ab.ts [relay|local] [rounds=4] [seconds=8] [stacks=200]
// Starts two servers from dist/ that differ only in send-thread, both forwarding to the same two sinks, and
// loads them in turns (A B B A ...) so both see the same background load. Besides req/s it reads each run's CPU
// from /proc: the main (accept) thread's and the whole process's, per acknowledged request, which other
// processes on the machine disturb far less than throughput. Build dist/ first (`npm run build:server`).
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { foldedWorkload } from './lib/bodies.js';
import { runLoad, type LoadResult } from './lib/load.js';
import { VARIANTS } from './lib/measure.js';
import { metricSum, startPyrelay, type PyrelayProcess } from './lib/pyrelay.js';
import { startSink } from './lib/sink.js';

const mode = process.argv[2] === 'local' ? 'local' : 'relay';
const rounds = Number(process.argv[3] ?? 4);
const seconds = Number(process.argv[4] ?? 8);
const stacks = Number(process.argv[5] ?? 200);
const connections = 16;
const TICK_MS = 10; // USER_HZ is 100 on Linux

/** CPU ms so far: the main thread (tid = pid) and the whole process. */
function cpuMs(pid: number): { main: number; all: number } {
  const ticks = (stat: string) => {
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime (fields 14 and 15)
  };
  let all = 0;
  let main = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const t = ticks(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
      all += t;
      if (tid === String(pid)) main = t;
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  // Threads that already ended count in the process total.
  all = Math.max(all, ticks(readFileSync(`/proc/${pid}/stat`, 'utf8')));
  return { main: main * TICK_MS, all: all * TICK_MS };
}

async function drained(server: PyrelayProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (metricSum(await server.metrics(), 'pyroscope_remote_write_queue_pending') === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Run {
  on: boolean;
  load: LoadResult;
  mainMsPerReq: number;
  allMsPerReq: number;
}

const dir = mkdtempSync(join(tmpdir(), 'pyrelay-send-ab-'));
const w = foldedWorkload('bench.folded', stacks);
const requests = w.requests(VARIANTS);
const [a, b] = await Promise.all([startSink(), startSink()]);
const start = (on: boolean) =>
  startPyrelay({
    dir: join(dir, on ? 'on' : 'off'),
    config: {
      'remote-write': {
        enabled: true,
        'disable-local-writes': mode === 'relay',
        'send-thread': on,
        targets: { a: { address: a.url }, b: { address: b.url } },
      },
    },
  });
const servers = { off: await start(false), on: await start(true) };
const runs: Run[] = [];
try {
  console.log(`${mode}, ${w.describe}, ${connections} connections, ${rounds} rounds of ${seconds} s per server`);
  for (const s of [servers.off, servers.on]) await runLoad({ url: s.url, connections, durationSec: 3, requests, dir });
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? [false, true] : [true, false];
    for (const on of order) {
      const s = on ? servers.on : servers.off;
      await drained(s);
      const before = cpuMs(s.pid);
      const load = await runLoad({ url: s.url, connections, durationSec: seconds, requests, dir });
      await drained(s);
      const after = cpuMs(s.pid);
      const run = { on, load, mainMsPerReq: (after.main - before.main) / load.ok, allMsPerReq: (after.all - before.all) / load.ok };
      runs.push(run);
      console.log(
        `round ${r + 1} send-thread=${on ? 'on ' : 'off'}: ${load.rps.toFixed(0)} req/s, p99 ${load.latencyMs.p99} ms, ` +
          `CPU per request: main thread ${run.mainMsPerReq.toFixed(3)} ms, process ${run.allMsPerReq.toFixed(3)} ms`,
      );
    }
  }
} finally {
  await Promise.all([servers.off.stop(), servers.on.stop()]);
  await Promise.all([a.stop(), b.stop()]);
  rmSync(dir, { recursive: true, force: true });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pick = (on: boolean, f: (r: Run) => number) => median(runs.filter((r) => r.on === on).map(f));
const rps = [pick(false, (r) => r.load.rps), pick(true, (r) => r.load.rps)];
const main = [pick(false, (r) => r.mainMsPerReq), pick(true, (r) => r.mainMsPerReq)];
const all = [pick(false, (r) => r.allMsPerReq), pick(true, (r) => r.allMsPerReq)];
console.log(
  `medians off → on: ${rps[0].toFixed(0)} → ${rps[1].toFixed(0)} req/s (${(rps[1] / rps[0]).toFixed(2)}x); ` +
    `main-thread CPU/request ${main[0].toFixed(3)} → ${main[1].toFixed(3)} ms (${(main[1] / main[0]).toFixed(2)}x); ` +
    `process CPU/request ${all[0].toFixed(3)} → ${all[1].toFixed(3)} ms (${(all[1] / all[0]).toFixed(2)}x)`,
);
