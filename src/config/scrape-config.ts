// The validated pull-mode configuration as the code sees it (camelCase, milliseconds, bytes), with each
// job's profiles merged over the original's defaults.
import { defaultProfiles, type ProfileSetting, type SampleTypeSetting } from './scrape-defaults.js';
import type { RawRelabel, RawScrapeJob } from './scrape-schema.js';

export type { ProfileSetting, SampleTypeSetting };

export type RelabelAction = RawRelabel['action'];

export interface RelabelRule {
  sourceLabels: string[];
  separator: string;
  regex: string;
  modulus: number;
  targetLabel: string;
  replacement: string;
  action: RelabelAction;
}

export interface TlsSetting {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  serverName?: string;
  insecureSkipVerify: boolean;
}

/** One way to authenticate; secrets stay here and in the request headers, nowhere else. */
export type AuthSetting =
  | { kind: 'none' }
  | { kind: 'basic'; username: string; password?: string; passwordFile?: string }
  | { kind: 'authorization'; type: string; credentials?: string; credentialsFile?: string };

export interface StaticGroup {
  targets: string[];
  labels: Record<string, string>;
}

export interface FileSdSetting {
  files: string[];
  refreshIntervalMs: number;
}

export interface KubernetesSdSetting {
  role: 'pod';
  /** Resolved at load time: api-server, the kubeconfig's server, or the in-cluster service. */
  apiServer?: string;
  kubeconfigFile?: string;
  /** In-cluster: the service account's token and CA files. */
  inCluster: boolean;
  namespaces: string[];
  ownNamespace: boolean;
  bearerTokenFile?: string;
  tls: TlsSetting;
}

export interface ScrapeJobConfig {
  jobName: string;
  intervalMs: number;
  timeoutMs: number;
  scheme: 'http' | 'https';
  bodySizeLimitBytes: number;
  enabledProfiles: string[];
  profiles: Record<string, ProfileSetting>;
  staticConfigs: StaticGroup[];
  fileSdConfigs: FileSdSetting[];
  kubernetesSdConfigs: KubernetesSdSetting[];
  relabelConfigs: RelabelRule[];
  auth: AuthSetting;
  tls: TlsSetting;
  followRedirects: boolean;
}

export interface ScrapeConfig {
  maxConcurrency: number;
  jobs: ScrapeJobConfig[];
}

const tlsOf = (t: RawScrapeJob['tls-config']): TlsSetting => ({
  caFile: t['ca-file'],
  certFile: t['cert-file'],
  keyFile: t['key-file'],
  serverName: t['server-name'],
  insecureSkipVerify: t['insecure-skip-verify'],
});

function authOf(j: RawScrapeJob): AuthSetting {
  const b = j['basic-auth'];
  if (b) return { kind: 'basic', username: b.username, password: b.password, passwordFile: b['password-file'] };
  const a = j.authorization;
  if (a) return { kind: 'authorization', type: a.type.trim() || 'Bearer', credentials: a.credentials, credentialsFile: a['credentials-file'] };
  if (j['bearer-token'] !== undefined) return { kind: 'authorization', type: 'Bearer', credentials: j['bearer-token'] };
  if (j['bearer-token-file'] !== undefined) return { kind: 'authorization', type: 'Bearer', credentialsFile: j['bearer-token-file'] };
  return { kind: 'none' };
}

function profilesOf(j: RawScrapeJob): Record<string, ProfileSetting> {
  const out = defaultProfiles(j['use-delta-profiles']);
  for (const [name, p] of Object.entries(j.profiles)) {
    const base = out[name];
    const params: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(p.params ?? {})) params[k] = Array.isArray(v) ? v : [v];
    const sampleTypes: Record<string, SampleTypeSetting> = {};
    for (const [t, c] of Object.entries(p['sample-types'] ?? {})) {
      sampleTypes[t] = { displayName: c['display-name'], units: c.units, aggregation: c.aggregation, cumulative: c.cumulative, sampled: c.sampled };
    }
    out[name] = {
      path: p.path ?? base?.path ?? '/',
      params: p.params !== undefined ? params : (base?.params ?? {}),
      sampleTypes: p['sample-types'] !== undefined ? sampleTypes : (base?.sampleTypes ?? {}),
      allSampleTypes: p['all-sample-types'] ?? base?.allSampleTypes ?? false,
    };
  }
  return out;
}

export function toScrapeJob(j: RawScrapeJob): ScrapeJobConfig {
  return {
    jobName: j['job-name'],
    intervalMs: j['scrape-interval'],
    timeoutMs: j['scrape-timeout'],
    scheme: j.scheme,
    bodySizeLimitBytes: j['body-size-limit'],
    enabledProfiles: [...new Set(j['enabled-profiles'])],
    profiles: profilesOf(j),
    staticConfigs: j['static-configs'].map((s) => {
      const labels: Record<string, string> = { ...s.labels };
      // The original's shorthands: `application` is the app name label, `spy-name` the profiler id.
      if (s.application !== undefined) labels.__name__ = s.application;
      if (s['spy-name'] !== undefined) labels.__spy_name__ = s['spy-name'];
      return { targets: s.targets, labels };
    }),
    fileSdConfigs: j['file-sd-configs'].map((f) => ({ files: f.files, refreshIntervalMs: f['refresh-interval'] })),
    kubernetesSdConfigs: j['kubernetes-sd-configs'].map((k) => ({
      role: k.role,
      apiServer: k['api-server'],
      kubeconfigFile: k['kubeconfig-file'],
      inCluster: k['api-server'] === undefined && k['kubeconfig-file'] === undefined,
      namespaces: k.namespaces.names,
      ownNamespace: k.namespaces['own-namespace'],
      bearerTokenFile: k['bearer-token-file'],
      tls: tlsOf(k['tls-config']),
    })),
    relabelConfigs: j['relabel-configs'].map((r) => ({
      sourceLabels: r['source-labels'] ?? [],
      separator: r.separator,
      regex: r.regex,
      modulus: r.modulus ?? 0,
      targetLabel: r['target-label'] ?? '',
      replacement: r.replacement,
      action: r.action,
    })),
    auth: authOf(j),
    tls: tlsOf(j['tls-config']),
    followRedirects: j['follow-redirects'],
  };
}
