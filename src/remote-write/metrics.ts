// The original server's remote-write metrics, with its exact names and labels (docs/compatibility.md#9): queue
// metrics use snake_case labels, client metrics camelCase. Dashboards built on the original keep working.
// pyrelay's delivery metrics sit beside them, snake_case only.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { DropReason } from '../model/drop-reason.js';

export const RESPONSE_TIME_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Q = 'target_name' | 'target_address';

export interface RemoteWriteMetrics {
  queueCapacity: Gauge<Q>;
  queuePending: Gauge<Q>;
  queueWorkers: Gauge<Q>;
  queueDropped: Counter<Q>;
  sentBytes: Counter<'targetName' | 'targetAddress'>;
  responseTime: Histogram<'targetName' | 'targetAddress' | 'code'>;
  // pyrelay's own, beside the OG ones (docs/compatibility.md#9: snake_case only).
  sendFailures: Counter<Q | 'reason'>;
  drops: Counter<Q | 'reason'>;
  retries: Counter<Q | 'reason'>;
  permanentFailures: Counter<Q | 'code'>;
  sentProfiles: Counter<Q>;
  backlogItems: Gauge<Q>;
  backlogBytes: Gauge<Q>;
  oldestPendingAge: Gauge<Q>;
  inFlight: Gauge<Q>;
  corruptSkipped: Counter;
  /** Called before the sampled gauges are read (pending, backlog, age): each target registers one. */
  samplers: Set<() => void>;
}

export type { DropReason };

/** What a target reports when sampled. `backlog` only for durable targets. */
export interface TargetSample {
  pending: number;
  backlog?: { items: number; bytes: number; oldestAtMs: number | undefined };
  /** Bytes and oldest item of a memory queue (the status page reads it; no gauge). */
  queued?: { bytes: number; oldestAtMs: number | undefined };
  nowMs: number;
}

/** The metrics of one target with its labels bound. `address` must already be redacted. */
export interface TargetMetrics {
  setCapacity(n: number): void;
  setWorkers(n: number): void;
  /** Registers the sampler of the pending/backlog gauges; returns its removal (takes a last sample first). */
  sampleWith(sample: () => TargetSample): () => void;
  dropped(reason: DropReason, n?: number): void;
  /** A send attempt that did not end in 2xx; `reason` is the outcome's (network, timeout, status, non_retryable, redirect), `detail` its text. */
  failed(reason: string, detail?: string): void;
  /** A failed attempt that will be tried again. */
  retried(reason: string): void;
  /** A permanent failure answered with `status` (0: no response). */
  permanent(status: number): void;
  /** A request the target accepted (2xx) with its body bytes and the profiles it carried (default 1). */
  sent(bytes: number, profiles?: number): void;
  responded(status: number, seconds: number): void;
  inFlight(delta: 1 | -1): void;
}

const QUEUE_SIDE = new Set<DropReason>(['queue_full', 'stopped', 'backlog_full', 'too_old']);

const cache = new WeakMap<Registry, RemoteWriteMetrics>();

// A second remote-write instance on the same registry (tests, a restart in-process) reuses the metrics
// instead of failing on a duplicate registration.
export function createRemoteWriteMetrics(registry: Registry): RemoteWriteMetrics {
  const cached = cache.get(registry);
  if (cached) return cached;
  const labelNames = ['target_name', 'target_address'] as const;
  const clientLabels = ['targetName', 'targetAddress'] as const;
  const registers = [registry];
  const samplers = new Set<() => void>();
  // prom-client reads each metric right after its own collect(), so every sampled gauge samples for itself.
  const collect = () => {
    for (const s of samplers) s();
  };
  const gauge = (name: string, help: string, sampled = false) => new Gauge({ name, help, labelNames, registers, ...(sampled ? { collect } : {}) });
  const counter = <L extends string>(name: string, help: string, extra: L[] = []) => new Counter<Q | L>({ name, help, labelNames: [...labelNames, ...extra], registers });
  const m: RemoteWriteMetrics = {
    queueCapacity: gauge('pyroscope_remote_write_queue_capacity', 'Number of items the queue can hold'),
    queuePending: gauge('pyroscope_remote_write_queue_pending', 'Items queued, being sent or waiting for a retry', true),
    queueWorkers: gauge('pyroscope_remote_write_queue_workers_total', 'Number of queue workers'),
    queueDropped: counter('pyroscope_remote_write_queue_dropped', 'Items dropped by the queue: full, over its byte budget, too old, or stopped'),
    sentBytes: new Counter({ name: 'pyroscope_remote_write_client_sent_bytes', help: 'Body bytes accepted (2xx) by the target', labelNames: clientLabels, registers }),
    responseTime: new Histogram({
      name: 'pyroscope_remote_write_client_response_time',
      help: 'Time until the target answered, in seconds',
      labelNames: [...clientLabels, 'code'],
      buckets: RESPONSE_TIME_BUCKETS,
      registers,
    }),
    sendFailures: counter('pyrelay_remote_write_send_failures_total', 'Send attempts that did not end in a 2xx, by reason', ['reason']),
    drops: counter('pyrelay_remote_write_dropped_total', 'Profiles given up without delivery, by reason', ['reason']),
    retries: counter('pyrelay_remote_write_retries_total', 'Failed attempts scheduled for another try, by reason', ['reason']),
    permanentFailures: counter('pyrelay_remote_write_permanent_failures_total', 'Attempts the target refused for good (no retry), by HTTP status', ['code']),
    sentProfiles: counter('pyrelay_remote_write_sent_profiles_total', 'Profiles the target accepted (2xx)'),
    backlogItems: gauge('pyrelay_remote_write_backlog_items', 'Unacknowledged items in the durable backlog (in memory or on disk)', true),
    backlogBytes: gauge('pyrelay_remote_write_backlog_bytes', 'Payload bytes of the unacknowledged items in the durable backlog', true),
    oldestPendingAge: gauge('pyrelay_remote_write_oldest_pending_age_seconds', 'Age of the oldest unacknowledged item of a durable target (0 when none)', true),
    inFlight: gauge('pyrelay_remote_write_in_flight_requests', 'Requests sent and not answered yet'),
    corruptSkipped: new Counter({
      name: 'pyrelay_remote_write_backlog_corrupt_records_total',
      help: 'Backlog records skipped because they failed their checksum or could not be decoded',
      registers,
    }),
    samplers,
  };
  cache.set(registry, m);
  return m;
}

export function bindTargetMetrics(m: RemoteWriteMetrics, name: string, address: string): TargetMetrics {
  const q = { target_name: name, target_address: address };
  const c = { targetName: name, targetAddress: address };
  // Touch every series once so it is exported (at 0) before the first event: dashboards see the target at once.
  m.queuePending.labels(q).set(0);
  m.queueDropped.labels(q).inc(0);
  m.sentBytes.labels(c).inc(0);
  m.sentProfiles.labels(q).inc(0);
  m.inFlight.labels(q).set(0);
  return {
    setCapacity: (n) => m.queueCapacity.labels(q).set(n),
    setWorkers: (n) => m.queueWorkers.labels(q).set(n),
    sampleWith(sample) {
      const run = () => {
        const s = sample();
        m.queuePending.labels(q).set(s.pending);
        if (s.backlog === undefined) return;
        m.backlogItems.labels(q).set(s.backlog.items);
        m.backlogBytes.labels(q).set(s.backlog.bytes);
        const age = s.backlog.oldestAtMs === undefined ? 0 : Math.max(0, s.nowMs - s.backlog.oldestAtMs) / 1000;
        m.oldestPendingAge.labels(q).set(age);
      };
      run();
      m.samplers.add(run);
      return () => {
        run();
        m.samplers.delete(run);
      };
    },
    dropped: (reason, n = 1) => {
      // The OG counter keeps its meaning (the queue let go of items it held); refusals by the target are
      // failures there, as in the original. Every reason lands in ours.
      if (QUEUE_SIDE.has(reason)) m.queueDropped.labels(q).inc(n);
      m.drops.labels({ ...q, reason }).inc(n);
    },
    failed: (reason) => m.sendFailures.labels({ ...q, reason }).inc(),
    retried: (reason) => m.retries.labels({ ...q, reason }).inc(),
    permanent: (status) => m.permanentFailures.labels({ ...q, code: String(status) }).inc(),
    sent: (bytes, profiles = 1) => {
      m.sentBytes.labels(c).inc(bytes);
      m.sentProfiles.labels(q).inc(profiles);
    },
    responded: (status, seconds) => m.responseTime.labels({ ...c, code: String(status) }).observe(seconds),
    inFlight: (delta) => m.inFlight.labels(q).inc(delta),
  };
}
