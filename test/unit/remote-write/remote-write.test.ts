import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { deadlineIn, systemClock } from '../../../src/lib/clock.js';
import { createRemoteWrite } from '../../../src/remote-write/remote-write.js';
import type { RemoteWrite } from '../../../src/model/forward.js';
import { startFakeTarget, startSilentTcpServer, type FakeTarget } from '../../helpers/fake-target.js';
import { item, target } from './fixtures.js';
import { captureLogger } from './log-capture.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fake(...args: Parameters<typeof startFakeTarget>): Promise<FakeTarget> {
  const t = await startFakeTarget(...args);
  cleanups.push(() => t.close());
  return t;
}

function remoteWrite(targets: ReturnType<typeof target>[], registry = new Registry()) {
  const log = captureLogger();
  const rw: RemoteWrite = createRemoteWrite({ targets, clock: systemClock, logger: log.logger, registry, logIntervalMs: 60_000 });
  cleanups.push(() => rw.stop(deadlineIn(systemClock, 2000)));
  return { rw, registry, lines: log.lines };
}

async function value(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((s) => Object.entries(labels).every(([k, val]) => s.labels[k] === val));
  return v?.value ?? 0;
}

describe('fan-out', () => {
  it('sends every offered profile to every target with its own tags and auth', async () => {
    const a = await fake();
    const b = await fake();
    const { rw } = remoteWrite([
      target({ name: 'a', address: `${a.url}/prefix/`, tags: { env: 'a' }, authToken: 'tok' }),
      target({ name: 'b', address: b.url, tags: { env: 'b' }, basicAuthUser: 'u', basicAuthPassword: 'p', tenantId: 'org' }),
    ]);
    const body = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x0a]);
    await rw.offer(item({ body, format: 'trie', contentType: 'binary/octet-stream+trie', labels: { env: 'x', k: 'v' }, rawQuery: { spyName: 'gospy' } }));
    const [ra] = await a.waitForRequests(1);
    const [rb] = await b.waitForRequests(1);
    for (const [r, env] of [[ra, 'a'], [rb, 'b']] as const) {
      expect(r.method).toBe('POST');
      expect(r.body.equals(body)).toBe(true);
      expect(r.query).toEqual({ name: `my.app{env=${env},k=v}`, from: '1700000000', until: '1700000010', format: 'trie', spyName: 'gospy' });
      expect(r.headers['content-type']).toBe('binary/octet-stream');
      expect(r.headers['x-pyrelay-profile-id']).toBe('pid-1');
    }
    expect(ra.path).toBe('/prefix/ingest');
    expect(ra.headers.authorization).toBe('Bearer tok');
    expect(ra.headers['x-scope-orgid']).toBeUndefined();
    expect(rb.path).toBe('/ingest');
    expect(rb.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(rb.headers['x-scope-orgid']).toBe('org');
  });

  it('a full queue drops exactly the overflow at once while a healthy target receives everything', async () => {
    const stuck = await fake({ kind: 'hold' });
    const healthy = await fake();
    const { rw, registry, lines } = remoteWrite([
      target({ name: 'stuck', address: stuck.url, queueSize: 5, queueWorkers: 2 }),
      target({ name: 'healthy', address: healthy.url, queueSize: 300, queueWorkers: 4 }),
    ]);
    const N = 200;
    const started = performance.now();
    for (let i = 0; i < N; i++) await rw.offer(item({ profileId: `p${i}` }));
    const elapsed = performance.now() - started;
    // A design that awaited the stuck target would never finish; one that awaited the healthy one needs >= N round trips.
    expect(elapsed).toBeLessThan(500);

    await healthy.waitForRequests(N);
    await stuck.waitForRequests(2);
    const stuckLabels = { target_name: 'stuck', target_address: stuck.url };
    expect(await value(registry, 'pyroscope_remote_write_queue_dropped', stuckLabels)).toBe(N - 5 - 2);
    expect(await value(registry, 'pyroscope_remote_write_queue_pending', stuckLabels)).toBe(7);
    expect(await value(registry, 'pyroscope_remote_write_queue_dropped', { target_name: 'healthy' })).toBe(0);
    expect(new Set(healthy.requests.map((r) => r.headers['x-pyrelay-profile-id'])).size).toBe(N);
    // Rate-limited: one line at once, the rest counted into a summary (written at stop at the latest).
    expect(lines.filter((l) => l.msg === 'remote write queue full, profile dropped')).toHaveLength(1);

    stuck.release(true);
    await stuck.waitForRequests(7);
    await rw.stop(deadlineIn(systemClock, 2000));
    expect(stuck.requests).toHaveLength(7);
    expect(await value(registry, 'pyroscope_remote_write_queue_pending', stuckLabels)).toBe(0);
    const dropLines = lines.filter((l) => l.msg === 'remote write queue full, profile dropped');
    expect(dropLines).toHaveLength(2);
    expect(dropLines[1].suppressed).toBe(N - 7 - 1);
  });

  it('cuts off a target that accepts TCP and never answers at its timeout, and keeps going', async () => {
    const silent = await startSilentTcpServer();
    cleanups.push(() => silent.close());
    const ok = await fake();
    const timeoutMs = 300;
    const { rw, registry, lines } = remoteWrite([
      // One attempt per item: this test is about the timeout, retries have their own tests.
      target({ name: 'hung', address: silent.url, queueWorkers: 1, timeoutMs, retry: { ...target().retry, maxAttempts: 1 } }),
      target({ name: 'ok', address: ok.url, queueWorkers: 1 }),
    ]);
    const started = performance.now();
    for (let i = 0; i < 3; i++) await rw.offer(item({ profileId: `p${i}` }));
    await ok.waitForRequests(3);
    // The single worker must get through all three attempts: each is cut at the timeout.
    await until(async () => (await value(registry, 'pyrelay_remote_write_send_failures_total', { target_name: 'hung', reason: 'timeout' })) === 3, 5000);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(3 * timeoutMs - 20);
    expect(elapsed).toBeLessThan(3 * timeoutMs + 1500);
    expect(await value(registry, 'pyroscope_remote_write_queue_pending', { target_name: 'hung' })).toBe(0);
    // No response arrived: no response-time sample, no sent bytes.
    expect(await value(registry, 'pyroscope_remote_write_client_sent_bytes', { targetName: 'hung' })).toBe(0);
    const fail = lines.find((l) => l.msg === 'remote write failed');
    expect(fail).toMatchObject({ remote_target: 'hung', status: 0 });
    expect(String(fail?.error)).toMatch(/timeout/i);
  });

  it('keeps connections alive: at most queue-workers connections per target', async () => {
    const t = await fake();
    const { rw } = remoteWrite([target({ name: 'k', address: t.url, queueWorkers: 2, queueSize: 100 })]);
    for (let i = 0; i < 30; i++) await rw.offer(item({ profileId: `p${i}` }));
    await t.waitForRequests(30);
    expect(t.connections).toBeGreaterThanOrEqual(1);
    expect(t.connections).toBeLessThanOrEqual(2);
  });

  it('logs a failed send with target, redacted URL, status and the start of the body; counts bytes only on 2xx', async () => {
    const bad = await fake({ kind: 'status', status: 403, body: 'forbidden: ' + 'x'.repeat(1000) });
    const { rw, registry, lines } = remoteWrite([target({ name: 'bad', address: bad.url.replace('http://', 'http://me:secret@') })]);
    await rw.offer(item());
    await rw.offer(item());
    await bad.waitForRequests(2);
    await until(async () => (await value(registry, 'pyrelay_remote_write_send_failures_total', { target_name: 'bad' })) === 2, 2000);
    const fails = lines.filter((l) => l.msg === 'remote write failed');
    expect(fails).toHaveLength(1);
    expect(fails[0]).toMatchObject({ remote_target: 'bad', status: 403 });
    expect(String(fails[0].body).startsWith('forbidden: x')).toBe(true);
    expect(String(fails[0].body).length).toBe(256);
    expect(JSON.stringify(lines)).not.toContain('secret');
    expect(fails[0].target_address).toBe(bad.url.replace('http://', 'http://me:***@'));
    expect(await value(registry, 'pyroscope_remote_write_client_sent_bytes', { targetName: 'bad' })).toBe(0);
    const hist = (await registry.getMetricsAsJSON()).find((m) => m.name === 'pyroscope_remote_write_client_response_time');
    expect(hist?.values.find((v) => (v as { metricName?: string }).metricName?.endsWith('_count') && v.labels.code === '403')?.value).toBe(2);
  });

  it('offer after stop rejects with unavailable; stop aborts in-flight sends at the deadline', async () => {
    const hang = await fake({ kind: 'hang' });
    const { rw, registry } = remoteWrite([target({ name: 'h', address: hang.url, queueWorkers: 1, timeoutMs: 60_000 })]);
    await rw.offer(item());
    await rw.offer(item());
    await hang.waitForRequests(1);
    const started = performance.now();
    await rw.stop(deadlineIn(systemClock, 200));
    expect(performance.now() - started).toBeLessThan(1500);
    await expect(rw.offer(item())).rejects.toMatchObject({ code: 'unavailable' });
    // The queued item and the one cut in flight are both lost (memory queue) and counted.
    expect(await value(registry, 'pyroscope_remote_write_queue_dropped', { target_name: 'h' })).toBe(2);
    expect(await value(registry, 'pyrelay_remote_write_dropped_total', { target_name: 'h', reason: 'stopped' })).toBe(2);
    expect(await value(registry, 'pyroscope_remote_write_queue_pending', { target_name: 'h' })).toBe(0);
  });
});

async function until(cond: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  // Polls metrics that have no event to await; bounded, and the interval is not what the test measures.
  const end = performance.now() + timeoutMs;
  while (!(await cond())) {
    if (performance.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
