// The remote-write entry point: hands every accepted profile to every target's own queue. Every ingestion
// source (HTTP /ingest, later scrape and the push API) calls offer(); it never waits on a target. Durable
// targets share one backlog: the payload is persisted once for all of them before offer() resolves.
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { TargetConfig } from '../config/config.js';
import type { Clock, Deadline } from '../lib/clock.js';
import { PyrelayError } from '../model/errors.js';
import type { SharedBacklog } from './shared-backlog.js';
import { createBacklogQueue } from './backlog-queue.js';
import { bindTargetMetrics, createRemoteWriteMetrics, type TargetMetrics } from './metrics.js';
import { createMemoryQueue, type LeaseDropReason, type TargetQueue } from './queue.js';
import { redactUrl } from './redact.js';
import { createDeliveryProtocol } from './protocol.js';
import type { PushExporter } from './push-protocol.js';
import type { Sender, SenderFactory } from './sender.js';
import { createTarget, type Target } from './target.js';
import type { RemoteWriteStatus } from './target-status.js';
import type { ForwardItem, OfferOptions, RemoteWrite } from '../model/forward.js';

export interface RemoteWriteDeps {
  targets: TargetConfig[];
  clock: Clock;
  logger: Logger;
  registry: Registry;
  /** The shared backlog of the `durable: true` targets (required when there is one); closed by stop(). */
  durable?: SharedBacklog;
  /** The queue of one non-durable target; defaults to the in-memory queue (`queue-size` items). */
  createQueue?: (target: TargetConfig, hooks: { onDrop: (reason: LeaseDropReason, count: number) => void }) => TargetQueue;
  /** Tests inject a sender; defaults to an undici pool per target. */
  createSender?: (target: TargetConfig) => Sender;
  /** How each target's sender is built when none is injected (main passes the send thread's); default in-thread. */
  newSender?: SenderFactory;
  /** Uniform in [0, 1) for the retry jitter (default Math.random). */
  random?: () => number;
  /** Minimum time between two log lines of the same kind per target (default 10 s). */
  logIntervalMs?: number;
  /** Live per-target status (GET /api/remote-write/targets): observes each target through its metrics. */
  status?: RemoteWriteStatus;
  /** Converts items to Grafana-labelled pprof for `protocol: push` targets (built from the ingest decoders). */
  pushExporter?: PushExporter;
}

export function createRemoteWrite(deps: RemoteWriteDeps): RemoteWrite {
  const metrics = createRemoteWriteMetrics(deps.registry);
  const buffer = deps.durable;
  const missing = deps.targets.filter((t) => t.durable && !buffer?.targets.includes(t.name));
  if (missing.length > 0) {
    throw new PyrelayError('invalid_config', `remote write: durable targets without a backlog: ${missing.map((t) => t.name).join(', ')}`);
  }
  const targets: Target[] = [];
  const durableTargets: Target[] = [];
  const track = (config: TargetConfig, durable: boolean, m: TargetMetrics) =>
    deps.status ? deps.status.track({ name: config.name, address: redactUrl(config.address), durable }, m) : m;
  for (const config of deps.targets) {
    let target: Target | undefined;
    const onDrop = (reason: LeaseDropReason, count: number) => target?.recordDrop(reason, count);
    const backlogQueue =
      config.durable && buffer
        ? createBacklogQueue({ backlog: buffer.backlog, target: config.name, capacity: config.queueSize, maxAgeMs: config.maxAgeMs, logger: deps.logger })
        : undefined;
    const queue = backlogQueue ?? deps.createQueue?.(config, { onDrop }) ?? createMemoryQueue(config.queueSize, { onDrop, now: () => deps.clock.now() });
    target = createTarget({
      config,
      clock: deps.clock,
      logger: deps.logger,
      metrics: track(config, backlogQueue !== undefined, bindTargetMetrics(metrics, config.name, redactUrl(config.address))),
      queue,
      durable: backlogQueue !== undefined,
      backlogStats: backlogQueue?.backlogStats,
      sender: deps.createSender?.(config),
      newSender: deps.newSender,
      random: deps.random,
      logIntervalMs: deps.logIntervalMs,
      protocol: createDeliveryProtocol(config, {
        exporter: deps.pushExporter,
        onEncodeError: (item, err) =>
          deps.logger.error({ remote_target: config.name, key: item.request.rawName, err: String(err) }, 'remote write: profile cannot be converted for the Push API; dropped'),
      }),
    });
    const t = target;
    if (backlogQueue) {
      buffer!.onDrop(config.name, (reason, count) => t.recordDrop(reason, count));
      durableTargets.push(t);
    }
    targets.push(t);
  }
  // Corrupted records are shared by every target: one unlabelled counter, fed from the backlog's own count.
  let corruptReported = 0;
  const reportCorrupt = () => {
    const n = buffer?.backlog.corruptSkipped ?? 0;
    if (n > corruptReported) metrics.corruptSkipped.inc(n - corruptReported);
    corruptReported = n;
  };
  reportCorrupt();
  metrics.samplers.add(reportCorrupt);
  let stopping: Promise<void> | undefined;

  const unavailable = (err: unknown) =>
    err instanceof PyrelayError && err.code === 'unavailable' ? err : new PyrelayError('unavailable', `remote write cannot keep the profile: ${String(err)}`, { cause: err });

  return {
    async offer(item: ForwardItem, opts: OfferOptions = {}): Promise<void> {
      if (stopping) throw new PyrelayError('unavailable', 'remote write is stopping');
      // Persist first: /ingest answers 200 only once every durable target has the profile on disk.
      if (buffer && durableTargets.length > 0 && opts.persisted !== true) {
        try {
          await buffer.append(item);
        } catch (err) {
          throw unavailable(err);
        }
      }
      const waits: Promise<void>[] = [];
      for (const t of targets) {
        try {
          const r = t.offer(item);
          if (r) waits.push(r);
        } catch (err) {
          // Stopping began while the append ran: the durable copy is on disk, the memory ones are refused.
          waits.push(Promise.reject(err));
        }
      }
      if (waits.length > 0) await Promise.all(waits).catch((err: unknown) => Promise.reject(unavailable(err)));
    },
    stop(deadline: Deadline): Promise<void> {
      const at = deadline.atMs;
      stopping ??= (async () => {
        await Promise.all(targets.map((t) => t.stop(at)));
        reportCorrupt();
        metrics.samplers.delete(reportCorrupt);
        await buffer?.close();
      })();
      return stopping;
    },
  };
}
