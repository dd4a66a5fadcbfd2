// Config reload (SIGHUP, POST /-/reload): re-read the file, refuse an invalid one (the running config stays,
// the reason is logged and counted), apply pull-mode changes live. Other keys need a restart: a change to
// them is logged, not applied. Reloads run one at a time. The original has none (docs/compatibility.md#41).
import type { Config } from './config/config.js';
import type { Logger } from './lib/logger.js';
import type { ScrapeMetrics } from './scrape/metrics.js';

export type ReloadResult = { ok: true } | { ok: false; error: string };

export interface ReloaderDeps {
  current: Config;
  load: (() => Config) | undefined;
  apply: (config: Config) => Promise<void>;
  metrics: ScrapeMetrics;
  logger: Logger;
}

export function createReloader(deps: ReloaderDeps) {
  let running = deps.current;
  let chain: Promise<unknown> = Promise.resolve();

  async function reloadOnce(): Promise<ReloadResult> {
    const fail = (error: string): ReloadResult => {
      deps.metrics.reloads.inc({ result: 'failure' });
      deps.metrics.lastReloadSuccessful.set(0);
      deps.logger.error({ err: error }, 'config reload refused; the running config stays');
      return { ok: false, error };
    };
    if (deps.load === undefined) return fail('no config file to reload');
    let next: Config;
    try {
      next = deps.load();
    } catch (e) {
      return fail((e as Error).message);
    }
    try {
      await deps.apply(next);
    } catch (e) {
      return fail((e as Error).message);
    }
    const needRestart = (Object.keys(next) as (keyof Config)[]).filter((k) => k !== 'scrape' && JSON.stringify(next[k]) !== JSON.stringify(running[k]));
    if (needRestart.length > 0) deps.logger.warn({ keys: needRestart }, 'config reload: these settings change only on restart');
    running = { ...running, scrape: next.scrape };
    deps.metrics.reloads.inc({ result: 'success' });
    deps.metrics.lastReloadSuccessful.set(1);
    deps.logger.info({ jobs: next.scrape.jobs.map((j) => j.jobName) }, 'config reloaded');
    return { ok: true };
  }

  return {
    reload(): Promise<ReloadResult> {
      const p = chain.then(reloadOnce);
      chain = p.catch(() => undefined);
      return p;
    },
  };
}
