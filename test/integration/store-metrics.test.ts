// The store's metrics on the real server's /metrics: what the ingester applied from the write-ahead log and
// how far it trails it.
import { afterEach, expect, it } from 'vitest';
import { metricValue, startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
afterEach(async () => server?.stop());

it('/metrics shows the store ingester applying the log, and no lag once it wrote it', async () => {
  server = await startTestServer();
  const T = 1_700_000_000;
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${server.url}/ingest?name=m.cpu&from=${T + i * 10}&until=${T + i * 10 + 10}`, { method: 'POST', body: 'a;b 1\n' });
    expect(res.status).toBe(200);
  }
  const render = await fetch(`${server.url}/render?query=m.cpu%7B%7D&from=${T}&until=${T + 60}`);
  expect(((await render.json()) as { flamebearer: { numTicks: number } }).flamebearer.numTicks).toBe(3);
  const text = await (await fetch(`${server.url}/metrics`)).text();
  expect(metricValue(text, 'pyrelay_store_log_records_total')).toBe(3);
  expect(text).toMatch(/^pyrelay_store_log_lag_records \d+$/m);
  expect(text).toMatch(/^pyrelay_store_head_entries \d+$/m);
  await expect.poll(async () => metricValue(await (await fetch(`${server!.url}/metrics`)).text(), 'pyrelay_store_log_lag_records'), { timeout: 10_000 }).toBe(0);
});
