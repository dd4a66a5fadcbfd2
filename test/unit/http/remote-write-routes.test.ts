import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../../src/http/server.js';
import { registerRemoteWriteRoutes } from '../../../src/http/routes/remote-write-routes.js';
import { deadlineIn, systemClock } from '../../../src/lib/clock.js';
import { createLogger } from '../../../src/lib/logger.js';
import { createRemoteWrite } from '../../../src/remote-write/remote-write.js';
import { createRemoteWriteStatus, type TargetStatus } from '../../../src/remote-write/target-status.js';
import { startFakeTarget } from '../../helpers/fake-target.js';
import { item, target } from '../remote-write/fixtures.js';

const logger = createLogger('silent');
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function server(status: ReturnType<typeof createRemoteWriteStatus> | undefined): FastifyInstance {
  const app = createHttpServer({ logger, registry: new Registry(), bodyLimit: 1 << 20, requestTimeoutMs: 10_000, isReady: () => true });
  registerRemoteWriteRoutes(app, { status });
  cleanups.push(() => app.close());
  return app;
}

async function targets(app: FastifyInstance): Promise<TargetStatus[]> {
  const res = await app.inject({ method: 'GET', url: '/api/remote-write/targets' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(res.headers['cache-control']).toBe('no-store');
  return (JSON.parse(res.body) as { targets: TargetStatus[] }).targets;
}

/** Polls the endpoint until `ok` holds (an event we cannot await directly: a retry happening in the target). */
async function until(app: FastifyInstance, ok: (t: TargetStatus[]) => boolean, timeoutMs = 5000): Promise<TargetStatus[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const t = await targets(app);
    if (ok(t)) return t;
    if (Date.now() > end) throw new Error(`condition not met: ${JSON.stringify(t)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('GET /api/remote-write/targets', () => {
  it('answers enabled: false and no targets when remote write is off', async () => {
    const res = await server(undefined).inject({ method: 'GET', url: '/api/remote-write/targets' });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ enabled: false, windowSeconds: 0, targets: [] });
  });

  it('shows a down target failing with pending growing, then healthy with nothing pending once it is back', async () => {
    const down = await startFakeTarget({ kind: 'status', status: 503, body: 'overloaded' });
    cleanups.push(() => down.close());
    const status = createRemoteWriteStatus({ clock: systemClock, failingAfterAttempts: 3 });
    const retry = { minBackoffMs: 10, maxBackoffMs: 20, multiplier: 2, jitter: 0, max429Retries: 10, maxAttempts: 0 };
    const address = down.url.replace('http://', 'http://user:hunter2@');
    const rw = createRemoteWrite({
      targets: [target({ name: 'central', address, queueWorkers: 1, queueSize: 50, retry }), target({ name: 'other', address: down.url, queueWorkers: 1, retry })],
      clock: systemClock,
      logger,
      registry: new Registry(),
      status,
    });
    cleanups.push(() => rw.stop(deadlineIn(systemClock, 1000)));
    const app = server(status);

    const before = await targets(app);
    expect(before.map((t) => [t.name, t.state, t.durable, t.pending.items])).toEqual([
      ['central', 'healthy', false, 0],
      ['other', 'healthy', false, 0],
    ]);
    expect(before[0].address).toBe(down.url.replace('http://', 'http://user:***@'));

    const body = Buffer.from('foo;bar 1\n');
    await rw.offer(item({ body, profileId: 'a' }));
    const failing = await until(app, (t) => t[0].state === 'failing');
    expect(failing[0]).toMatchObject({ pending: { items: 1, bytes: body.length }, lastError: { reason: 'status', message: 'status 503: overloaded' } });
    expect(failing[0].failures.status).toBeGreaterThanOrEqual(3);
    expect(failing[0].pending.oldestAgeSeconds).toBeGreaterThanOrEqual(0);
    await rw.offer(item({ body, profileId: 'b' }));
    await rw.offer(item({ body, profileId: 'c' }));
    const growing = await targets(app);
    expect(growing[0]).toMatchObject({ state: 'failing', pending: { items: 3, bytes: 3 * body.length } });

    down.behave({ kind: 'status', status: 200 });
    const healthy = await until(app, (t) => t.every((x) => x.state === 'healthy' && x.pending.items === 0));
    expect(healthy[0]).toMatchObject({ consecutiveFailures: 0, pending: { items: 0, bytes: 0, oldestAgeSeconds: 0 }, sent: { profiles: 3, bytes: 3 * body.length } });
    expect(healthy[0].lastSuccessAt).not.toBeNull();
    expect(healthy[0].sentPerSecond).toBeGreaterThan(0);
    expect(healthy[0].drops).toEqual({});
    const res = await app.inject({ method: 'GET', url: '/api/remote-write/targets' });
    expect(res.body).not.toContain('hunter2');
  });

  it('counts a full queue as drops by reason', async () => {
    const stuck = await startFakeTarget({ kind: 'hold' });
    cleanups.push(() => stuck.close());
    const status = createRemoteWriteStatus({ clock: systemClock });
    const rw = createRemoteWrite({
      targets: [target({ name: 'stuck', address: stuck.url, queueWorkers: 1, queueSize: 2 })],
      clock: systemClock,
      logger,
      registry: new Registry(),
      status,
    });
    cleanups.push(async () => {
      stuck.release(true);
      await rw.stop(deadlineIn(systemClock, 1000));
    });
    for (let i = 0; i < 6; i++) await rw.offer(item({ profileId: `p${i}` }));
    await stuck.waitForRequests(1);
    const [t] = await targets(server(status));
    // One in flight, two waiting, three refused.
    expect(t).toMatchObject({ state: 'healthy', inFlight: 1, pending: { items: 3 }, drops: { queue_full: 3 } });
  });
});
