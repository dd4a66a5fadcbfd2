// Edge pyrelay -> (protocol: push) -> central pyrelay, the central one flapping behind
// a proxy that answers 503, resets connections, or stores the push and then drops the answer (so the edge
// re-sends what central already has). Central dedups on RawSample.ID: every profile is stored exactly once.
import { afterEach, expect, it } from 'vitest';
import { startFlakyProxy, type ProxyAction } from '../helpers/flaky-proxy.js';
import { metricValue, startTestServer } from '../helpers/server.js';

const T = 1_700_000_000;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

it('edge -> push -> flapping central: every profile is stored exactly once on central', async () => {
  const central = await startTestServer({});
  cleanups.push(() => central.stop());
  const cycle: ProxyAction[] = ['fail503', 'forwardThenReset', 'forward', 'reset', 'forwardThenReset', 'forward', 'fail503'];
  const proxy = await startFlakyProxy(central.url, (n) => cycle[n % cycle.length]);
  cleanups.push(() => proxy.close());
  const edge = await startTestServer({
    config: {
      'remote-write': {
        enabled: true,
        targets: {
          central: {
            address: proxy.url,
            protocol: 'push',
            'queue-workers': 2,
            'max-batch-bytes': '2KiB',
            'min-backoff': '10ms',
            'max-backoff': '50ms',
          },
        },
      },
    },
  });
  cleanups.push(() => edge.stop());

  const N = 40;
  for (let i = 0; i < N; i++) {
    const res = await fetch(`${edge.url}/ingest?${new URLSearchParams({ name: `ec.cpu{i=${i}}`, from: String(T), until: String(T + 10), sampleRate: '100' })}`, {
      method: 'POST',
      body: `main;work ${i + 1}\nmain;idle 1\n`,
    });
    expect(res.status).toBe(200);
  }

  const range = { from: String(T - 3600), until: String(T + 3600) };
  const ticks = async (url: string, query: string) => {
    const res = await fetch(`${url}/render?${new URLSearchParams({ query, ...range })}`);
    return ((await res.json()) as { flamebearer: { numTicks: number } }).flamebearer.numTicks;
  };
  const labels = `target_name="central",target_address="${proxy.url}"`;
  await expect.poll(async () => metricValue(await edge.metrics(), 'pyrelay_remote_write_sent_profiles_total', labels), { timeout: 30_000 }).toBe(N);

  // Sample counts survive the trip (sent as samples + nanoseconds, stored from the samples).
  for (let i = 0; i < N; i++) expect(await ticks(central.url, `ec.cpu{i="${i}"}`), `profile ${i}`).toBe(i + 2);
  expect(await ticks(central.url, 'ec.cpu{}')).toBe((N * (N + 1)) / 2 + N);
  expect(await ticks(edge.url, 'ec.cpu{}')).toBe((N * (N + 1)) / 2 + N);

  // The flapping really happened, central really dropped re-sent copies, and requests carried batches.
  for (const a of ['fail503', 'reset', 'forwardThenReset', 'forward'] as const) expect(proxy.actions).toContain(a);
  const centralText = await central.metrics();
  expect(metricValue(centralText, 'pyrelay_ingest_discarded_total', 'reason="duplicate_profile_id"')).toBeGreaterThan(0);
  expect(metricValue(centralText, 'pyrelay_ingest_requests_total', 'format="push",status="200"')).toBeGreaterThan(0);
  await edge.stop();
  const edgeText = await edge.pyrelay.registry.metrics();
  expect(
    metricValue(edgeText, 'pyrelay_remote_write_retries_total', `${labels},reason="unavailable"`) +
      metricValue(edgeText, 'pyrelay_remote_write_retries_total', `${labels},reason="status"`),
  ).toBeGreaterThan(0);
  expect(metricValue(edgeText, 'pyrelay_remote_write_backlog_items', labels)).toBe(0);
});
