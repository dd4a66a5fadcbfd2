// Scenario 6: /render latency over 1 h, 24 h and 7 d of 10-second profiles; the goal is on 24 h / 1 h.
// The store is seeded directly (createLmdbStore, as main.ts builds it), then the server is started on it.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { foldedProfile, stackSet } from '../lib/bodies.js';
import type { Scenario } from '../lib/context.js';
import { runLoad, type LoadResult } from '../lib/load.js';
import { startPyrelay } from '../lib/pyrelay.js';
import { ms, n0, type Row } from '../lib/report.js';
import { systemClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { Tree } from '../../src/model/tree.js';
import type { TimedProfile } from '../../src/model/profile.js';
import { createLmdbStore } from '../../src/store/lmdb-store.js';
import type { ProfileStore } from '../../src/store/types.js';

const APP = 'bench.render.cpu';
const STEP_MS = 10_000;

/** Writes `count` 10-second profiles ending at `endMs`, `inFlight` puts at a time. */
async function seed(storagePath: string, endMs: number, count: number, log: (m: string) => void): Promise<number> {
  // Built the way main.ts builds it, on the path the server will open.
  const store: ProfileStore = await createLmdbStore({ path: join(storagePath, 'store'), clock: systemClock, retentionMs: 0, maxNodesPerTree: 2048, logger: createLogger('warn') });
  const stacks = stackSet();
  const t0 = performance.now();
  const profileAt = (i: number): TimedProfile => {
    // A fresh tree per put: values differ per upload as they do in real data.
    const tree = new Tree();
    for (const line of foldedProfile(stacks, i % 64)
      .toString()
      .split('\n')) {
      if (!line) continue;
      const sp = line.lastIndexOf(' ');
      tree.insertStack(line.slice(0, sp).split(';'), Number(line.slice(sp + 1)));
    }
    const startMs = endMs - (count - i) * STEP_MS;
    return {
      key: { appName: APP, labels: { env: 'bench' } },
      tree,
      metadata: { spyName: 'gospy', sampleRate: 100, units: 'samples', aggregation: 'sum' },
      startMs,
      endMs: startMs + STEP_MS,
    };
  };
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await store.put(profileAt(i));
      if (i % 10000 === 0 && i) log(`  seeded ${n0(i)} / ${n0(count)}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  await store.close();
  return performance.now() - t0;
}

export const render: Scenario = {
  name: 'render',
  title: '/render over 1 h, 24 h, 7 d of 10-second profiles',
  async run(ctx) {
    const dir = join(ctx.dir, 'render');
    const storagePath = join(dir, 'data');
    mkdirSync(storagePath, { recursive: true });
    const endMs = Math.floor(Date.now() / STEP_MS) * STEP_MS;
    // Every put merges into each segment level (CPU-bound, tens of ms), so a week of 10-second profiles
    // (60,480 puts) takes long to seed: by default a full run seeds 24 h and says so; --render-days=7 seeds the week.
    // Smoke: 5 minutes of data. The queried ranges are always 1 h, 24 h and 7 d.
    const days = Number(ctx.options['render-days'] ?? 1);
    const count = ctx.smoke ? 30 : Math.round((days * 86400_000) / STEP_MS);
    ctx.log(`  seeding ${n0(count)} profiles`);
    const seedMs = await seed(storagePath, endMs, count, ctx.log);
    ctx.note(
      'render',
      `seeded ${n0(count)} profiles (${ctx.smoke ? '5 min' : `${days} d`} of 10-second data) (200 stacks each) straight into the store in ${(seedMs / 1000).toFixed(1)} s (${n0(count / (seedMs / 1000))} puts/s, 16 in flight).`,
    );
    const server = await startPyrelay({ dir, cpuProfDir: ctx.cpuProfDir });
    try {
      const until = endMs / 1000;
      const ranges: [string, number][] = [
        ['1 h', 3600],
        ['24 h', 86400],
        ['7 d', 7 * 86400],
      ];
      const results = new Map<string, LoadResult>();
      for (const [label, seconds] of ranges) {
        const path = `/render?${new URLSearchParams({ query: `${APP}{}`, from: String(until - seconds), until: String(until), format: 'json' })}`;
        const check = await fetch(server.url + path);
        const text = await check.text();
        const numTicks = check.ok ? (JSON.parse(text) as { flamebearer?: { numTicks?: number } }).flamebearer?.numTicks : undefined;
        // An empty answer would time nothing: fail loudly with what the server said.
        if (!numTicks) throw new Error(`/render ${label} of seeded data: status ${check.status}, numTicks ${numTicks}: ${text.slice(0, 300)}`);
        ctx.log(`  /render ${label}`);
        // One connection: latency of a single user's query, not throughput.
        const r = await runLoad({ url: server.url, connections: 1, durationSec: ctx.smoke ? 1 : 8, requests: [{ method: 'GET', path }], dir: ctx.dir });
        results.set(label, r);
      }
      const h1 = results.get('1 h')!;
      const row = (label: string, goal?: Row['goal']): Row => {
        const r = results.get(label)!;
        return {
          scenario: 'render',
          case: `/render ${label} vs 1 h`,
          measured: `p50 ${ms(r.latencyMs.p50)}, p99 ${ms(r.latencyMs.p99)}`,
          baseline: `1 h p50 ${ms(h1.latencyMs.p50)}, p99 ${ms(h1.latencyMs.p99)}`,
          ratio: r.latencyMs.mean / h1.latencyMs.mean,
          goal,
        };
      };
      ctx.note('render', 'ratios are of mean latency (autocannon, 1 connection, sequential requests).');
      const week = row('7 d');
      if (ctx.smoke || days < 7) week.case += ` (data: last ${ctx.smoke ? '5 min' : `${days} d`} only)`;
      return [row('24 h', { op: '<=', value: 3 }), week];
    } finally {
      await server.stop();
    }
  },
};
