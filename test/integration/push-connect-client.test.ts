// The official Connect client (@connectrpc/connect with its fetch transport) against pyrelay's Push route:
// a real client nobody here wrote, in both codecs, sees success and typed Connect errors.
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PusherService } from '../../src/proto/push/v1/push_pb.js';
import { buildPprof } from '../helpers/push.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const T = 1_700_000_000;
const pprof = buildPprof({
  sampleTypes: [['samples', 'count']],
  periodType: ['cpu', 'nanoseconds'],
  period: 10_000_000,
  timeNanos: BigInt(T) * 1_000_000_000n,
  samples: [{ stack: ['main', 'serve'], values: [6] }],
});

describe('official Connect client -> Push', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { ingest: { 'max-body-bytes': '16KiB' } } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const client = (useBinaryFormat: boolean) => createClient(PusherService, createConnectTransport({ baseUrl: server.url, useBinaryFormat }));

  it.each([true, false])('pushes (binary: %s) and the profile is rendered', async (binary) => {
    const app = `connect-${binary ? 'bin' : 'json'}`;
    const res = await client(binary).push({
      series: [
        {
          labels: [
            { name: 'service_name', value: app },
            { name: '__name__', value: 'process_cpu' },
          ],
          samples: [{ rawProfile: pprof, ID: `${app}-1` }],
        },
      ],
    });
    expect(res.$typeName).toBe('push.v1.PushResponse');
    const r = await fetch(`${server.url}/render?${new URLSearchParams({ query: `${app}.cpu{}`, from: String(T - 60), until: String(T + 60) })}`);
    expect(((await r.json()) as { flamebearer: { numTicks: number } }).flamebearer.numTicks).toBe(6);
  });

  it.each([true, false])('gets a typed invalid_argument for an unknown profile type (binary: %s)', async (binary) => {
    const err = await client(binary)
      .push({
        series: [
          {
            labels: [
              { name: 'service_name', value: 'x' },
              { name: '__name__', value: 'nope' },
            ],
            samples: [{ rawProfile: pprof }],
          },
        ],
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.InvalidArgument);
    expect((err as ConnectError).rawMessage).toMatch(/unknown profile type "nope"/);
  });

  it('gets a typed resource_exhausted for a push over the body limit', async () => {
    const err = await client(true)
      .push({
        series: [
          {
            labels: [
              { name: 'service_name', value: 'big' },
              { name: '__name__', value: 'process_cpu' },
            ],
            samples: [{ rawProfile: new Uint8Array(20_000) }],
          },
        ],
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect((err as ConnectError).code).toBe(Code.ResourceExhausted);
  });
});
