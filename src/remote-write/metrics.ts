// The original server's remote-write metrics, with its exact names and labels (spec 3.5, decision 9): queue
// metrics use snake_case labels, client metrics camelCase. Dashboards built on the original keep working.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export const RESPONSE_TIME_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface RemoteWriteMetrics {
  queueCapacity: Gauge<'target_name' | 'target_address'>;
  queuePending: Gauge<'target_name' | 'target_address'>;
  queueWorkers: Gauge<'target_name' | 'target_address'>;
  queueDropped: Counter<'target_name' | 'target_address'>;
  sentBytes: Counter<'targetName' | 'targetAddress'>;
  responseTime: Histogram<'targetName' | 'targetAddress' | 'code'>;
  // pyrelay's own, beside the OG ones (decision 9: snake_case only).
  sendFailures: Counter<'target_name' | 'target_address' | 'reason'>;
  drops: Counter<'target_name' | 'target_address' | 'reason'>;
}

/** Closed set of drop reasons (DESIGN convention 5), shared by the metric and the logs. */
export type DropReason = 'queue_full' | 'stopped';

/** The metrics of one target with its labels bound. `address` must already be redacted. */
export interface TargetMetrics {
  setCapacity(n: number): void;
  setWorkers(n: number): void;
  pendingInc(): void;
  pendingDec(): void;
  dropped(reason: DropReason, n?: number): void;
  /** A send attempt that did not end in 2xx; `reason` is the outcome's (network, timeout, status, non_retryable). */
  failed(reason: string): void;
  sent(bytes: number): void;
  responded(status: number, seconds: number): void;
}

// A second remote-write instance on the same registry (tests, a restart in-process) reuses the metrics
// instead of failing on a duplicate registration.
function reuse<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function createRemoteWriteMetrics(registry: Registry): RemoteWriteMetrics {
  const queueLabels = ['target_name', 'target_address'] as const;
  const clientLabels = ['targetName', 'targetAddress'] as const;
  const registers = [registry];
  return {
    queueCapacity: reuse(registry, 'pyroscope_remote_write_queue_capacity', () =>
      new Gauge({ name: 'pyroscope_remote_write_queue_capacity', help: 'Number of items the queue can hold', labelNames: queueLabels, registers })),
    queuePending: reuse(registry, 'pyroscope_remote_write_queue_pending', () =>
      new Gauge({ name: 'pyroscope_remote_write_queue_pending', help: 'Items queued or being sent', labelNames: queueLabels, registers })),
    queueWorkers: reuse(registry, 'pyroscope_remote_write_queue_workers_total', () =>
      new Gauge({ name: 'pyroscope_remote_write_queue_workers_total', help: 'Number of queue workers', labelNames: queueLabels, registers })),
    queueDropped: reuse(registry, 'pyroscope_remote_write_queue_dropped', () =>
      new Counter({ name: 'pyroscope_remote_write_queue_dropped', help: 'Items dropped because the queue was full or stopped', labelNames: queueLabels, registers })),
    sentBytes: reuse(registry, 'pyroscope_remote_write_client_sent_bytes', () =>
      new Counter({ name: 'pyroscope_remote_write_client_sent_bytes', help: 'Body bytes accepted (2xx) by the target', labelNames: clientLabels, registers })),
    responseTime: reuse(registry, 'pyroscope_remote_write_client_response_time', () =>
      new Histogram({
        name: 'pyroscope_remote_write_client_response_time',
        help: 'Time until the target answered, in seconds',
        labelNames: [...clientLabels, 'code'],
        buckets: RESPONSE_TIME_BUCKETS,
        registers,
      })),
    sendFailures: reuse(registry, 'pyrelay_remote_write_send_failures_total', () =>
      new Counter({ name: 'pyrelay_remote_write_send_failures_total', help: 'Send attempts that did not end in a 2xx, by reason', labelNames: [...queueLabels, 'reason'], registers })),
    drops: reuse(registry, 'pyrelay_remote_write_dropped_total', () =>
      new Counter({ name: 'pyrelay_remote_write_dropped_total', help: 'Profiles dropped before sending, by reason', labelNames: [...queueLabels, 'reason'], registers })),
  };
}

export function bindTargetMetrics(m: RemoteWriteMetrics, name: string, address: string): TargetMetrics {
  const q = { target_name: name, target_address: address };
  const c = { targetName: name, targetAddress: address };
  // Touch every series once so it is exported (at 0) before the first event: dashboards see the target at once.
  m.queuePending.labels(q).set(0);
  m.queueDropped.labels(q).inc(0);
  m.sentBytes.labels(c).inc(0);
  return {
    setCapacity: (n) => m.queueCapacity.labels(q).set(n),
    setWorkers: (n) => m.queueWorkers.labels(q).set(n),
    pendingInc: () => m.queuePending.labels(q).inc(),
    pendingDec: () => m.queuePending.labels(q).dec(),
    dropped: (reason, n = 1) => {
      m.queueDropped.labels(q).inc(n);
      m.drops.labels({ ...q, reason }).inc(n);
    },
    failed: (reason) => m.sendFailures.labels({ ...q, reason }).inc(),
    sent: (bytes) => m.sentBytes.labels(c).inc(bytes),
    responded: (status, seconds) => m.responseTime.labels({ ...c, code: String(status) }).observe(seconds),
  };
}
