// File discovery with a real clock and a short refresh-interval: a target added to a watched YAML file starts
// being scraped, and stops once it is removed, each within the refresh interval; JSON files and globs work
// and a broken file keeps its last good targets.
import { writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startPprofServer, type FakePprofServer } from '../../helpers/pprof-server.js';
import { startScrapeServer, type ScrapeTestServer } from '../../helpers/scrape-server.js';
import { tinyProfile } from '../../unit/ingest/formats/pprof/reference.js';

const goroutines = Buffer.from(tinyProfile({ types: [['goroutine', 'count']], samples: [{ stack: ['park', 'main'], values: [3] }] }));
const REFRESH_MS = 300;

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** Atomic replace, as config management tools write files (a reader never sees half a file). */
function writeAtomic(path: string, text: string) {
  writeFileSync(path + '.tmp', text);
  renameSync(path + '.tmp', path);
}

async function waitFor<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('file discovery', () => {
  let a: FakePprofServer;
  let b: FakePprofServer;
  let server: ScrapeTestServer;

  it('starts and stops scraping a target added to and removed from a watched file within refresh-interval', async () => {
    a = await startPprofServer({ '/debug/pprof/goroutine': [goroutines] });
    b = await startPprofServer({ '/debug/pprof/goroutine': [goroutines] });
    cleanup.push(
      () => a.close(),
      () => b.close(),
    );
    server = await startScrapeServer({
      'scrape-configs': [
        {
          'job-name': 'files',
          'scrape-interval': '200ms',
          'scrape-timeout': '1s',
          'enabled-profiles': ['goroutines'],
          'file-sd-configs': [{ files: ['TARGETS_DIR/*.yml', 'TARGETS_DIR/static.json'], 'refresh-interval': `${REFRESH_MS}ms` }],
        },
      ],
    });
    cleanup.push(() => server.stop());
    // The file paths are only known once the temp dir exists: rewrite the config and reload.
    const dir = server.dir;
    const yml = join(dir, 'targets.yml');
    writeAtomic(yml, `- targets: ['${a.address}']\n  labels: { __name__: app-a, team: x }\n`);
    writeFileSync(join(dir, 'static.json'), JSON.stringify([{ application: 'app-j', targets: [] }]));
    server.writeConfig({
      'scrape-configs': [
        {
          'job-name': 'files',
          'scrape-interval': '200ms',
          'scrape-timeout': '1s',
          'enabled-profiles': ['goroutines'],
          'file-sd-configs': [{ files: [join(dir, '*.yml'), join(dir, 'static.json')], 'refresh-interval': `${REFRESH_MS}ms` }],
        },
      ],
    });
    expect(await server.pyrelay.reload()).toEqual({ ok: true });
    await a.waitForRequests(1, 5000);
    const t1 = await server.targets();
    expect(t1.map((t) => t.labels)).toEqual([{ __name__: 'app-a', instance: a.address, job: 'files', team: 'x' }]);
    expect(t1[0].discoveredLabels.__meta_filepath).toBe(yml);

    // Add b: scraped within the refresh interval (plus one scrape interval and scheduling slack).
    const added = Date.now();
    writeAtomic(yml, `- targets: ['${a.address}', '${b.address}']\n  labels: { __name__: app-a, team: x }\n`);
    await b.waitForRequests(1, 5000);
    expect(Date.now() - added).toBeLessThan(REFRESH_MS + 200 + 1000);

    // A broken file keeps its last good targets (and says why in the log, not tested here).
    writeAtomic(yml, `- targets: [unterminated\n`);
    await new Promise((r) => setTimeout(r, REFRESH_MS * 2));
    expect((await server.targets()).map((t) => t.labels.instance).sort()).toEqual([a.address, b.address].sort());
    expect(await server.metrics()).toMatch(/pyrelay_scrape_discovery_errors_total\{job="files",mechanism="file"\} [1-9]/);

    // Remove a: it leaves /targets and is no longer scraped.
    const removed = Date.now();
    writeAtomic(yml, `- targets: ['${b.address}']\n  labels: { __name__: app-a }\n`);
    await waitFor(
      () => server.targets(),
      (ts) => ts.length === 1 && ts[0].labels.instance === b.address,
      'a removed from /targets',
      5000,
    );
    expect(Date.now() - removed).toBeLessThan(REFRESH_MS + 1000);
    const countAfterRemoval = a.requests.length;
    await new Promise((r) => setTimeout(r, 600)); // three scrape intervals
    expect(a.requests.length).toBeLessThanOrEqual(countAfterRemoval + 1); // at most one already in flight
    expect(b.requests.length).toBeGreaterThan(1);
    const m = await server.metrics();
    expect(m).toContain('pyrelay_scrape_targets{job="files"} 1');
  });
});
