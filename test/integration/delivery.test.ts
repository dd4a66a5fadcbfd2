// Delivery guarantees over real HTTP (and the receiver-side dedup): the real
// server in-process on port 0 with durable targets, fake targets on port 0, temp storage dirs.
import path from 'node:path';
import { open } from 'lmdb';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/lib/clock.js';
import { startFakeTarget } from '../helpers/fake-target.js';
import { metricValue, startTestServer, type TestServer } from '../helpers/server.js';
import { cleanupAfterEach, fakeTarget } from '../helpers/cleanup.js';

const T = 1_700_000_000;
const defer = cleanupAfterEach();

const fake = (...args: Parameters<typeof startFakeTarget>) => fakeTarget(defer, ...args);

async function server(opts: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const s = await startTestServer(opts);
  defer(() => s.stop());
  return s;
}

async function ingest(url: string, name: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/ingest?${new URLSearchParams({ name, from: String(T), until: String(T + 10) })}`, { method: 'POST', body, headers });
  return res.status;
}

/** Short backoffs so a recovering target is retried within milliseconds (the matrix test covers the defaults). */
const fast = { 'min-backoff': '10ms', 'max-backoff': '50ms' };
const ids = (reqs: { headers: Record<string, unknown> }[]) => reqs.map((r) => String(r.headers['x-pyrelay-profile-id']));

describe('delivery', () => {
  it.each([false, true])('a target answering 503 for a while receives every profile once it recovers; the healthy one gets all on time (send-thread: %s)', async (sendThread) => {
    const flaky = await fake({ kind: 'status', status: 503, body: 'try later' });
    const healthy = await fake();
    const srv = await server({
      config: {
        'remote-write': {
          enabled: true,
          'send-thread': sendThread,
          targets: { flaky: { address: flaky.url, 'queue-workers': 2, ...fast }, healthy: { address: healthy.url, 'queue-workers': 2 } },
        },
      },
    });
    const N = 40;
    const started = performance.now();
    for (let i = 0; i < N; i++) expect(await ingest(srv.url, `rec.app{i=${i}}`, `a;b ${i + 1}\n`)).toBe(200);
    // On time: the healthy target has every profile while the flaky one is still refusing them all.
    await healthy.waitForRequests(N);
    const healthyMs = performance.now() - started;
    await flaky.waitForRequests(N); // it has been retried, not given up
    expect(flaky.requests.length).toBeGreaterThanOrEqual(N);
    expect(healthy.requests).toHaveLength(N);
    expect(new Set(ids(healthy.requests)).size).toBe(N);
    const text = await srv.metrics();
    const fl = `target_name="flaky",target_address="${flaky.url}"`;
    expect(metricValue(text, 'pyrelay_remote_write_sent_profiles_total', fl)).toBe(0);
    expect(metricValue(text, 'pyroscope_remote_write_queue_pending', fl)).toBe(N);
    expect(metricValue(text, 'pyrelay_remote_write_retries_total', `${fl},reason="status"`)).toBeGreaterThan(0);

    const before = flaky.requests.length;
    flaky.behave({ kind: 'status', status: 200 });
    // Each pending profile is sent once more and accepted: exactly N requests after the recovery.
    await flaky.waitForRequests(before + N, 15_000);
    const after = flaky.requests.slice(before);
    expect(new Set(ids(after))).toEqual(new Set(ids(healthy.requests)));
    expect(after.map((r) => r.query.name).sort()).toEqual(healthy.requests.map((r) => r.query.name).sort());
    await flaky.waitForRequests(before + N);
    console.info(`healthy target had all ${N} profiles after ${healthyMs.toFixed(0)} ms while the other answered 503`);
  });

  it('a corrupted backlog record is skipped and counted; the server starts and delivers the rest', async () => {
    const down = await fake({ kind: 'status', status: 503 });
    const config = (address: string) => ({ 'remote-write': { enabled: true, targets: { t: { address, 'queue-workers': 1, ...fast } } } });
    const first = await startTestServer({ config: config(down.url) });
    for (let i = 1; i <= 5; i++) expect(await ingest(first.url, `cor.app{i=${i}}`, `x;y ${i}\n`)).toBe(200);
    await first.stop(); // graceful: all five stay on disk
    const backlogPath = path.join(first.storagePath, 'remote-write');
    // Flip one payload byte of the third record: its checksum no longer matches.
    const env = open({ path: backlogPath, maxDbs: 4, compression: false });
    const payloads = env.openDB<Buffer, number>({ name: 'payloads', encoding: 'binary' });
    const keys = [...payloads.getKeys({})] as number[];
    expect(keys).toHaveLength(5);
    const raw = Buffer.from(payloads.getBinary(keys[2])!);
    raw[raw.length - 2] ^= 0xff;
    await payloads.put(keys[2], raw);
    await env.close();

    const up = await fake();
    const second = await server({ storagePath: first.storagePath, config: config(up.url) });
    await up.waitForRequests(4);
    expect(up.requests.map((r) => r.query.name).sort()).toEqual(['cor.app{i=1}', 'cor.app{i=2}', 'cor.app{i=4}', 'cor.app{i=5}']);
    expect(metricValue(await second.metrics(), 'pyrelay_remote_write_backlog_corrupt_records_total')).toBe(1);
    expect((await fetch(`${second.url}/ready`)).status).toBe(200);
  });

  it('a repeated X-Pyrelay-Profile-Id within the window is answered 200 and stored once; after the window it is stored again', async () => {
    const clock = new FakeClock(T * 1000);
    const srv = await server({ clock, config: { ingest: { 'dedup-window': '1m' } } });
    const id = { 'x-pyrelay-profile-id': 'upstream-id-1' };
    const total = async () => {
      const res = await fetch(`${srv.url}/render?${new URLSearchParams({ query: 'dup.app{}', from: String(T - 3600), until: String(T + 3600) })}`);
      return ((await res.json()) as { flamebearer: { numTicks: number } }).flamebearer.numTicks;
    };
    expect(await ingest(srv.url, 'dup.app', 'a;b 5\n', id)).toBe(200);
    expect(await ingest(srv.url, 'dup.app', 'a;b 5\n', id)).toBe(200);
    expect(await total()).toBe(5);
    // Another tenant's id is another profile.
    expect(await ingest(srv.url, 'dup.app', 'a;b 5\n', { ...id, 'x-scope-orgid': 'other' })).toBe(200);
    await clock.advance(61_000);
    expect(await ingest(srv.url, 'dup.app', 'a;b 5\n', id)).toBe(200);
    expect(await total()).toBe(15);
    expect(await ingest(srv.url, 'dup.app', 'a;b 5\n')).toBe(200); // no header: never deduplicated
    expect(await total()).toBe(20);
  });
});
