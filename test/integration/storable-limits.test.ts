// The store's limits (retention, longest write span) are checked before /ingest acknowledges: a profile the
// store would skip gets a 400 saying why, is counted, and is neither kept in the log nor forwarded.
import { expect, it } from 'vitest';
import { FakeClock } from '../../src/lib/clock.js';
import { cleanupAfterEach, fakeTarget } from '../helpers/cleanup.js';
import { metricValue, startTestServer } from '../helpers/server.js';

const defer = cleanupAfterEach();
const NOW_S = 1_700_000_000;
const HOUR_S = 3600;

it('a profile older than the retention or spanning more than the maximum is a 400, not stored and not forwarded', async () => {
  const target = await fakeTarget(defer);
  const server = await startTestServer({
    clock: new FakeClock(NOW_S * 1000),
    config: { retention: '24h', 'remote-write': { enabled: true, targets: { t: { address: target.url } } } },
  });
  defer(() => server.stop());
  const ingest = async (name: string, from: number, until: number) => {
    const res = await fetch(`${server.url}/ingest?${new URLSearchParams({ name, from: String(from), until: String(until) })}`, { method: 'POST', body: 'a;b 1\n' });
    return { status: res.status, text: await res.text() };
  };

  const old = await ingest('old.cpu', NOW_S - 48 * HOUR_S, NOW_S - 47 * HOUR_S);
  expect(old.status).toBe(400);
  expect(old.text).toMatch(/^invalid parameter: "until: profile ends at 2023-11-12T.*older than the retention period \(86400000 ms\)"\n$/);
  const wide = await ingest('wide.cpu', NOW_S - 25 * HOUR_S + 60, NOW_S);
  expect(wide.status).toBe(400);
  expect(wide.text).toMatch(/^invalid parameter: "from\/until: profile spans 89940000 ms, more than the 86400000 ms a write may cover"\n$/);

  // A profile within the limits goes through, so the target's first request and the store's content below
  // are not "nothing arrived yet".
  expect((await ingest('good.cpu', NOW_S - 10, NOW_S)).status).toBe(200);
  const [first] = await target.waitForRequests(1);
  expect(first.query.name).toBe('good.cpu{}');

  const names = await (await fetch(`${server.url}/label-values?label=__name__`)).json();
  expect(names).toEqual(['good.cpu']);
  const render = await fetch(`${server.url}/render?${new URLSearchParams({ query: 'old.cpu{}', from: String(NOW_S - 49 * HOUR_S), until: String(NOW_S) })}`);
  expect(((await render.json()) as { flamebearer: { numTicks: number } }).flamebearer.numTicks).toBe(0);

  const m = await server.metrics();
  expect(metricValue(m, 'pyrelay_ingest_limit_hits_total', 'limit="retention"')).toBe(1);
  expect(metricValue(m, 'pyrelay_ingest_limit_hits_total', 'limit="max-write-span"')).toBe(1);
  expect(metricValue(m, 'pyrelay_store_log_records_total')).toBe(1); // only the good profile reached the log
  expect(metricValue(m, 'pyrelay_store_log_records_failed_total')).toBe(0);
  expect(target.requests).toHaveLength(1);
});
