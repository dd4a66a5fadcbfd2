// Measures what delivery guarantees cost on /ingest and how fast a backlog drains (not a test):
//   node --import tsx bench/delivery-cost.ts [ingests=500] [backlog=2000]
// 1. `ingests` sequential POST /ingest with no target, a memory-only target and a durable target (healthy).
// 2. `backlog` profiles accepted while the target answers 503, then the target recovers: time to drain.
import { startFakeTarget } from '../test/helpers/fake-target.js';
import { startTestServer } from '../test/helpers/server.js';

const ingests = Number(process.argv[2] ?? 500);
const backlogN = Number(process.argv[3] ?? 2000);
const T = 1_700_000_000;
const body = 'main;handler;work 7\nmain;handler;idle 3\nmain;gc 1\n';

async function post(url: string, i: number): Promise<void> {
  const res = await fetch(`${url}/ingest?name=m.app{i=${i % 50}}&from=${T}&until=${T + 10}`, { method: 'POST', body });
  if (res.status !== 200) throw new Error(`ingest ${i}: ${res.status}`);
  await res.arrayBuffer();
}

async function sequential(label: string, targets: Record<string, unknown> | undefined): Promise<void> {
  const srv = await startTestServer({ config: targets ? { 'remote-write': { enabled: true, targets } } : {} });
  for (let i = 0; i < 20; i++) await post(srv.url, i); // warm-up
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < ingests; i++) {
    const s = performance.now();
    await post(srv.url, i);
    lat.push(performance.now() - s);
  }
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const p = (q: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * q))].toFixed(2);
  console.log(`${label.padEnd(24)} ${ingests} sequential ingests: ${(ingests / secs).toFixed(0)}/s, p50 ${p(0.5)} ms, p99 ${p(0.99)} ms`);
  await srv.stop();
}

const sink = await startFakeTarget();
await sequential('no remote write', undefined);
await sequential('memory-only target', { m: { address: sink.url, durable: false } });
await sequential('durable target', { d: { address: sink.url } });
await sequential('two durable targets', { d1: { address: sink.url }, d2: { address: sink.url } });

const down = await startFakeTarget({ kind: 'status', status: 503 });
const srv = await startTestServer({
  config: { 'remote-write': { enabled: true, targets: { d: { address: down.url, 'min-backoff': '50ms', 'max-backoff': '200ms' } } } },
});
// Fill the backlog with concurrent clients (the figure of interest is the drain, not this).
let next = 0;
await Promise.all(
  Array.from({ length: 16 }, async () => {
    while (next < backlogN) await post(srv.url, next++);
  }),
);
const before = down.requests.length;
const t0 = performance.now();
down.behave({ kind: 'status', status: 200 });
await down.waitForRequests(before + backlogN, 600_000);
const first = performance.now() - t0;
console.log(`drain: ${backlogN} backlogged profiles delivered ${first.toFixed(0)} ms after the target recovered (${(backlogN / (first / 1000)).toFixed(0)}/s, max-backoff 200ms)`);
await srv.stop();
await down.close();
await sink.close();
