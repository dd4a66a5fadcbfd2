// The manager on a fake clock: a changed job keeps its running targets (and their state) across a reload
// even when its discoverers report at different times; removed jobs stop and leave /targets and metrics.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { toScrapeJob } from '../../../src/config/scrape-config.js';
import { scrapeJobSchema } from '../../../src/config/scrape-schema.js';
import { FakeClock } from '../../../src/lib/clock.js';
import { createLogger } from '../../../src/lib/logger.js';
import { createScrapeManager } from '../../../src/scrape/manager.js';
import { createScrapeMetrics } from '../../../src/scrape/metrics.js';
import { startPprofServer } from '../../helpers/pprof-server.js';

const dir = mkdtempSync(join(tmpdir(), 'pyrelay-manager-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const until = async (cond: () => boolean, what: string) => {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('scrape manager', () => {
  it('a changed job keeps unchanged targets from all its discoverers; a removed job stops', async () => {
    const s1 = await startPprofServer({ '/debug/pprof/goroutine': [Buffer.from('x')] });
    const s2 = await startPprofServer({ '/debug/pprof/goroutine': [Buffer.from('x')] });
    const file = join(dir, 'targets.json');
    writeFileSync(file, JSON.stringify([{ application: 'from-file', targets: [s2.address] }]));
    const clock = new FakeClock();
    const registry = new Registry();
    const manager = createScrapeManager({ clock, logger: createLogger('silent'), metrics: createScrapeMetrics(registry), sink: async () => {} });
    const job = (extra: Record<string, unknown>) =>
      toScrapeJob(
        scrapeJobSchema.parse({
          'job-name': 'mixed',
          'scrape-interval': '10s',
          'enabled-profiles': ['goroutines'],
          'static-configs': [{ application: 'static', targets: [s1.address] }],
          'file-sd-configs': [{ files: [file], 'refresh-interval': '1m' }],
          ...extra,
        }),
      );
    try {
      await manager.apply({ maxConcurrency: 8, jobs: [job({})] });
      await until(() => manager.targets().length === 2, 'both targets');
      await clock.advance(10_000);
      await until(() => manager.targets().every((t) => t.health === 'up'), 'both scraped');
      const before = manager.targets().map((t) => [t.url, t.lastScrape]);

      // follow-redirects does not change the targets: both loops (and their state) survive the change.
      await manager.apply({ maxConcurrency: 8, jobs: [job({ 'follow-redirects': false })] });
      await new Promise((r) => setTimeout(r, 100)); // the file discoverer reports after its read
      expect(manager.targets().map((t) => [t.url, t.lastScrape])).toEqual(before);

      // Removing the job stops everything it ran and drops its per-target gauges.
      await manager.apply({ maxConcurrency: 8, jobs: [] });
      expect(manager.targets()).toEqual([]);
      const m = await registry.metrics();
      expect(m).not.toContain('pyrelay_scrape_target_up{job="mixed"');
      expect(m).not.toContain('pyrelay_scrape_targets{job="mixed"}');
    } finally {
      await manager.stop();
      await s1.close();
      await s2.close();
    }
  });
});
