// One target's scrape loop: wake at the target's stable offset in each interval, take a slot of the global
// cap, fetch with the scrape deadline, hand the profile to the ingest pipeline, record health. Each target
// has its own loop, so a slow or hung target only ever holds its own slot until its deadline.
import { createHash } from 'node:crypto';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { isPyrelayError } from '../model/errors.js';
import { ScrapeError, type ScrapeHttpClient } from './http-client.js';
import type { Limiter } from './limiter.js';
import type { ScrapeMetricReason, ScrapeMetrics } from './metrics.js';
import type { ScrapeTarget } from './targets.js';
import { allCumulative, buildUpload, hasCumulative, profileWindow, type ScrapeSink } from './upload.js';

export type Health = 'unknown' | 'up' | 'down';

export interface TargetStatus {
  health: Health;
  /** Unix ms of the start of the last scrape; undefined before the first. */
  lastScrapeMs?: number;
  lastError: string;
  lastScrapeDurationMs: number;
}

export interface ScrapeLoop {
  target: ScrapeTarget;
  readonly status: TargetStatus;
  /** Offset of this target's scrapes inside its interval. */
  readonly offsetMs: number;
  /** Replaces labels that do not change the target's identity (discovered labels of a re-listed pod). */
  update(target: ScrapeTarget): void;
  start(): void;
  /** Stops the loop; an in-flight scrape is aborted. Resolves once the loop has exited. */
  stop(): Promise<void>;
}

export interface ScrapeLoopDeps {
  target: ScrapeTarget;
  client: ScrapeHttpClient;
  limiter: Limiter;
  clock: Clock;
  sink: ScrapeSink;
  metrics: ScrapeMetrics;
  logger: Logger;
  /** Called at the start of every scrape (tests observe start times and concurrency). */
  onScrapeStart?: (target: ScrapeTarget, atMs: number) => void;
}

/** Stable offset in [0, interval): hash of job and URL (address, path, params). */
export function targetOffsetMs(job: string, url: string, intervalMs: number): number {
  const h = createHash('sha256').update(job).update('\u0000').update(url).digest();
  return Number(h.readBigUInt64BE(0) % BigInt(Math.max(1, Math.round(intervalMs))));
}

/** First tick at or after `now` with tick ≡ offset (mod interval). */
export function nextTick(now: number, offset: number, interval: number): number {
  const rem = (((now - offset) % interval) + interval) % interval;
  return rem === 0 ? now : now + interval - rem;
}

/** The span a profile is collected over (`seconds` of a cpu profile), 0 for instant profiles. */
function deltaMsOf(url: string): number {
  const seconds = Number(new URL(url).searchParams.get('seconds'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
}

function reasonOf(e: unknown): { reason: ScrapeMetricReason; message: string } {
  if (e instanceof ScrapeError) return { reason: e.reason === 'stopped' ? 'connection' : e.reason, message: e.message };
  if (isPyrelayError(e)) return { reason: e.status >= 400 && e.status < 500 ? 'invalid_profile' : 'ingest_error', message: e.message };
  return { reason: 'ingest_error', message: (e as Error).message ?? String(e) };
}

export function createScrapeLoop(deps: ScrapeLoopDeps): ScrapeLoop {
  const { clock, limiter, metrics, logger } = deps;
  let target = deps.target;
  const status: TargetStatus = { health: 'unknown', lastError: '', lastScrapeDurationMs: 0 };
  const offsetMs = targetOffsetMs(target.job, target.url, target.intervalMs);
  const stopCtl = new AbortController();
  let prev: Buffer | undefined; // the previous body of a profile with cumulative types
  let running: Promise<void> | undefined;
  const metricLabels = () => ({ job: target.job, instance: target.labels.instance ?? target.address, profile: target.profileName });

  async function scrapeOnce(): Promise<void> {
    let release: () => void;
    try {
      release = await limiter.acquire(stopCtl.signal);
    } catch {
      return; // stopped while waiting for a slot
    }
    const start = clock.now();
    deps.onScrapeStart?.(target, start);
    metrics.inFlight.inc();
    const deadline = new AbortController();
    const timerCtl = new AbortController();
    clock.sleep(target.timeoutMs, timerCtl.signal).then(
      () => deadline.abort(new ScrapeError('timeout', `scrape timed out after ${target.timeoutMs} ms`)),
      () => {},
    );
    const onStop = () => deadline.abort(new ScrapeError('stopped', 'target removed'));
    stopCtl.signal.addEventListener('abort', onStop, { once: true });
    try {
      const res = await deps.client.get(target.url, deadline.signal);
      metrics.bytes.inc({ job: target.job }, res.body.length);
      timerCtl.abort();
      const profile = target.profile;
      if (hasCumulative(profile) && prev === undefined && allCumulative(profile)) {
        // First scrape of counters only: it is the baseline, nothing to store yet.
        prev = res.body;
      } else {
        // First scrape with some cumulative types: the profile is its own baseline, so those types add 0 and the
        // instant ones are stored at once (docs/compatibility.md#38).
        const upload = buildUpload({
          appName: target.appName,
          spyName: target.spyName,
          labels: target.labels,
          profile,
          body: res.body,
          prev: hasCumulative(profile) ? (prev ?? res.body) : undefined,
          ...profileWindow(start, deltaMsOf(target.url), target.intervalMs),
        });
        await deps.sink(upload);
        if (hasCumulative(profile)) prev = res.body;
      }
      report(start, undefined);
    } catch (e) {
      if (stopCtl.signal.aborted) return;
      report(start, e);
    } finally {
      timerCtl.abort();
      stopCtl.signal.removeEventListener('abort', onStop);
      metrics.inFlight.dec();
      release();
    }
  }

  function report(start: number, err: unknown) {
    const durationMs = clock.now() - start;
    status.lastScrapeMs = start;
    status.lastScrapeDurationMs = durationMs;
    metrics.duration.observe({ job: target.job, profile: target.profileName }, durationMs / 1000);
    if (err === undefined) {
      if (status.health === 'down') logger.info({ job: target.job, url: target.url }, 'scrape target is up again');
      status.health = 'up';
      status.lastError = '';
      metrics.up.set(metricLabels(), 1);
      return;
    }
    const { reason, message } = reasonOf(err);
    // Logged once per transition to down (every failure is counted and shown in /targets).
    if (status.health !== 'down') logger.warn({ job: target.job, url: target.url, reason, err: message }, 'scrape target is down');
    status.health = 'down';
    status.lastError = message;
    metrics.up.set(metricLabels(), 0);
    metrics.failures.inc({ job: target.job, reason });
  }

  async function run() {
    let tick = nextTick(clock.now(), offsetMs, target.intervalMs);
    while (!stopCtl.signal.aborted) {
      try {
        await clock.sleep(tick - clock.now(), stopCtl.signal);
      } catch {
        return;
      }
      await scrapeOnce();
      // Missed ticks (a scrape longer than the interval) are skipped, never bunched up.
      let next = nextTick(clock.now(), offsetMs, target.intervalMs);
      if (next <= tick) next = tick + target.intervalMs;
      tick = next;
    }
  }

  return {
    get target() {
      return target;
    },
    status,
    offsetMs,
    update(t) {
      target = t;
    },
    start() {
      running ??= run();
    },
    async stop() {
      stopCtl.abort();
      await running;
      metrics.up.remove(metricLabels());
      prev = undefined;
    },
  };
}
