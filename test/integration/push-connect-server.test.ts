// `protocol: push` against a real Connect server (@connectrpc/connect-node serving PusherService on port 0,
// strict about the Connect protocol header): what it decodes is what was ingested, an `unavailable` error is
// retried and an `invalid_argument` one dropped, both counted by code.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Code, ConnectError, type ConnectRouter } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PusherService, type PushRequest } from '../../src/proto/push/v1/push_pb.js';
import { decodePprof, pprofStacks } from '../helpers/push.js';
import { metricValue, startTestServer, type TestServer } from '../helpers/server.js';

const T = 1_700_000_000;
const received: { req: PushRequest; tenant: string | null; auth: string | null }[] = [];
const failNext: ConnectError[] = [];
let http: Server;
let url: string;
let edge: TestServer;

beforeAll(async () => {
  const routes = (router: ConnectRouter) =>
    router.service(PusherService, {
      push(req, ctx) {
        const err = failNext.shift();
        if (err) throw err;
        received.push({ req, tenant: ctx.requestHeader.get('x-scope-orgid'), auth: ctx.requestHeader.get('authorization') });
        return {};
      },
    });
  http = createServer(connectNodeAdapter({ routes, requireConnectProtocolHeader: true }));
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  edge = await startTestServer({
    config: {
      'remote-write': {
        enabled: true,
        targets: { grafana: { address: url, protocol: 'push', 'auth-token': 't0k', 'tenant-id': 'acme', 'queue-workers': 1, 'min-backoff': '10ms', 'max-backoff': '20ms' } },
      },
    },
  });
});
afterAll(async () => {
  await edge?.stop();
  http?.closeAllConnections();
  http?.close();
});

const ingest = async (name: string, body: string) => {
  const res = await fetch(`${edge.url}/ingest?${new URLSearchParams({ name, from: String(T), until: String(T + 10), sampleRate: '100' })}`, { method: 'POST', body });
  expect(res.status).toBe(200);
};
it('delivers to a real Connect server, retries unavailable, drops invalid_argument', async () => {
  const metric = async (name: string, extra: string) => metricValue(await edge.metrics(), name, `target_name="grafana",target_address="${url}",${extra}`);

  failNext.push(new ConnectError('ingesters not ready', Code.Unavailable));
  await ingest('shop.cpu{env=prod}', 'main;pay 3\nmain;cart 1\n');
  await expect.poll(() => received.length).toBe(1);
  const [{ req, tenant, auth }] = received;
  expect(tenant).toBe('acme');
  expect(auth).toBe('Bearer t0k');
  const [series] = req.series;
  expect(Object.fromEntries(series.labels.map((l) => [l.name, l.value]))).toEqual({
    __delta__: 'false',
    __name__: 'process_cpu',
    env: 'prod',
    service_name: 'shop',
  });
  const p = decodePprof(series.samples[0].rawProfile);
  expect(Object.fromEntries(pprofStacks(p, 'samples'))).toEqual({ 'main;pay': 3, 'main;cart': 1 });
  expect(Object.fromEntries(pprofStacks(p, 'cpu'))).toEqual({ 'main;pay': 3e7, 'main;cart': 1e7 });
  expect(await metric('pyrelay_remote_write_retries_total', 'reason="unavailable"')).toBe(1);

  failNext.push(new ConnectError('labels are invalid', Code.InvalidArgument));
  await ingest('shop.cpu{env=dev}', 'main;pay 1\n');
  await expect.poll(() => metric('pyrelay_remote_write_dropped_total', 'reason="non_retryable"')).toBe(1);
  expect(await metric('pyrelay_remote_write_send_failures_total', 'reason="invalid_argument"')).toBe(1);
  expect(received).toHaveLength(1);
});
