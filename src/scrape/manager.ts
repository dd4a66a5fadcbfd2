// Pull mode's runtime: per job, discovery → relabeling → one scrape loop per target, reconciled whenever a
// discoverer reports or a reload applies a new config. Unchanged targets keep their loop (and their delta
// baseline); removed targets stop and their state is freed; added ones start.
import type { ScrapeConfig, ScrapeJobConfig } from '../config/scrape-config.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Discoverer } from './discovery/discoverer.js';
import { createFileDiscoverer } from './discovery/file.js';
import { createKubernetesDiscoverer } from './discovery/kubernetes.js';
import { createStaticDiscoverer } from './discovery/static.js';
import { createScrapeHttpClient, type ScrapeHttpClient } from './http-client.js';
import { APP_NAME_LABEL, RESERVED_PREFIX, type LabelSet } from './labels.js';
import { createLimiter } from './limiter.js';
import type { ScrapeMetrics } from './metrics.js';
import { createRelabeler } from './relabel.js';
import { createScrapeLoop, type Health, type ScrapeLoop } from './scrape-loop.js';
import { buildTargets, type InvalidTarget, type ScrapeTarget, type TargetGroup } from './targets.js';
import type { ScrapeSink } from './upload.js';

/** One entry of GET /targets (the original's field names). */
export interface TargetView {
  job: string;
  url: string;
  discoveredLabels: LabelSet;
  labels: LabelSet;
  health: Health;
  /** RFC 3339 time of the last scrape's start; null before the first scrape. */
  lastScrape: string | null;
  lastError: string;
  /** Go duration text, as the original prints it (`1.204s`, `35ms`). */
  lastScrapeDuration: string;
}

export interface ScrapeManager {
  /** Applies a (new) config: starts, keeps and stops jobs and targets. The first call starts pull mode. */
  apply(config: ScrapeConfig): Promise<void>;
  targets(): TargetView[];
  stop(): Promise<void>;
}

export interface ScrapeManagerDeps {
  clock: Clock;
  logger: Logger;
  metrics: ScrapeMetrics;
  sink: ScrapeSink;
  /** Replaceable for tests; defaults to the undici client. */
  createClient?: (job: ScrapeJobConfig) => ScrapeHttpClient;
  onScrapeStart?: (target: ScrapeTarget, atMs: number) => void;
}

interface JobRuntime {
  config: ScrapeJobConfig;
  fingerprint: string;
  client: ScrapeHttpClient;
  discoverers: Discoverer[];
  groups: TargetGroup[][];
  loops: Map<string, ScrapeLoop>;
  invalid: InvalidTarget[];
  /** Discoverers that have reported at least once. */
  reported: Set<number>;
  /** Set while a changed job waits for all its discoverers before touching the loops it inherited. */
  settling?: AbortController;
}

/**
 * A changed job keeps its running loops until every discoverer has reported once (so a file discoverer that
 * answers a few ms after the static one does not restart its targets and lose their baselines), but no
 * longer than this: a discoverer that cannot reach its source must not freeze the job.
 */
export const SETTLE_MS = 30_000;

/** Go's Duration.String for the values a scrape takes. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1) return `${Math.round(ms * 1000)}µs`;
  if (ms < 1000) return `${trim(ms)}ms`;
  const totalS = ms / 1000;
  if (totalS < 60) return `${trim(totalS)}s`;
  const m = Math.floor(totalS / 60);
  return `${m}m${trim(totalS - m * 60)}s`;
}
const trim = (n: number) => String(Number(n.toFixed(3)));

const ownLabels = (labels: LabelSet) => {
  const out: LabelSet = {};
  for (const [k, v] of Object.entries(labels)) if (k === APP_NAME_LABEL || !k.startsWith(RESERVED_PREFIX)) out[k] = v;
  return out;
};

export function createScrapeManager(deps: ScrapeManagerDeps): ScrapeManager {
  const { clock, logger, metrics } = deps;
  const jobs = new Map<string, JobRuntime>();
  const stopping = new Set<Promise<void>>();
  const limiter = createLimiter(64, () => metrics.slotWaits.inc());
  const newClient =
    deps.createClient ??
    ((job: ScrapeJobConfig) =>
      createScrapeHttpClient({
        auth: job.auth,
        tls: job.tls,
        followRedirects: job.followRedirects,
        bodySizeLimitBytes: job.bodySizeLimitBytes,
        keepAliveMs: Math.max(job.intervalMs * 2, 30_000),
        userAgent: 'pyrelay-scraper',
      }));

  const track = (p: Promise<void>) => {
    stopping.add(p);
    void p.finally(() => stopping.delete(p));
  };

  function reconcile(rt: JobRuntime) {
    const built = buildTargets(rt.groups.flat(), rt.config, createRelabelerCached(rt));
    rt.invalid = built.invalid;
    const wanted = new Map<string, ScrapeTarget>();
    for (const t of built.targets) if (!wanted.has(t.key)) wanted.set(t.key, t);
    for (const [key, loop] of rt.loops) {
      if (!wanted.has(key)) {
        rt.loops.delete(key);
        track(loop.stop());
      }
    }
    for (const [key, t] of wanted) {
      const existing = rt.loops.get(key);
      if (existing) {
        existing.update(t);
        continue;
      }
      const loop = createScrapeLoop({
        target: t,
        // Looked up per scrape: a changed job swaps its client (auth, TLS) under running loops.
        client: { get: (url, signal) => (jobs.get(t.job) ?? rt).client.get(url, signal), close: async () => {} },
        limiter,
        clock,
        sink: deps.sink,
        metrics,
        logger,
        onScrapeStart: deps.onScrapeStart,
      });
      rt.loops.set(key, loop);
      loop.start();
    }
    metrics.targets.set({ job: rt.config.jobName }, rt.loops.size);
    metrics.invalidTargets.set({ job: rt.config.jobName }, rt.invalid.length);
  }

  const relabelers = new WeakMap<JobRuntime, ReturnType<typeof createRelabeler>>();
  function createRelabelerCached(rt: JobRuntime) {
    let r = relabelers.get(rt);
    if (!r) {
      r = createRelabeler(rt.config.relabelConfigs);
      relabelers.set(rt, r);
    }
    return r;
  }

  function discoverersOf(job: ScrapeJobConfig): Discoverer[] {
    const counted = (mechanism: string) => () => metrics.discoveryErrors.inc({ job: job.jobName, mechanism });
    return [
      ...(job.staticConfigs.length > 0 ? [createStaticDiscoverer(job.staticConfigs)] : []),
      ...job.fileSdConfigs.map((setting) => createFileDiscoverer({ setting, clock, logger, onReadError: counted('file') })),
      ...job.kubernetesSdConfigs.map((setting) => createKubernetesDiscoverer({ setting, clock, logger, onError: counted('kubernetes') })),
    ];
  }

  function startDiscovery(rt: JobRuntime) {
    rt.discoverers.forEach((d, i) => {
      d.start((groups) => {
        if (jobs.get(rt.config.jobName) !== rt) return; // a replaced runtime reports no more
        rt.groups[i] = groups;
        rt.reported.add(i);
        if (rt.settling && rt.reported.size < rt.discoverers.length) return;
        rt.settling?.abort();
        rt.settling = undefined;
        reconcile(rt);
      });
    });
  }

  async function stopJob(rt: JobRuntime, keepLoops: boolean) {
    rt.settling?.abort();
    await Promise.all(rt.discoverers.map((d) => d.stop()));
    if (!keepLoops) {
      await Promise.all([...rt.loops.values()].map((l) => l.stop()));
      rt.loops.clear();
      metrics.targets.remove({ job: rt.config.jobName });
      metrics.invalidTargets.remove({ job: rt.config.jobName });
    }
    await rt.client.close();
  }

  return {
    async apply(config) {
      // Clients first: a bad TLS file fails here, before anything changed, and the running config stays.
      const changed = config.jobs.filter((j) => jobs.get(j.jobName)?.fingerprint !== JSON.stringify(j));
      const clients = new Map<string, ScrapeHttpClient>();
      try {
        for (const job of changed) clients.set(job.jobName, newClient(job));
      } catch (e) {
        await Promise.all([...clients.values()].map((c) => c.close()));
        throw e;
      }
      limiter.resize(config.maxConcurrency);
      metrics.concurrencyLimit.set(config.maxConcurrency);
      const wanted = new Set(config.jobs.map((j) => j.jobName));
      for (const [name, rt] of jobs) {
        if (!wanted.has(name)) {
          jobs.delete(name);
          logger.info({ job: name }, 'scrape job removed');
          await stopJob(rt, false);
        }
      }
      for (const job of changed) {
        const old = jobs.get(job.jobName);
        const rt: JobRuntime = {
          config: job,
          fingerprint: JSON.stringify(job),
          client: clients.get(job.jobName)!,
          discoverers: discoverersOf(job),
          groups: [],
          loops: old?.loops ?? new Map(),
          invalid: [],
          reported: new Set(),
        };
        jobs.set(job.jobName, rt);
        if (old) {
          // Loops move to the new runtime; reconcile keeps those whose target is unchanged (and their baselines).
          await stopJob(old, true);
          logger.info({ job: job.jobName }, 'scrape job changed');
        } else logger.info({ job: job.jobName }, 'scrape job started');
        rt.groups = rt.discoverers.map(() => []);
        if (old && old.loops.size > 0 && rt.discoverers.length > 1) {
          const settling = new AbortController();
          rt.settling = settling;
          clock.sleep(SETTLE_MS, settling.signal).then(
            () => {
              if (rt.settling !== settling || jobs.get(job.jobName) !== rt) return;
              rt.settling = undefined;
              reconcile(rt);
            },
            () => {},
          );
        }
        startDiscovery(rt);
        if (rt.discoverers.length === 0) reconcile(rt);
      }
    },
    targets() {
      const out: TargetView[] = [];
      for (const rt of jobs.values()) {
        for (const loop of rt.loops.values()) {
          const t = loop.target;
          const s = loop.status;
          out.push({
            job: t.job,
            url: t.url,
            discoveredLabels: t.discoveredLabels,
            labels: ownLabels(t.labels),
            health: s.health,
            lastScrape: s.lastScrapeMs === undefined ? null : new Date(s.lastScrapeMs).toISOString(),
            lastError: s.lastError,
            lastScrapeDuration: goDuration(s.lastScrapeDurationMs),
          });
        }
        for (const t of rt.invalid) {
          out.push({
            job: t.job,
            url: '',
            discoveredLabels: t.discoveredLabels,
            labels: ownLabels(t.labels),
            health: 'down',
            lastScrape: null,
            lastError: t.error,
            lastScrapeDuration: '0s',
          });
        }
      }
      return out.sort((a, b) => (a.job === b.job ? (a.url < b.url ? -1 : a.url > b.url ? 1 : 0) : a.job < b.job ? -1 : 1));
    },
    async stop() {
      const all = [...jobs.values()];
      jobs.clear();
      await Promise.all(all.map((rt) => stopJob(rt, false)));
      await Promise.all([...stopping]);
    },
  };
}
