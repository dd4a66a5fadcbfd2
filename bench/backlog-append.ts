// Measures backlog append throughput: `node --import tsx bench/backlog-append.ts [n] [concurrency]`.
// Not a test; a reproducible figure for the /ingest path (4 KB payload, 2 targets).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createBacklog } from '../src/store/log/index.js';
import { systemClock } from '../src/lib/clock.js';

const total = Number(process.argv[2] ?? 20000);
const concurrency = Number(process.argv[3] ?? 64);
const dir = await mkdtemp(path.join(os.tmpdir(), 'pyrelay-backlog-bench-'));
const backlog = await createBacklog({ path: dir, targets: ['a', 'b'], clock: systemClock, maxBytesPerTarget: {} });
const payload = new Uint8Array(4096).map((_, i) => i & 0xff);
const meta = { name: 'app.cpu{env=prod}', from: '1700000000', until: '1700000010', format: 'groups' };
let issued = 0;
const t0 = process.hrtime.bigint();
const lat: number[] = [];
async function worker() {
  while (issued < total) {
    issued++;
    const s = process.hrtime.bigint();
    await backlog.append(payload, meta, ['a', 'b']);
    lat.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
lat.sort((x, y) => x - y);
const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))].toFixed(2);
console.log(
  `${total} appends of 4 KB to 2 targets, concurrency ${concurrency}: ${(total / secs).toFixed(0)} appends/s, ` +
    `latency p50 ${pct(0.5)} ms p99 ${pct(0.99)} ms; pending a=${backlog.pendingItems('a')} b=${backlog.pendingItems('b')}`,
);
await backlog.close();
// Replay cost: reopening reads and checksums every pending record.
const r0 = process.hrtime.bigint();
const reopened = await createBacklog({ path: dir, targets: ['a', 'b'], clock: systemClock, maxBytesPerTarget: {} });
const openMs = Number(process.hrtime.bigint() - r0) / 1e6;
console.log(`reopen with ${reopened.pendingItems('a')} pending items: ${openMs.toFixed(0)} ms`);
await reopened.close();
await rm(dir, { recursive: true, force: true });
