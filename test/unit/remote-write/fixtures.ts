// Builders shared by the remote-write unit tests.
import type { TargetConfig } from '../../../src/config/config.js';
import type { FormatId } from '../../../src/model/profile.js';
import type { ForwardItem } from '../../../src/model/forward.js';

export function target(over: Partial<TargetConfig> = {}): TargetConfig {
  return {
    name: 't1',
    address: 'http://127.0.0.1:1',
    authToken: '',
    basicAuthUser: '',
    basicAuthPassword: '',
    tenantId: '',
    tags: {},
    headers: {},
    timeoutMs: 2000,
    queueSize: 100,
    queueWorkers: 2,
    durable: false,
    maxBacklogBytes: 1 << 30,
    maxAgeMs: 0,
    retry: { minBackoffMs: 500, maxBackoffMs: 30_000, multiplier: 2, jitter: 0.5, max429Retries: 10, maxAttempts: 0 },
    rewriteDottedTagKeys: false,
    ...over,
  };
}

export interface ItemOptions {
  body?: Buffer;
  format?: FormatId;
  contentType?: string;
  appName?: string;
  labels?: Record<string, string>;
  rawQuery?: Record<string, string>;
  tenant?: string;
  from?: string;
  until?: string;
  profileId?: string;
}

export function item(o: ItemOptions = {}): ForwardItem {
  const from = o.from ?? '1700000000';
  const until = o.until ?? '1700000010';
  return {
    body: o.body ?? Buffer.from('foo;bar 2\nfoo;baz 3\n'),
    contentType: o.contentType,
    format: o.format ?? 'groups',
    rawQuery: o.rawQuery ?? {},
    profileId: o.profileId ?? 'pid-1',
    request: {
      key: { appName: o.appName ?? 'my.app', labels: o.labels ?? {} },
      rawName: 'my.app',
      from: { ms: Number(from) * 1000, forward: from },
      until: { ms: Number(until) * 1000, forward: until },
      sampleRate: 100,
      sampleRateGiven: false,
      spyName: 'unknown',
      units: 'samples',
      aggregation: 'sum',
      format: o.format ?? 'groups',
      contentType: o.contentType,
      tenant: o.tenant ?? 'anonymous',
    } as ForwardItem['request'],
  };
}
