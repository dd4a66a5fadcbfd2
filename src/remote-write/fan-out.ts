// The remote-write entry point: hands every accepted profile to every target's own queue. Every ingestion
// source (HTTP /ingest, later scrape and the push API) calls offer(); it never waits on a target.
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { TargetConfig } from '../config/config.js';
import type { Clock } from '../lib/clock.js';
import { PyrelayError } from '../model/errors.js';
import { bindTargetMetrics, createRemoteWriteMetrics } from './metrics.js';
import { createMemoryQueue, type TargetQueue } from './queue.js';
import { redactUrl } from './redact.js';
import type { Sender } from './sender.js';
import { createTarget, type Target } from './target.js';
import type { ForwardItem, RemoteWrite } from './types.js';

export interface RemoteWriteDeps {
  targets: TargetConfig[];
  clock: Clock;
  logger: Logger;
  registry: Registry;
  /** The queue of one target; defaults to the in-memory queue (`queue-size` items). A durable backlog plugs in here. */
  createQueue?: (target: TargetConfig) => TargetQueue;
  /** Tests inject a sender; defaults to an undici pool per target. */
  createSender?: (target: TargetConfig) => Sender;
  /** Minimum time between two log lines of the same kind per target (default 10 s). */
  logIntervalMs?: number;
}

export function createRemoteWrite(deps: RemoteWriteDeps): RemoteWrite {
  const metrics = createRemoteWriteMetrics(deps.registry);
  const targets: Target[] = deps.targets.map((config) =>
    createTarget({
      config,
      clock: deps.clock,
      logger: deps.logger,
      metrics: bindTargetMetrics(metrics, config.name, redactUrl(config.address)),
      queue: deps.createQueue?.(config) ?? createMemoryQueue(config.queueSize),
      sender: deps.createSender?.(config),
      logIntervalMs: deps.logIntervalMs,
    }),
  );
  let stopping: Promise<void> | undefined;

  return {
    offer(item: ForwardItem): Promise<void> {
      if (stopping) return Promise.reject(new PyrelayError('unavailable', 'remote write is stopping'));
      const waits: Promise<void>[] = [];
      for (const t of targets) {
        try {
          const r = t.offer(item);
          if (r) waits.push(r);
        } catch (err) {
          waits.push(Promise.reject(err));
        }
      }
      // In-memory queues settle synchronously; only a durable queue makes the caller wait (for its disk write).
      if (waits.length === 0) return Promise.resolve();
      return Promise.all(waits).then(
        () => undefined,
        (err: unknown) => {
          throw err instanceof PyrelayError && err.code === 'unavailable'
            ? err
            : new PyrelayError('unavailable', `remote write cannot keep the profile: ${String(err)}`, { cause: err });
        },
      );
    },
    stop(deadlineMs: number): Promise<void> {
      // A duration unless it is clearly a unix-ms timestamp: callers pass either `shutdownTimeoutMs` or an
      // absolute deadline shared by the whole shutdown.
      const at = deadlineMs > 1e12 ? deadlineMs : deps.clock.now() + deadlineMs;
      stopping ??= Promise.all(targets.map((t) => t.stop(at))).then(() => undefined);
      return stopping;
    },
  };
}
