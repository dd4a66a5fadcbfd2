// Pull mode end to end in one process: fake pprof endpoints on port 0 are scraped by a real pyrelay, which
// stores the profiles and remote-writes them to a fake target in the original's wire shape.
import { afterEach, describe, expect, it } from 'vitest';
import { parseMultipart } from '../../../src/ingest/multipart.js';
import { startFakeTarget, type FakeTarget } from '../../helpers/fake-target.js';
import { startPprofServer, type FakePprofServer } from '../../helpers/pprof-server.js';
import { startScrapeServer, type ScrapeTestServer } from '../../helpers/scrape-server.js';
import { metricValue } from '../../helpers/server.js';
import { tinyProfile } from '../../unit/ingest/formats/pprof/reference.js';

const HEAP_TYPES: [string, string][] = [
  ['alloc_objects', 'count'],
  ['alloc_space', 'bytes'],
  ['inuse_objects', 'count'],
  ['inuse_space', 'bytes'],
];
/** A Go-style heap profile; stacks are leaf first. values: alloc_objects, alloc_space, inuse_objects, inuse_space. */
const heap = (samples: [string[], number[]][]) => Buffer.from(tinyProfile({ types: HEAP_TYPES, samples: samples.map(([stack, values]) => ({ stack, values })) }));

const heap1 = heap([
  [
    ['b', 'a'],
    [10, 100, 1, 10],
  ],
  [
    ['c', 'a'],
    [5, 50, 0, 0],
  ],
]);
const heap2 = heap([
  [
    ['b', 'a'],
    [13, 130, 2, 20],
  ],
  [
    ['c', 'a'],
    [8, 80, 0, 0],
  ],
  [['d'], [1, 5, 0, 0]],
]);

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function collapsed(server: ScrapeTestServer, query: string): Promise<string> {
  const res = await fetch(`${server.url}/render?${new URLSearchParams({ query, format: 'collapsed', from: 'now-1h', until: 'now+1h' })}`);
  return (await res.text()).trim();
}

/** Polls until `read` returns what `ok` accepts (the store commits right after remote write's enqueue). */
async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('pull mode', () => {
  let pprof: FakePprofServer;
  let broken: FakePprofServer;
  let remote: FakeTarget;
  let server: ScrapeTestServer;

  it('stores cumulative types as exact deltas between scrapes, forwards the original wire shape, and reports health in /targets', async () => {
    pprof = await startPprofServer({ '/debug/pprof/heap': [heap1, heap2] });
    broken = await startPprofServer({});
    broken.behave({ kind: 'status', status: 500 });
    const big = await startPprofServer({ '/debug/pprof/heap': [heap1] });
    remote = await startFakeTarget();
    cleanup.push(
      () => pprof.close(),
      () => broken.close(),
      () => big.close(),
      () => remote.close(),
    );
    server = await startScrapeServer({
      'remote-write': { enabled: true, targets: { central: { address: remote.url, durable: false, tags: { cluster: 'edge-1' } } } },
      'scrape-configs': [
        {
          'job-name': 'fixtures',
          'scrape-interval': '1s',
          'enabled-profiles': ['mem'],
          'static-configs': [
            { application: 'fixture', 'spy-name': 'gospy', targets: [pprof.address], labels: { env: 'dev' } },
            { targets: ['127.0.0.1:9'] }, // no application: never scraped, shown as down
          ],
        },
        {
          'job-name': 'tiny-limit',
          'scrape-interval': '1s',
          'enabled-profiles': ['mem'],
          'body-size-limit': 100,
          'static-configs': [{ application: 'tiny', targets: [big.address] }],
        },
        {
          'job-name': 'broken',
          'scrape-interval': '1s',
          'enabled-profiles': ['mem'],
          'static-configs': [{ application: 'broken', targets: [broken.address] }],
        },
      ],
    });
    cleanup.push(() => server.stop());

    // Scrape 1 is the baseline (inuse stored, alloc adds 0); scrape 2 stores heap2 - heap1; later scrapes add 0.
    await pprof.waitForRequests(3);
    const alloc = await eventually(
      () => collapsed(server, 'fixture.alloc_space{}'),
      (t) => t.includes('d 5'),
    );
    expect(alloc.split('\n').sort()).toEqual(['a;b 30', 'a;c 30', 'd 5']);
    const allocObjects = await collapsed(server, `fixture.alloc_objects{env="dev",job="fixtures",instance="${pprof.address}"}`);
    expect(allocObjects.split('\n').sort()).toEqual(['a;b 3', 'a;c 3', 'd 1']);
    expect(await collapsed(server, 'fixture.inuse_space{}')).toMatch(/^a;b \d+(\.\d+)?$/);

    // Remote write got the original's shape: multipart, no format, name with job/instance/labels + target tags.
    const forwarded = await remote.waitForRequests(2);
    const second = forwarded[1];
    expect(second.path).toBe('/ingest');
    expect(second.query.format).toBeUndefined();
    expect(second.query.name).toBe(`fixture{cluster=edge-1,env=dev,instance=${pprof.address},job=fixtures}`);
    expect(second.query.spyName).toBe('gospy');
    expect(Number(second.query.until)).toBeGreaterThanOrEqual(Number(second.query.from));
    const parts = parseMultipart(second.body, String(second.headers['content-type']));
    expect(parts.map((p) => p.name).sort()).toEqual(['prev_profile', 'profile', 'sample_type_config']);
    expect(Buffer.from(parts.find((p) => p.name === 'profile')!.data).equals(heap2)).toBe(true);
    expect(Buffer.from(parts.find((p) => p.name === 'prev_profile')!.data).equals(heap1)).toBe(true);
    const stc = JSON.parse(Buffer.from(parts.find((p) => p.name === 'sample_type_config')!.data).toString());
    expect(stc.alloc_space).toEqual({ units: 'bytes', cumulative: true });
    expect(stc.inuse_space).toEqual({ units: 'bytes', aggregation: 'average' });

    // /targets: the original's fields; the 500 target is down with the reason.
    const targets = await eventually(
      () => server.targets(),
      (ts) => ts.some((t) => t.job === 'broken' && t.health === 'down'),
    );
    const good = targets.find((t) => t.job === 'fixtures' && t.url !== '')!;
    expect(targets.find((t) => t.job === 'fixtures' && t.url === '')).toMatchObject({ health: 'down', lastError: 'no app name', lastScrape: null });
    expect(metricValue(await server.metrics(), 'pyrelay_scrape_invalid_targets', 'job="fixtures"')).toBe(1);
    expect(good).toMatchObject({
      url: `http://${pprof.address}/debug/pprof/heap`,
      health: 'up',
      lastError: '',
      labels: { __name__: 'fixture', env: 'dev', instance: pprof.address, job: 'fixtures' },
    });
    expect(good.discoveredLabels).toMatchObject({ __address__: pprof.address, __name__: 'fixture', __spy_name__: 'gospy', __scheme__: 'http', job: 'fixtures' });
    expect(Date.parse(good.lastScrape!)).toBeGreaterThan(Date.now() - 60_000);
    expect(good.lastScrapeDuration).toMatch(/^\d+(\.\d+)?(µs|ms|s)$/);
    const bad = targets.find((t) => t.job === 'broken')!;
    expect(bad.health).toBe('down');
    expect(bad.lastError).toBe('server returned HTTP status 500 Internal Server Error');

    const m = await server.metrics();
    expect(metricValue(m, 'pyrelay_scrape_failures_total', 'job="broken",reason="http_status"')).toBeGreaterThanOrEqual(1);
    expect(metricValue(m, 'pyrelay_scrape_target_up', `job="broken",instance="${broken.address}",profile="mem"`)).toBe(0);
    expect(metricValue(m, 'pyrelay_scrape_target_up', `job="fixtures",instance="${pprof.address}",profile="mem"`)).toBe(1);
    expect(metricValue(m, 'pyrelay_scrape_targets', 'job="fixtures"')).toBe(1);
    // body-size-limit bites: the scrape fails and is counted; nothing of it is stored.
    expect(metricValue(m, 'pyrelay_scrape_failures_total', 'job="tiny-limit",reason="body_too_large"')).toBeGreaterThanOrEqual(1);
    expect(targets.find((t) => t.job === 'tiny-limit')!.lastError).toBe('body exceeds body-size-limit (100 bytes)');
    expect(metricValue(m, 'pyrelay_scrape_bytes_total', 'job="fixtures"')).toBeGreaterThanOrEqual(heap1.length + heap2.length);
  });

  it('POST /-/reload: an invalid file is refused with the reason; a changed job keeps unchanged targets and their delta baselines', async () => {
    const heap3 = heap([
      [
        ['b', 'a'],
        [20, 200, 2, 20],
      ],
      [
        ['c', 'a'],
        [8, 80, 0, 0],
      ],
      [['d'], [1, 5, 0, 0]],
    ]);
    pprof = await startPprofServer({ '/debug/pprof/heap': [heap1, heap2, heap3] });
    cleanup.push(() => pprof.close());
    const job = (extra: Record<string, unknown>) => ({
      'job-name': 'fixtures',
      'scrape-interval': '1s',
      'enabled-profiles': ['mem'],
      'static-configs': [{ application: 'fixture', targets: [pprof.address] }],
      ...extra,
    });
    server = await startScrapeServer({ 'scrape-configs': [job({})] });
    cleanup.push(() => server.stop());
    await pprof.waitForRequests(1);

    // Invalid: refused with the reason, nothing changes.
    server.writeConfig({ 'scrape-configs': [job({ 'scrape-intervall': '2s' })] });
    const bad = await fetch(`${server.url}/-/reload`, { method: 'POST' });
    expect(bad.status).toBe(500);
    expect(await bad.text()).toContain('"scrape-intervall"');
    // Changed job (body-size-limit, follow-redirects), same target: its loop and baseline survive.
    server.writeConfig({ 'scrape-configs': [job({ 'body-size-limit': '1MiB', 'follow-redirects': false })] });
    const good = await fetch(`${server.url}/-/reload`, { method: 'POST' });
    expect(good.status).toBe(200);

    // heap1 -> heap2 -> heap3 with no re-baseline in between: the stored alloc delta is heap3 - heap1.
    await pprof.waitForRequests(4);
    const alloc = await eventually(
      () => collapsed(server, 'fixture.alloc_space{}'),
      (t) => t.includes('a;b 100'),
    );
    expect(alloc.split('\n').sort()).toEqual(['a;b 100', 'a;c 30', 'd 5']);
    const m = await server.metrics();
    expect(metricValue(m, 'pyrelay_config_reloads_total', 'result="failure"')).toBe(1);
    expect(metricValue(m, 'pyrelay_config_reloads_total', 'result="success"')).toBe(1);
    expect(metricValue(m, 'pyrelay_config_last_reload_successful')).toBe(1);
  });
});
