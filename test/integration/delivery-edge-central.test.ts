// Two pyrelays, edge -> central, with the central one flapping behind a proxy that
// answers 503, resets connections, or stores the profile and then drops the answer (so the edge retries
// what central already has). The central store must end with each profile exactly once.
import { expect, it } from 'vitest';
import { startFlakyProxy, type ProxyAction } from '../helpers/flaky-proxy.js';
import { metricValue, startTestServer } from '../helpers/server.js';
import { cleanupAfterEach } from '../helpers/cleanup.js';

const T = 1_700_000_000;
const defer = cleanupAfterEach();

it('edge -> flapping central: every profile is stored exactly once on central', async () => {
  const central = await startTestServer({});
  defer(() => central.stop());
  // A fixed cycle, so every run exercises each failure; 'forwardThenReset' is the duplicate maker.
  const cycle: ProxyAction[] = ['fail503', 'forwardThenReset', 'forward', 'reset', 'forwardThenReset', 'forward', 'fail503'];
  const proxy = await startFlakyProxy(central.url, (n) => cycle[n % cycle.length]);
  defer(() => proxy.close());
  const edge = await startTestServer({
    config: {
      'remote-write': {
        enabled: true,
        targets: { central: { address: proxy.url, 'queue-workers': 4, 'min-backoff': '10ms', 'max-backoff': '50ms' } },
      },
    },
  });
  defer(() => edge.stop());

  const N = 40;
  for (let i = 0; i < N; i++) {
    const res = await fetch(`${edge.url}/ingest?${new URLSearchParams({ name: `ec.app{i=${i}}`, from: String(T), until: String(T + 10) })}`, {
      method: 'POST',
      body: `main;work ${i + 1}\nmain;idle 1\n`,
    });
    expect(res.status).toBe(200);
  }
  await proxy.waitForDelivered(N);

  const range = { from: String(T - 3600), until: String(T + 3600) };
  const ticks = async (query: string) => {
    const res = await fetch(`${central.url}/render?${new URLSearchParams({ query, ...range })}`);
    return ((await res.json()) as { flamebearer: { numTicks: number } }).flamebearer.numTicks;
  };
  for (let i = 0; i < N; i++) expect(await ticks(`ec.app{i="${i}"}`), `profile ${i}`).toBe(i + 2);
  expect(await ticks('ec.app{}')).toBe((N * (N + 1)) / 2 + N);
  // The edge stored its own copy as well: the same totals.
  const edgeRes = await fetch(`${edge.url}/render?${new URLSearchParams({ query: 'ec.app{}', ...range })}`);
  expect(((await edgeRes.json()) as { flamebearer: { numTicks: number } }).flamebearer.numTicks).toBe((N * (N + 1)) / 2 + N);

  // The flapping really happened, and central really saw copies it had to drop.
  for (const a of ['fail503', 'reset', 'forwardThenReset', 'forward'] as const) expect(proxy.actions).toContain(a);
  expect(metricValue(await central.metrics(), 'pyrelay_ingest_discarded_total', 'reason="duplicate_profile_id"')).toBeGreaterThan(0);
  await edge.stop(); // waits for the workers: every acknowledgement is counted
  const edgeText = await edge.pyrelay.registry.metrics();
  const labels = `target_name="central",target_address="${proxy.url}"`;
  expect(metricValue(edgeText, 'pyrelay_remote_write_sent_profiles_total', labels)).toBe(N);
  expect(metricValue(edgeText, 'pyroscope_remote_write_queue_pending', labels)).toBe(0);
  expect(metricValue(edgeText, 'pyrelay_remote_write_backlog_items', labels)).toBe(0);
});
