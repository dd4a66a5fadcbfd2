// The send thread's sender against real local HTTP servers: the worker runs the attempts, the main thread
// classifies them, so every outcome must equal the in-thread sender's for the same answer; timeouts, aborts,
// close/destroy and a killed worker behave as the target's retry loop expects.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyConnectResponse } from '../../../src/remote-write/connect-outcome.js';
import type { ForwardRequest } from '../../../src/remote-write/forward-request.js';
import type { ResponseClassifier } from '../../../src/remote-write/outcome.js';
import { createSendThread, type SendThread } from '../../../src/remote-write/send-thread.js';
import { createSender, type SendResult, type Sender, type SenderOptions } from '../../../src/remote-write/sender.js';
import { cleanupAfterEach, fakeTarget } from '../../helpers/cleanup.js';
import { startFakeTarget } from '../../helpers/fake-target.js';
import { captureLogger } from './log-capture.js';

const defer = cleanupAfterEach();
const fake = (...args: Parameters<typeof startFakeTarget>) => fakeTarget(defer, ...args);
const NOW = Date.parse('2026-01-01T00:00:00Z');
const SECRET = 's3cret-token-value';

const threads: SendThread[] = [];
let logs: Record<string, unknown>[] = [];
afterEach(async () => {
  for (const t of threads.splice(0)) await t.close();
  // Whatever a test did, nothing the send thread logged may carry a credential.
  expect(JSON.stringify(logs)).not.toContain(SECRET);
  logs = [];
});

async function startThread(): Promise<SendThread> {
  const cap = captureLogger();
  logs = cap.lines;
  const thread = createSendThread({ logger: cap.logger });
  threads.push(thread);
  await thread.ready();
  return thread;
}

function options(origin: string, extra: Partial<SenderOptions> = {}): SenderOptions {
  return { origin, connections: 2, timeoutMs: 5000, now: () => NOW, ...extra };
}

/** Both senders on the same target: the in-thread one is the reference. */
async function pair(origin: string, extra: Partial<SenderOptions> = {}): Promise<{ worker: Sender; local: Sender; thread: SendThread }> {
  const thread = await startThread();
  const worker = thread.sender(options(origin, extra));
  const local = createSender(options(origin, extra));
  defer(() => local.destroy());
  return { worker, local, thread };
}

const request = (body: Buffer | string = 'a;b 1\n', headers: Record<string, string> = {}): ForwardRequest => ({
  url: 'http://unused/ingest?name=x',
  path: '/ingest?name=x',
  headers: { 'content-type': 'binary/octet-stream', authorization: `Bearer ${SECRET}`, ...headers },
  body: typeof body === 'string' ? Buffer.from(body) : body,
});

const withoutTiming = (r: SendResult) => ({ ...r, responseSeconds: r.responseSeconds === undefined ? undefined : 'measured' });

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server: Server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  defer(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('send thread', () => {
  it('delivers path, headers and the exact bytes of a body that is a view into a larger buffer; one body shared by two targets', async () => {
    const a = await fake();
    const b = await fake();
    const t = await startThread();
    const [sa, sb] = [t.sender(options(a.url)), t.sender(options(b.url))];
    const backing = Buffer.from('xxxxHELLO-PROFILEyyyy');
    const body = backing.subarray(4, 17);
    const [ra, rb] = await Promise.all([sa.send(request(body)), sb.send(request(body))]);
    for (const [r, target] of [
      [ra, a],
      [rb, b],
    ] as const) {
      expect(r).toMatchObject({ status: 200, bodyExcerpt: '', outcome: { kind: 'success', status: 200 } });
      expect(r.responseSeconds).toBeGreaterThan(0);
      expect(target.requests).toHaveLength(1);
      expect(target.requests[0].path).toBe('/ingest');
      expect(target.requests[0].rawQuery).toBe('name=x');
      expect(target.requests[0].headers.authorization).toBe(`Bearer ${SECRET}`);
      expect(target.requests[0].body.toString()).toBe('HELLO-PROFILE');
    }
    await Promise.all([sa.close(), sb.close()]);
  });

  type Answer = { status: number; body?: string; headers?: Record<string, string> };
  it.each<[string, Answer]>([
    ['503 with Retry-After seconds and a body', { status: 503, body: 'overloaded', headers: { 'retry-after': '120' } }],
    ['429 with an HTTP-date Retry-After', { status: 429, body: 'rate_limited', headers: { 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' } }],
    ['429 naming a limit (permanent)', { status: 429, body: 'ingest_limit_reached: too much' }],
    ['400', { status: 400, body: 'bad name' }],
    ['302 with a Location carrying a token', { status: 302, headers: { location: 'https://other.example/x?token=abc' } }],
    ['500 with a long body (excerpt bound)', { status: 500, body: 'e'.repeat(5000) }],
  ])('%s: the classifier gets the same facts as in-thread, so the outcome is identical', async (_label, answer) => {
    const t = await fake({ kind: 'status', ...answer });
    const seen: unknown[][] = [];
    const classify: ResponseClassifier = (...args) => {
      seen.push(args);
      return classifyConnectResponse(...args);
    };
    const { worker, local, thread } = await pair(t.url, { classify, excerptBytes: 1024 });
    const fromWorker = await worker.send(request());
    const fromLocal = await local.send(request());
    expect(withoutTiming(fromWorker)).toEqual(withoutTiming(fromLocal));
    expect(seen[0]).toEqual(seen[1]);
    expect(seen[0]).toEqual([answer.status, { retryAfter: answer.headers?.['retry-after'], location: answer.headers?.location }, (answer.body ?? '').slice(0, 1024), NOW]);
    // The default classifier as well (the /ingest rules).
    const r = await thread.sender(options(t.url)).send(request());
    const reference = createSender(options(t.url));
    defer(() => reference.destroy());
    expect(withoutTiming(r)).toEqual(withoutTiming(await reference.send(request())));
    if (answer.status === 503) expect(r.outcome).toMatchObject({ kind: 'retryable', reason: 'status', status: 503, retryAfterMs: 120_000 });
    if (answer.status === 302) expect(r.outcome).toMatchObject({ kind: 'permanent', reason: 'redirect', detail: expect.stringContaining('token=***') as unknown });
  });

  it('cuts an attempt at the target timeout, in the worker, with the in-thread outcome', async () => {
    const t = await fake({ kind: 'hang' });
    const { worker, local } = await pair(t.url, { timeoutMs: 200 });
    const t0 = performance.now();
    const r = await worker.send(request());
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(r).toEqual({ outcome: { kind: 'retryable', reason: 'timeout', detail: 'timeout: no response within 200 ms' }, bodyExcerpt: '' });
    expect(r).toEqual(await local.send(request()));
  });

  it('a connection refused is a retryable network error, as in-thread', async () => {
    const t = await fake();
    const origin = t.url;
    await t.close();
    const { worker, local } = await pair(origin);
    const r = await worker.send(request());
    expect(r.outcome).toMatchObject({ kind: 'retryable', reason: 'network' });
    expect(r).toEqual(await local.send(request()));
    expect(JSON.stringify(r)).not.toContain(SECRET);
  });

  it('a header the client refuses is permanent, as in-thread, and its value is not echoed', async () => {
    const t = await fake();
    const { worker, local } = await pair(t.url);
    const bad = request('a;b 1\n', { 'x-bad': `v\r\n${SECRET}` });
    const r = await worker.send(bad);
    expect(r.outcome).toMatchObject({ kind: 'permanent', reason: 'non_retryable', status: 0 });
    expect(r).toEqual(await local.send(bad));
    expect(JSON.stringify(r)).not.toContain(SECRET);
    expect(t.requests).toHaveLength(0);
  });

  it('the shutdown abort resolves the attempt with its reason and cuts the request in the worker', async () => {
    let cut!: () => void;
    const wasCut = new Promise<void>((r) => (cut = r));
    let arrived!: () => void;
    const hasArrived = new Promise<void>((r) => (arrived = r));
    const origin = await serve((req, res) => {
      req.resume();
      arrived();
      res.on('close', cut);
    });
    const t = await startThread();
    const sender = t.sender(options(origin));
    const shutdown = new AbortController();
    const pending = sender.send(request(), shutdown.signal);
    await hasArrived;
    shutdown.abort(new Error('remote write stopped at its shutdown deadline'));
    expect(await pending).toEqual({ outcome: { kind: 'retryable', reason: 'network', detail: 'remote write stopped at its shutdown deadline' }, bodyExcerpt: '' });
    await wasCut;
    // An attempt started after the abort never goes out.
    expect(await sender.send(request(), shutdown.signal)).toMatchObject({ outcome: { kind: 'retryable', reason: 'network' } });
    await sender.destroy();
  });

  it('close() lets an in-flight attempt finish; destroy() cuts one', async () => {
    const held = await fake({ kind: 'hold' });
    const t = await startThread();
    const closing = t.sender(options(held.url));
    const inFlight = closing.send(request());
    await held.waitForRequests(1);
    let closed = false;
    const done = closing.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(false);
    held.release();
    expect((await inFlight).outcome.kind).toBe('success');
    await done;

    const hung = await fake({ kind: 'hang' });
    const cut = t.sender(options(hung.url));
    const attempt = cut.send(request());
    await hung.waitForRequests(1);
    await cut.destroy();
    expect((await attempt).outcome).toMatchObject({ kind: 'retryable', reason: 'network' });
  });

  it('a killed worker turns in-flight attempts into retryable failures; a new worker takes the next send', async () => {
    const target = await fake({ kind: 'hang' });
    const t = await startThread();
    const sender = t.sender(options(target.url));
    const first = t.worker;
    const inFlight = [sender.send(request()), sender.send(request())];
    await target.waitForRequests(2);
    await first!.terminate();
    for (const r of await Promise.all(inFlight)) {
      expect(r).toEqual({ outcome: { kind: 'retryable', reason: 'network', detail: 'remote-write send thread exited (code 1)' }, bodyExcerpt: '' });
    }
    expect(t.worker).toBeDefined();
    expect(t.worker).not.toBe(first);
    target.behave({ kind: 'status', status: 200 });
    expect(await sender.send(request())).toMatchObject({ status: 200, outcome: { kind: 'success' } });
    expect(target.requests).toHaveLength(3);
    expect(logs.some((l) => l.msg === 'remote-write send thread exited; starting a new one' && l.code === 1)).toBe(true);
    await sender.close();
  });

  it('close() terminates the worker; attempts still pending resolve as network errors', async () => {
    const target = await fake({ kind: 'hang' });
    const t = await startThread();
    const pending = t.sender(options(target.url)).send(request());
    await target.waitForRequests(1);
    await t.close();
    expect((await pending).outcome).toMatchObject({ kind: 'retryable', reason: 'network' });
    expect(t.worker).toBeUndefined();
    expect(logs.filter((l) => typeof l.msg === 'string' && l.msg.includes('starting a new one'))).toHaveLength(0);
  });
});
