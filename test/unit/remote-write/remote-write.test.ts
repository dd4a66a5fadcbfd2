import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { deadlineIn, FakeClock, systemClock, type Clock } from '../../../src/lib/clock.js';
import { createRemoteWrite } from '../../../src/remote-write/remote-write.js';
import { classifyResponse } from '../../../src/remote-write/outcome.js';
import { createSendThread } from '../../../src/remote-write/send-thread.js';
import type { SenderOptions } from '../../../src/remote-write/sender.js';
import type { RemoteWrite } from '../../../src/model/forward.js';
import { startFakeTarget, startSilentTcpServer } from '../../helpers/fake-target.js';
import { item, target } from './fixtures.js';
import { captureLogger } from './log-capture.js';
import { cleanupAfterEach, fakeTarget } from '../../helpers/cleanup.js';
import { registryValue } from '../../helpers/registry.js';

const defer = cleanupAfterEach();

const fake = (...args: Parameters<typeof startFakeTarget>) => fakeTarget(defer, ...args);

function remoteWrite(targets: ReturnType<typeof target>[], registry = new Registry(), clock: Clock = systemClock) {
  const log = captureLogger();
  const rw: RemoteWrite = createRemoteWrite({ targets, clock, logger: log.logger, registry, logIntervalMs: 60_000 });
  if (clock === systemClock) defer(() => rw.stop(deadlineIn(systemClock, 2000))); // fake-clock tests stop themselves
  return { rw, registry, lines: log.lines };
}

const value = registryValue;

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
    for (const [r, env] of [
      [ra, 'a'],
      [rb, 'b'],
    ] as const) {
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

  it('builds each target sender with newSender (main passes the send thread): origin, workers, timeout, protocol classifier', async () => {
    const t = await fake();
    const thread = createSendThread({ logger: captureLogger().logger });
    defer(() => thread.close()); // after rw.stop: defers run last first
    await thread.ready();
    const seen: SenderOptions[] = [];
    const rw = createRemoteWrite({
      targets: [target({ name: 'a', address: `${t.url}/prefix`, queueWorkers: 3, timeoutMs: 1234 })],
      clock: systemClock,
      logger: captureLogger().logger,
      registry: new Registry(),
      newSender: (o) => {
        seen.push(o);
        return thread.sender(o);
      },
    });
    defer(() => rw.stop(deadlineIn(systemClock, 2000)));
    await rw.offer(item({ body: Buffer.from('a;b 1\n') }));
    const [r] = await t.waitForRequests(1);
    expect(r.path).toBe('/prefix/ingest');
    expect(r.body.toString()).toBe('a;b 1\n');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ origin: t.url, connections: 3, timeoutMs: 1234, classify: classifyResponse });
  });

  it('a full queue drops exactly the overflow at once while a healthy target receives everything', async () => {
    const stuck = await fake({ kind: 'hold' });
    const healthy = await fake({ kind: 'hold' });
    const { rw, registry, lines } = remoteWrite([
      target({ name: 'stuck', address: stuck.url, queueSize: 5, queueWorkers: 2 }),
      target({ name: 'healthy', address: healthy.url, queueSize: 300, queueWorkers: 4 }),
    ]);
    const N = 200;
    // Neither target answers yet: offering would never finish if it awaited a target, and at most
    // queue-workers requests per target can have been sent.
    for (let i = 0; i < N; i++) await rw.offer(item({ profileId: `p${i}` }));
    expect(healthy.requests.length).toBeLessThanOrEqual(4);
    healthy.release(true);

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
    defer(() => silent.close());
    const ok = await fake();
    const timeoutMs = 300;
    const { rw, registry, lines } = remoteWrite([
      // One attempt per item: this test is about the timeout, retries have their own tests.
      target({ name: 'hung', address: silent.url, queueWorkers: 1, timeoutMs, retry: { ...target().retry, maxAttempts: 1 } }),
      target({ name: 'ok', address: ok.url, queueWorkers: 1 }),
    ]);
    for (let i = 0; i < 3; i++) await rw.offer(item({ profileId: `p${i}` }));
    await ok.waitForRequests(3);
    // The single worker must get through all three attempts: each is cut at the timeout.
    await until(async () => (await value(registry, 'pyrelay_remote_write_send_failures_total', { target_name: 'hung', reason: 'timeout' })) === 3);
    expect(await value(registry, 'pyroscope_remote_write_queue_pending', { target_name: 'hung' })).toBe(0);
    // No response arrived: no response-time sample, no sent bytes.
    expect(await value(registry, 'pyroscope_remote_write_client_sent_bytes', { targetName: 'hung' })).toBe(0);
    const fail = lines.find((l) => l.msg === 'remote write failed');
    expect(fail).toMatchObject({ remote_target: 'hung', status: 0 });
    // Cut by the per-attempt timer at the configured timeout (not a connection backstop).
    expect(String(fail?.error)).toContain(`timeout: no response within ${timeoutMs} ms`);
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
    await until(async () => (await value(registry, 'pyrelay_remote_write_send_failures_total', { target_name: 'bad' })) === 2);
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
    const clock = new FakeClock();
    const { rw, registry } = remoteWrite([target({ name: 'h', address: hang.url, queueWorkers: 1, timeoutMs: 60_000 })], new Registry(), clock);
    await rw.offer(item());
    await rw.offer(item());
    await hang.waitForRequests(1);
    let stopped = false;
    const stopping = rw.stop(deadlineIn(clock, 200)).then(() => (stopped = true));
    await clock.advance(199);
    expect(stopped).toBe(false); // before the deadline the in-flight send may still finish
    await clock.advance(1);
    await stopping; // at the deadline the hung send is cut (its own timeout is a minute away)
    await expect(rw.offer(item())).rejects.toMatchObject({ code: 'unavailable' });
    // The queued item and the one cut in flight are both lost (memory queue) and counted.
    expect(await value(registry, 'pyroscope_remote_write_queue_dropped', { target_name: 'h' })).toBe(2);
    expect(await value(registry, 'pyrelay_remote_write_dropped_total', { target_name: 'h', reason: 'stopped' })).toBe(2);
    expect(await value(registry, 'pyroscope_remote_write_queue_pending', { target_name: 'h' })).toBe(0);
  });
});

/** Polls metrics that have no event to await; the test's own timeout bounds it, nothing here measures time. */
async function until(cond: () => Promise<boolean>): Promise<void> {
  while (!(await cond())) await new Promise((r) => setTimeout(r, 10));
}
