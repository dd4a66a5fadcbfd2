// 500 targets (500 real HTTP servers on port 0 in this process) on a 10 s interval, driven by a fake clock:
// start times spread over the interval at stable per-target offsets, a hung target holds only its own slot
// until its deadline, and the global cap bounds scrapes in flight.
import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { toScrapeJob } from '../../../src/config/scrape-config.js';
import { scrapeJobSchema } from '../../../src/config/scrape-schema.js';
import { FakeClock } from '../../../src/lib/clock.js';
import { createLogger } from '../../../src/lib/logger.js';
import { createScrapeHttpClient } from '../../../src/scrape/http-client.js';
import { createScrapeManager } from '../../../src/scrape/manager.js';
import { createScrapeMetrics } from '../../../src/scrape/metrics.js';
import { nextTick, targetOffsetMs } from '../../../src/scrape/scrape-loop.js';
import type { ScrapeUpload } from '../../../src/scrape/upload.js';
import { metricValue } from '../../helpers/server.js';

const N = 500;
const INTERVAL = 10_000;
const servers: Server[] = [];
const sockets = new Set<Socket>();
const addresses: string[] = [];
const hung: ServerResponse[] = [];
let hungAddress = '';
let responseDelayMs = 0;
// Scrapes in flight as the scraper sees them (between sending a request and having its whole body).
let clientInFlight = 0;
let clientMaxInFlight = 0;

beforeAll(async () => {
  for (let i = 0; i < N; i++) {
    const s = createServer((_req, res) => {
      if (addresses[i] === hungAddress) return void hung.push(res);
      setTimeout(() => res.end('pprof'), responseDelayMs);
    });
    s.on('connection', (c: Socket) => {
      sockets.add(c);
      c.on('close', () => sockets.delete(c));
    });
    s.listen(0, '127.0.0.1');
    await once(s, 'listening');
    servers.push(s);
    addresses.push(`127.0.0.1:${(s.address() as AddressInfo).port}`);
  }
});

afterAll(async () => {
  for (const r of hung) r.destroy();
  for (const c of sockets) c.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

function setup(maxConcurrency: number, timeout = '5s') {
  const clock = new FakeClock(1_700_000_000_000);
  const registry = new Registry();
  const metrics = createScrapeMetrics(registry);
  const starts = new Map<string, number[]>();
  const uploads: ScrapeUpload[] = [];
  const manager = createScrapeManager({
    clock,
    logger: createLogger('silent'),
    metrics,
    sink: async (u) => void uploads.push(u),
    createClient: (j) => {
      const real = createScrapeHttpClient({ auth: j.auth, tls: j.tls, followRedirects: true, bodySizeLimitBytes: j.bodySizeLimitBytes, keepAliveMs: 30_000 });
      return {
        async get(url, signal) {
          clientMaxInFlight = Math.max(clientMaxInFlight, ++clientInFlight);
          try {
            return await real.get(url, signal);
          } finally {
            clientInFlight--;
          }
        },
        close: () => real.close(),
      };
    },
    onScrapeStart: (t, at) => {
      const list = starts.get(t.address) ?? [];
      list.push(at);
      starts.set(t.address, list);
    },
  });
  const job = toScrapeJob(
    scrapeJobSchema.parse({
      'job-name': 'many',
      'scrape-interval': '10s',
      'scrape-timeout': timeout,
      'enabled-profiles': ['goroutines'],
      'static-configs': [{ application: 'many', targets: addresses }],
    }),
  );
  const inFlightNow = async () => (await metrics.inFlight.get()).values[0]?.value ?? 0;
  return { clock, registry, manager, starts, uploads, inFlightNow, apply: () => manager.apply({ maxConcurrency, jobs: [job] }) };
}

const until = async (cond: () => boolean, what: string) => {
  const deadline = Date.now() + 20_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('scheduling 500 targets', () => {
  it('spreads start times over the interval at stable offsets; a hung target does not delay the others', async () => {
    hungAddress = addresses[7];
    responseDelayMs = 0;
    const { clock, manager, starts, apply, inFlightNow } = setup(N * 2);
    onTestFinished(async () => {
      hungAddress = '';
      await manager.stop();
    });
    const t0 = clock.now();
    await apply();
    // Three intervals in 100 ms steps: every target wakes at its own tick, whatever the others do.
    for (let t = 0; t < 3 * INTERVAL; t += 100) {
      await clock.advance(100);
      // Let the real HTTP round trips of this step finish (only the hung scrape may stay in flight).
      const deadline = Date.now() + 10_000;
      while ((await inFlightNow()) > 1 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    }
    const buckets = new Array(10).fill(0);
    for (const addr of addresses) {
      const s = starts.get(addr)!;
      const url = `http://${addr}/debug/pprof/goroutine`;
      const offset = targetOffsetMs('many', url, INTERVAL);
      const first = nextTick(t0, offset, INTERVAL);
      if (addr === hungAddress) continue;
      // Exactly on its ticks, three times: no drift, no delay from the hung target or the 499 others.
      expect(s.filter((at) => at < t0 + 3 * INTERVAL)).toEqual([first, first + INTERVAL, first + 2 * INTERVAL]);
      buckets[Math.floor(((first - t0) % INTERVAL) / 1000)]++;
    }
    // 499 starts over ten 1-second buckets: each holds roughly a tenth (a uniform hash; 50 expected).
    for (const b of buckets) expect(b).toBeGreaterThan(20);
    for (const b of buckets) expect(b).toBeLessThan(90);
    // The hung target is aborted at its 5 s deadline each time and reported down.
    const hungTarget = manager.targets().find((t) => t.url.includes(hungAddress))!;
    expect(hungTarget.health).toBe('down');
    expect(hungTarget.lastError).toBe('scrape timed out after 5000 ms');
    expect(hungTarget.lastScrapeDuration).toBe('5s');
    expect(starts.get(hungAddress)!.filter((at) => at < t0 + 3 * INTERVAL).length).toBe(3);
    const healthy = manager.targets().filter((t) => t.health === 'up');
    expect(healthy).toHaveLength(N - 1);
  });

  it('never runs more scrapes than scrape.max-concurrency; the rest wait for a slot', async () => {
    responseDelayMs = 3;
    clientMaxInFlight = 0;
    const cap = 10;
    // The deadline is far beyond the one fake interval this test advances: slots free only by finishing.
    const { clock, registry, manager, uploads, apply } = setup(cap, '60s');
    await apply();
    await clock.advance(INTERVAL); // every target's first tick has passed: 500 want a slot at once
    // Every target has been scraped once (a connection failure on a loaded machine still counts as a scrape).
    await until(() => manager.targets().every((t) => t.lastScrape !== null), `a scrape of each of ${N} targets (uploads: ${uploads.length})`);
    expect(
      manager
        .targets()
        .filter((t) => t.health !== 'up')
        .map((t) => t.lastError),
    ).toEqual([]);
    expect(clientMaxInFlight).toBe(cap);
    const m = await registry.metrics();
    expect(metricValue(m, 'pyrelay_scrape_concurrency_waits_total')).toBeGreaterThan(0);
    expect(metricValue(m, 'pyrelay_scrape_max_concurrency')).toBe(cap);
    expect(metricValue(m, 'pyrelay_scrape_targets', 'job="many"')).toBe(N);
    await manager.stop();
    expect(metricValue(await registry.metrics(), 'pyrelay_scrape_in_flight')).toBe(0);
  });
});
