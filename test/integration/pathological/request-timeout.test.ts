// ingest.request-timeout ends a request whose body trickles in (slowloris), exactly at the limit, with 408,
// a closed connection and a counted limit hit; a request that completes in time is untouched.
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createHttpServer } from '../../../src/http/server.js';
import { metricValue, startTestServer, type TestServer } from '../../helpers/server.js';

/** The real HTTP shell with a 300 ms deadline and a GET route that answers after 800 ms. */
async function startTestServerWithSlowRoute(): Promise<{ url: string; close(): Promise<void> }> {
  const app = createHttpServer({ logger: pino({ level: 'silent' }), registry: new Registry(), bodyLimit: 1024, requestTimeoutMs: 300, isReady: () => true });
  app.get('/slow', async () => {
    await new Promise((r) => setTimeout(r, 800));
    return 'done';
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, close: () => app.close() };
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** Sends headers announcing `length` body bytes, then one byte every `everyMs`; resolves with what came back and when the socket closed. */
function trickle(url: string, length: number, everyMs: number): Promise<{ response: string; closedAfterMs: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(Number(port), hostname);
    let response = '';
    let timer: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      socket.write(`POST /ingest?name=slow.app HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: ${length}\r\n\r\n`);
      timer = setInterval(() => socket.writable && socket.write('a'), everyMs);
    });
    socket.on('data', (d) => (response += d.toString()));
    socket.on('error', () => undefined); // a reset after the 408 is fine: the close below is what counts
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ response, closedAfterMs: performance.now() - started });
    });
    setTimeout(() => reject(new Error('socket still open after 10 s')), 10_000).unref();
  });
}

describe('ingest.request-timeout', () => {
  it('cuts off a body trickled one byte at a time at the limit with 408 and closes the connection', async () => {
    server = await startTestServer({ config: { ingest: { 'request-timeout': '1s' } } });
    const { response, closedAfterMs } = await trickle(server.url, 1000, 200);
    expect(response).toMatch(/^HTTP\/1\.1 408 /);
    expect(response).toContain('request not received within 1000 ms (ingest.request-timeout)');
    expect(closedAfterMs).toBeGreaterThanOrEqual(950);
    expect(closedAfterMs).toBeLessThan(5000); // generous: a loaded CI machine delays timers
    expect(metricValue(await server.metrics(), 'pyrelay_ingest_limit_hits_total', 'limit="request-timeout"')).toBe(1);
    // the server is fine afterwards and nothing was stored
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const labels = (await (await fetch(`${server.url}/label-values?label=__name__`)).json()) as string[];
    expect(labels).not.toContain('slow.app');
  });

  it('leaves a request that completes within the limit alone', async () => {
    server = await startTestServer({ config: { ingest: { 'request-timeout': '1s' } } });
    const res = await fetch(`${server.url}/ingest?name=quick.app`, { method: 'POST', body: 'a;b 1\n' });
    expect(res.status).toBe(200);
    // a slow handler is not a slow body: the deadline only covers receiving the request
    const sleeper = await startTestServerWithSlowRoute();
    const slow = await fetch(`${sleeper.url}/slow`);
    expect(slow.status).toBe(200);
    await sleeper.close();
    expect(metricValue(await server.metrics(), 'pyrelay_ingest_limit_hits_total', 'limit="request-timeout"')).toBe(0);
  });
});
