// The validated configuration as the code sees it: camelCase, units in names. Built from the schema's output.
import { join } from 'node:path';
import { configSchema, defaultQueueWorkers, targetSchema, type RawConfig } from './schema.js';
import { toScrapeJob, type ScrapeConfig } from './scrape-config.js';

export type { ScrapeConfig };

type RawTarget = RawConfig['remote-write']['targets'][string];

export interface RetryConfig {
  /** First backoff. */
  minBackoffMs: number;
  /** Backoff cap; the jittered backoff never exceeds it. */
  maxBackoffMs: number;
  /** Growth per failed attempt. */
  multiplier: number;
  /** Relative jitter: 0.5 spreads each backoff over ±50 %. */
  jitter: number;
  /** Retries allowed for 429 answers before giving up. */
  max429Retries: number;
  /** Attempts in total before giving up; 0 = no limit (max-age still bounds it). */
  maxAttempts: number;
}

export interface TargetConfig {
  name: string;
  address: string;
  authToken: string;
  basicAuthUser: string;
  basicAuthPassword: string;
  /** '' = none; 'passthrough' = forward the tenant the profile arrived with. */
  tenantId: string;
  tags: Record<string, string>;
  headers: Record<string, string>;
  timeoutMs: number;
  queueSize: number;
  queueWorkers: number;
  durable: boolean;
  maxBacklogBytes: number;
  /** 0 = no limit. */
  maxAgeMs: number;
  retry: RetryConfig;
  rewriteDottedTagKeys: boolean;
  /** `ingest` (POST /ingest, the default when absent) or `push` (Grafana's push.v1.PusherService/Push). */
  protocol?: 'ingest' | 'push';
  /** protocol push: bound of one batched request body (default DEFAULT_MAX_BATCH_BYTES). */
  maxBatchBytes?: number;
}

export interface Config {
  listen: { host: string; port: number };
  storagePath: string;
  logLevel: RawConfig['log-level'];
  retentionMs: number;
  maxNodesSerialization: number;
  maxNodesRender: number;
  shutdownTimeoutMs: number;
  ingest: {
    maxBodyBytes: number;
    maxDecompressedBytes: number;
    maxSeriesPerRequest: number;
    maxLabelsPerSeries: number;
    maxAppNameLength: number;
    maxTagKeyLength: number;
    maxTagValueBytes: number;
    maxMultipartParts: number;
    requestTimeoutMs: number;
    dedupWindowMs: number;
    maxNodesPerRequest: number;
    decodeWorkers: number;
    decodeWorkerMemoryBytes: number;
    decodeInlineMaxBytes: number;
    maxProfilesPerPush: number;
  };
  api: { allowUnauthenticatedDelete: boolean };
  auth: { ingestionEnabled: boolean; queryEnabled: boolean; keysFile: string; keyReloadIntervalMs: number };
  multitenancyEnabled: boolean;
  /** Per-tenant overrides; `retentionMs` 0 = the global retention. */
  tenants: Record<string, { retentionMs: number }>;
  remoteWrite: { enabled: boolean; disableLocalWrites: boolean; sendThread: boolean; targets: TargetConfig[] };
  /** Pull mode (`scrape-configs`); no jobs = nothing scraped. */
  scrape: ScrapeConfig;
}

export function parseListen(addr: string): { host: string; port: number } | undefined {
  const m = /^(.*):(\d{1,5})$/.exec(addr.trim());
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port > 65535) return undefined;
  const host = m[1].replace(/^\[(.*)\]$/, '$1');
  return { host: host === '' ? '0.0.0.0' : host, port };
}

export function toConfig(raw: RawConfig): Config {
  const rw = raw['remote-write'];
  return {
    listen: parseListen(raw['api-bind-addr'])!,
    storagePath: raw['storage-path'],
    logLevel: raw['log-level'],
    retentionMs: raw.retention,
    maxNodesSerialization: raw['max-nodes-serialization'],
    maxNodesRender: raw['max-nodes-render'],
    shutdownTimeoutMs: raw['shutdown-timeout'],
    ingest: {
      maxBodyBytes: raw.ingest['max-body-bytes'],
      maxDecompressedBytes: raw.ingest['max-decompressed-bytes'],
      maxSeriesPerRequest: raw.ingest['max-series-per-request'],
      maxLabelsPerSeries: raw.ingest['max-labels-per-series'],
      maxAppNameLength: raw.ingest['max-app-name-length'],
      maxTagKeyLength: raw.ingest['max-tag-key-length'],
      maxTagValueBytes: raw.ingest['max-tag-value-length'],
      maxMultipartParts: raw.ingest['max-multipart-parts'],
      requestTimeoutMs: raw.ingest['request-timeout'],
      dedupWindowMs: raw.ingest['dedup-window'],
      maxNodesPerRequest: raw.ingest['max-nodes-per-request'],
      decodeWorkers: raw.ingest['decode-workers'],
      decodeWorkerMemoryBytes: raw.ingest['decode-worker-memory'],
      decodeInlineMaxBytes: raw.ingest['decode-inline-max-bytes'],
      maxProfilesPerPush: raw.ingest['max-profiles-per-push'],
    },
    api: { allowUnauthenticatedDelete: raw.api['allow-unauthenticated-delete'] },
    auth: {
      ingestionEnabled: raw.auth.ingestion.enabled,
      queryEnabled: raw.auth.query.enabled,
      keysFile: raw.auth['keys-file'] || join(raw['storage-path'], 'auth', 'keys.json'),
      keyReloadIntervalMs: raw.auth['key-reload-interval'],
    },
    multitenancyEnabled: raw['multitenancy-enabled'],
    tenants: Object.fromEntries(Object.entries(raw.tenants).map(([id, t]) => [id, { retentionMs: t.retention }])),
    remoteWrite: {
      enabled: rw.enabled,
      disableLocalWrites: rw.enabled && rw['disable-local-writes'],
      sendThread: rw['send-thread'],
      targets: Object.entries(rw.targets).map(([name, t]) => ({
        name,
        address: t.address,
        authToken: t['auth-token'],
        basicAuthUser: t['basic-auth-user'],
        basicAuthPassword: t['basic-auth-password'],
        tenantId: t['tenant-id'],
        tags: t.tags,
        headers: t.headers,
        timeoutMs: t.timeout,
        queueSize: t['queue-size'],
        queueWorkers: t['queue-workers'] === 0 ? defaultQueueWorkers() : t['queue-workers'],
        durable: t.durable,
        maxBacklogBytes: t['max-backlog-bytes'],
        maxAgeMs: t['max-age'],
        retry: retryConfigOf(t),
        rewriteDottedTagKeys: t['rewrite-dotted-tag-keys'],
        protocol: t.protocol,
        maxBatchBytes: t['max-batch-bytes'],
      })),
    },
    scrape: { maxConcurrency: raw.scrape['max-concurrency'], jobs: raw['scrape-configs'].map(toScrapeJob) },
  };
}

function retryConfigOf(t: RawTarget): RetryConfig {
  return {
    minBackoffMs: t['min-backoff'],
    maxBackoffMs: t['max-backoff'],
    multiplier: t['backoff-multiplier'],
    jitter: t['backoff-jitter'],
    max429Retries: t['max-429-retries'],
    maxAttempts: t['max-attempts'],
  };
}

/** The schema's retry defaults (a target that sets none of the retry keys). */
export const DEFAULT_RETRY_CONFIG: Readonly<RetryConfig> = Object.freeze(retryConfigOf(targetSchema.parse({ address: 'http://defaults' })));

/** Defaults only: handy for tests and for `pyrelay server` with no file. */
export const defaultConfig = (): Config => toConfig(configSchema.parse({}));
