// Discovered target groups -> scrape targets, as the original does it: job defaults are added, relabeling
// runs, the address gets a default port, meta labels are removed, `instance` defaults to the address, and
// one target is made per enabled profile (with the `__profile_<name>_enabled/_path` overrides). Pure.
import type { ProfileSetting, ScrapeJobConfig } from '../config/scrape-config.js';
import { parseDurationMs } from '../config/duration.js';
import {
  ADDRESS_LABEL,
  APP_NAME_LABEL,
  INSTANCE_LABEL,
  JOB_LABEL,
  META_PREFIX,
  PARAM_PREFIX,
  SCHEME_LABEL,
  SCRAPE_INTERVAL_LABEL,
  SCRAPE_TIMEOUT_LABEL,
  SPY_NAME_LABEL,
  profileEnabledLabel,
  profilePathLabel,
  sortedLabels,
  type LabelSet,
} from './labels.js';
import type { Relabeler } from './relabel.js';

/** A group of targets as discovery reports it (Prometheus' target group). */
export interface TargetGroup {
  /** Identifies the group within its discoverer (file path + index, pod uid, ...). */
  source: string;
  /** Each entry has at least `__address__`. */
  targets: LabelSet[];
  /** Labels shared by every target of the group (a target's own labels win). */
  labels: LabelSet;
}

export interface ScrapeTarget {
  /** Stable identity: unchanged targets keep their state (and delta baselines) across discovery updates and reloads. */
  key: string;
  job: string;
  profileName: string;
  url: string;
  /** Labels before relabeling. */
  discoveredLabels: LabelSet;
  /** Labels after relabeling (meta labels removed). */
  labels: LabelSet;
  appName: string;
  spyName: string;
  intervalMs: number;
  timeoutMs: number;
  profile: ProfileSetting;
  address: string;
}

/** A target that relabeling kept but that cannot be scraped; shown as unhealthy with the reason. */
export interface InvalidTarget {
  key: string;
  job: string;
  discoveredLabels: LabelSet;
  labels: LabelSet;
  error: string;
}

export interface BuiltTargets {
  targets: ScrapeTarget[];
  invalid: InvalidTarget[];
  dropped: number;
}

const formatGoDuration = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

function withDefaultPort(addr: string, scheme: string): string | undefined {
  // host:port, [v6]:port → has a port. A bare v6 literal needs brackets to get one.
  if (/^\[[^\]]+\]:\d+$/.test(addr) || /^[^:[\]]+:\d+$/.test(addr)) return addr;
  const port = scheme === 'https' ? '443' : scheme === 'http' || scheme === '' ? '80' : undefined;
  if (port === undefined) return undefined;
  if (/^\[[^\]]+\]$/.test(addr) || /^[^:]+$/.test(addr)) return `${addr}:${port}`;
  return addr;
}

export function buildTargets(groups: Iterable<TargetGroup>, job: ScrapeJobConfig, relabel: Relabeler): BuiltTargets {
  const out: BuiltTargets = { targets: [], invalid: [], dropped: 0 };
  for (const group of groups) {
    group.targets.forEach((t, i) => {
      const discovered: LabelSet = { ...group.labels, ...t };
      if (!discovered[JOB_LABEL]) discovered[JOB_LABEL] = job.jobName;
      if (!discovered[SCRAPE_INTERVAL_LABEL]) discovered[SCRAPE_INTERVAL_LABEL] = formatGoDuration(job.intervalMs);
      if (!discovered[SCRAPE_TIMEOUT_LABEL]) discovered[SCRAPE_TIMEOUT_LABEL] = formatGoDuration(job.timeoutMs);
      if (!discovered[SCHEME_LABEL]) discovered[SCHEME_LABEL] = job.scheme;
      const built = buildOne(sortedLabels(discovered), job, relabel, `${group.source}/${i}`);
      if (built === undefined) out.dropped++;
      else if ('error' in built) out.invalid.push(built);
      else out.targets.push(...built);
    });
  }
  return out;
}

function buildOne(discovered: LabelSet, job: ScrapeJobConfig, relabel: Relabeler, where: string): ScrapeTarget[] | InvalidTarget | undefined {
  const relabeled = relabel(discovered);
  if (relabeled === undefined) return undefined;
  const invalid = (error: string): InvalidTarget => ({
    key: `${job.jobName}\u0000invalid\u0000${where}\u0000${JSON.stringify(discovered)}`,
    job: job.jobName,
    discoveredLabels: discovered,
    labels: sortedLabels(relabeled),
    error,
  });
  const scheme = relabeled[SCHEME_LABEL] ?? 'http';
  if (scheme !== 'http' && scheme !== 'https') return invalid(`invalid scheme: ${JSON.stringify(scheme)}`);
  const rawAddr = relabeled[ADDRESS_LABEL] ?? '';
  if (rawAddr === '') return invalid('no address');
  if (!relabeled[APP_NAME_LABEL]) return invalid('no app name'); // listed as down, not dropped (docs/compatibility.md#42)
  const addr = withDefaultPort(rawAddr, scheme);
  if (addr === undefined || addr.includes('/')) return invalid(`${JSON.stringify(rawAddr)} is not a valid hostname`);
  const intervalMs = parseDurationMs(relabeled[SCRAPE_INTERVAL_LABEL] ?? '') ?? job.intervalMs;
  const timeoutMs = parseDurationMs(relabeled[SCRAPE_TIMEOUT_LABEL] ?? '') ?? job.timeoutMs;
  if (!(intervalMs > 0) || !(timeoutMs > 0)) return invalid('scrape interval and timeout must be above 0');

  const labels: LabelSet = { ...relabeled, [ADDRESS_LABEL]: addr };
  const extraParams: Record<string, string> = {};
  for (const [k, v] of Object.entries(relabeled)) {
    if (k.startsWith(PARAM_PREFIX)) extraParams[k.slice(PARAM_PREFIX.length)] = v;
    if (k.startsWith(META_PREFIX)) delete labels[k];
  }
  if (!labels[INSTANCE_LABEL]) labels[INSTANCE_LABEL] = addr;

  const targets: ScrapeTarget[] = [];
  for (const [name, profile] of Object.entries(job.profiles)) {
    const override = relabeled[profileEnabledLabel(name)];
    const enabled = override !== undefined && override !== '' ? override === 'true' : job.enabledProfiles.includes(name);
    if (!enabled) continue;
    const path = relabeled[profilePathLabel(name)] || profile.path;
    const params = new URLSearchParams();
    for (const [k, vs] of Object.entries(profile.params)) for (const v of vs) params.append(k, v);
    for (const [k, v] of Object.entries(extraParams)) params.set(k, v);
    if (name === 'cpu') clampSeconds(params, intervalMs, timeoutMs);
    const query = params.toString();
    const url = `${scheme}://${addr}${path.startsWith('/') ? path : '/' + path}${query ? '?' + query : ''}`;
    const finalLabels = sortedLabels(labels);
    targets.push({
      key: `${job.jobName}\u0000${name}\u0000${url}\u0000${JSON.stringify(finalLabels)}`,
      job: job.jobName,
      profileName: name,
      url,
      discoveredLabels: discovered,
      labels: finalLabels,
      appName: relabeled[APP_NAME_LABEL],
      spyName: relabeled[SPY_NAME_LABEL] || 'scrape', // docs/compatibility.md#39
      intervalMs,
      timeoutMs,
      profile,
      address: addr,
    });
  }
  return targets;
}

/**
 * A CPU profile's `seconds` must fit the interval (as the original clamps it) and end before the scrape
 * deadline, or every scrape would time out.
 */
function clampSeconds(params: URLSearchParams, intervalMs: number, timeoutMs: number): void {
  const maxByInterval = Math.max(1, Math.floor(intervalMs / 1000));
  const maxByTimeout = Math.max(1, Math.ceil(timeoutMs / 1000) - 1);
  const cap = Math.min(maxByInterval, maxByTimeout);
  const given = Number(params.get('seconds'));
  if (!params.has('seconds') || !Number.isInteger(given) || given <= 0 || given > cap) params.set('seconds', String(cap));
}
