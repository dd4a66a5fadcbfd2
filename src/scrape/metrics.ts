// Pull-mode metrics in the Prometheus scrape vocabulary (`up`, scrape duration, failures by reason, bytes,
// targets per job), plus the concurrency cap and config reloads. New names are snake_case only (docs/compatibility.md#44).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type ScrapeMetricReason = 'timeout' | 'connection' | 'http_status' | 'body_too_large' | 'auth_file' | 'invalid_profile' | 'ingest_error';

export interface ScrapeMetrics {
  up: Gauge<'job' | 'instance' | 'profile'>;
  duration: Histogram<'job' | 'profile'>;
  failures: Counter<'job' | 'reason'>;
  bytes: Counter<'job'>;
  targets: Gauge<'job'>;
  invalidTargets: Gauge<'job'>;
  inFlight: Gauge;
  concurrencyLimit: Gauge;
  slotWaits: Counter;
  discoveryErrors: Counter<'job' | 'mechanism'>;
  reloads: Counter<'result'>;
  lastReloadSuccessful: Gauge;
}

export function createScrapeMetrics(registry: Registry): ScrapeMetrics {
  const registers = [registry];
  return {
    up: new Gauge({
      name: 'pyrelay_scrape_target_up',
      help: '1 if the last scrape of the target succeeded, 0 if it failed (absent before the first scrape)',
      labelNames: ['job', 'instance', 'profile'],
      registers,
    }),
    duration: new Histogram({
      name: 'pyrelay_scrape_duration_seconds',
      help: 'Time from the start of a scrape until its profile was accepted or the scrape failed',
      labelNames: ['job', 'profile'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60],
      registers,
    }),
    failures: new Counter({
      name: 'pyrelay_scrape_failures_total',
      help: 'Failed scrapes by reason (timeout, connection, http_status, body_too_large, auth_file, invalid_profile, ingest_error)',
      labelNames: ['job', 'reason'],
      registers,
    }),
    bytes: new Counter({ name: 'pyrelay_scrape_bytes_total', help: 'Profile bytes read from targets', labelNames: ['job'], registers }),
    targets: new Gauge({ name: 'pyrelay_scrape_targets', help: 'Active scrape targets per job (one per enabled profile)', labelNames: ['job'], registers }),
    invalidTargets: new Gauge({
      name: 'pyrelay_scrape_invalid_targets',
      help: 'Discovered targets that cannot be scraped (no address, no app name, ...), per job',
      labelNames: ['job'],
      registers,
    }),
    inFlight: new Gauge({ name: 'pyrelay_scrape_in_flight', help: 'Scrapes running now', registers }),
    concurrencyLimit: new Gauge({ name: 'pyrelay_scrape_max_concurrency', help: 'The scrape.max-concurrency cap', registers }),
    slotWaits: new Counter({
      name: 'pyrelay_scrape_concurrency_waits_total',
      help: 'Scrapes that had to wait for a slot because scrape.max-concurrency scrapes were running',
      registers,
    }),
    discoveryErrors: new Counter({
      name: 'pyrelay_scrape_discovery_errors_total',
      help: 'Failed discovery refreshes (a target file that does not parse, a failed Kubernetes list or watch), by mechanism',
      labelNames: ['job', 'mechanism'],
      registers,
    }),
    reloads: new Counter({ name: 'pyrelay_config_reloads_total', help: 'Config reloads by result (success, failure)', labelNames: ['result'], registers }),
    lastReloadSuccessful: new Gauge({ name: 'pyrelay_config_last_reload_successful', help: '1 if the last config reload succeeded', registers }),
  };
}
