// Scenario 7: bytes on disk per ingested profile vs the gzipped input bytes per profile.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { foldedProfile, goPprofWorkload, gzippedSize, stackSet } from '../lib/bodies.js';
import type { Scenario } from '../lib/context.js';
import type { LoadRequest } from '../lib/load.js';
import { startPyrelay } from '../lib/pyrelay.js';
import { kib, mib, n0, type Row } from '../lib/report.js';

/** Allocated bytes (what du counts) and apparent bytes of every file under `dir`. */
export async function diskUsage(dir: string): Promise<{ allocated: number; apparent: number }> {
  let allocated = 0;
  let apparent = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const s = await stat(join(e.parentPath, e.name));
    allocated += s.blocks * 512;
    apparent += s.size;
  }
  return { allocated, apparent };
}

/** Sends every request once, `inFlight` at a time; throws on a non-200. */
async function sendAll(url: string, requests: LoadRequest[], inFlight = 8): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const r = requests[next++];
      const res = await fetch(url + r.path, { method: r.method, headers: r.headers, body: r.body ? new Uint8Array(r.body) : undefined });
      if (res.status !== 200) throw new Error(`ingest ${r.path}: ${res.status} ${await res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

interface Case {
  id: string;
  describe: string;
  /** The app whose whole range /render sums, to check that everything sent was stored. */
  query: string;
  requests(count: number): LoadRequest[];
}

/** Sum of the values of folded bodies (what numTicks must be once they are all stored). */
const foldedTicks = (bodies: Buffer[]) =>
  bodies.reduce(
    (sum, b) =>
      sum +
      b
        .toString()
        .split('\n')
        .reduce((s, l) => s + (l ? Number(l.slice(l.lastIndexOf(' ') + 1)) : 0), 0),
    0,
  );

const HOSTS = 4;

/** 10-second uploads from HOSTS hosts, ending now: the shape continuous profiling produces. */
const foldedCase: Case = {
  id: 'folded',
  describe: 'folded, 200 stacks',
  query: 'bench.storage.cpu{}',
  requests(count) {
    const stacks = stackSet();
    const now = Math.floor(Date.now() / 10000) * 10;
    const perHost = Math.ceil(count / HOSTS);
    return Array.from({ length: count }, (_, i) => {
      const host = i % HOSTS;
      const step = Math.floor(i / HOSTS);
      const from = now - (perHost - step) * 10;
      return {
        method: 'POST',
        path: `/ingest?${new URLSearchParams({ name: `bench.storage.cpu{env=bench,host=h${host}}`, from: String(from), until: String(from + 10), spyName: 'pyspy' })}`,
        headers: { 'content-type': 'text/plain' },
        body: foldedProfile(stacks, i),
      };
    });
  },
};

const goCase: Case = {
  id: 'pprof-go',
  describe: 'Go-style CPU pprof',
  query: 'bench.storage.go.cpu{}',
  requests(count) {
    const base = goPprofWorkload('bench.storage.go').requests(1)[0];
    const now = Math.floor(Date.now() / 10000) * 10;
    const perHost = Math.ceil(count / HOSTS);
    return Array.from({ length: count }, (_, i) => {
      const from = now - (perHost - Math.floor(i / HOSTS)) * 10;
      const params = new URLSearchParams({
        name: `bench.storage.go{env=bench,host=h${i % HOSTS}}`,
        from: `${from}000000000`,
        until: `${from + 10}000000000`,
        spyName: 'gospy',
        sampleRate: '100',
      });
      return { ...base, path: `/ingest?${params}` };
    });
  },
};

export const storage: Scenario = {
  name: 'storage',
  title: 'bytes on disk per profile vs gzipped input',
  async run(ctx) {
    const rows: Row[] = [];
    for (const c of [foldedCase, goCase]) {
      const count = ctx.smoke ? 8 : c.id === 'folded' ? 1000 : 200;
      const requests = c.requests(count);
      const gz = requests.reduce((s, r) => s + gzippedSize(r.body!), 0);
      const dir = join(ctx.dir, `storage-${c.id}`);
      const server = await startPyrelay({ dir, cpuProfDir: ctx.cpuProfDir });
      // The goal is about what the store keeps; the write-ahead log (`remote-write/`) is a transient buffer
      // bounded by how far the store lags, reported on its own row (lmdb files never shrink, so it shows the peak).
      const storeDir = join(server.storagePath, 'store');
      const logDir = join(server.storagePath, 'remote-write');
      const empty = await diskUsage(storeDir);
      const emptyLog = await diskUsage(logDir);
      let stored = 0;
      try {
        ctx.log(`  ingesting ${n0(count)} ${c.id} profiles`);
        await sendAll(server.url, requests);
        const params = new URLSearchParams({ query: c.query, from: String(Math.floor(Date.now() / 1000) - 30 * 86400), until: 'now', format: 'json' });
        const res = await fetch(`${server.url}/render?${params}`);
        stored = res.ok ? (((await res.json()) as { flamebearer?: { numTicks?: number } }).flamebearer?.numTicks ?? 0) : 0;
      } finally {
        await server.stop(); // closes the store: everything is flushed before du
      }
      const used = await diskUsage(storeDir);
      const usedLog = await diskUsage(logDir);
      const perProfile = (used.allocated - empty.allocated) / count;
      const logPerProfile = (usedLog.allocated - emptyLog.allocated) / count;
      ctx.note(
        'storage',
        `${c.id}: ${n0(count)} uploads over ${HOSTS} series; store ${mib(used.allocated)} allocated (${mib(used.apparent)} apparent, ${mib(empty.allocated)} when empty); write-ahead log ${mib(usedLog.allocated)} (its peak: all ${n0(count)} uploads are sent as fast as possible); gzipped input ${mib(gz)}.`,
      );
      const sent = c.id === 'folded' ? foldedTicks(requests.map((r) => r.body!)) : undefined;
      ctx.note(
        'storage',
        sent === undefined
          ? `${c.id}: /render over the whole range after ingest: numTicks ${n0(stored)} (must be > 0).`
          : `${c.id}: /render over the whole range after ingest: numTicks ${n0(stored)}, sum of the values sent ${n0(sent)} (${stored === sent ? 'all stored' : 'MISMATCH'}).`,
      );
      if (!stored) throw new Error(`storage ${c.id}: nothing came back from /render after ingest`);
      rows.push({
        scenario: 'storage',
        case: `bytes on disk per profile, ${c.describe}`,
        measured: `${kib(perProfile)} / profile`,
        baseline: `gzipped input ${kib(gz / count)} / profile`,
        ratio: perProfile / (gz / count),
        goal: { op: '<=', value: 0.3 },
      });
      rows.push({
        scenario: 'storage',
        case: `write-ahead log high-water mark per profile, ${c.describe}`,
        measured: `${kib(logPerProfile)} / profile`,
        baseline: `gzipped input ${kib(gz / count)} / profile`,
        ratio: logPerProfile / (gz / count),
      });
    }
    return rows;
  },
};
