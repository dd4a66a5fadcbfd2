// One remote target: its queue, its workers, its connection pool, its metrics and its rate-limited logs.
// A slow or dead target only ever fills its own queue.
import type { Logger } from 'pino';
import type { TargetConfig } from '../config/config.js';
import type { Clock } from '../lib/clock.js';
import { PyrelayError } from '../model/errors.js';
import { normalizeKey } from '../model/series-key.js';
import { createRateLimitedLog } from './failure-log.js';
import { buildForwardRequest } from './forward-request.js';
import type { TargetMetrics } from './metrics.js';
import type { PushResult, TargetQueue } from './queue.js';
import { redactUrl } from './redact.js';
import { createSender, type Sender } from './sender.js';
import type { ForwardItem } from './types.js';

export interface Target {
  readonly name: string;
  /** Queues the item for this target, or drops and counts it when the queue is full. Never waits on the network. */
  offer(item: ForwardItem): void | Promise<void>;
  /** Stop accepting, send what is queued until the deadline (unix ms, clock time), then abort and close. */
  stop(deadlineAtMs: number): Promise<void>;
}

export interface TargetOptions {
  config: TargetConfig;
  clock: Clock;
  logger: Logger;
  metrics: TargetMetrics;
  queue: TargetQueue;
  /** Injected in tests; defaults to an undici pool on the target's origin. */
  sender?: Sender;
  /** Minimum time between two log lines of the same kind for this target. */
  logIntervalMs?: number;
}

export function createTarget(o: TargetOptions): Target {
  const { config, clock, queue, metrics } = o;
  const address = redactUrl(config.address);
  const base = { remote_target: config.name, target_address: address };
  const logIntervalMs = o.logIntervalMs ?? 10_000;
  const sender =
    o.sender ?? createSender({ origin: new URL(config.address).origin, connections: config.queueWorkers, timeoutMs: config.timeoutMs, now: () => clock.now() });
  const failures = createRateLimitedLog({ logger: o.logger, clock, level: 'error', msg: 'remote write failed', base, intervalMs: logIntervalMs });
  const drops = createRateLimitedLog({ logger: o.logger, clock, level: 'warn', msg: 'remote write queue full, profile dropped', base, intervalMs: logIntervalMs });
  const shutdown = new AbortController();
  let accepting = true;

  metrics.setCapacity(config.queueSize);
  metrics.setWorkers(config.queueWorkers);

  const settle = (r: PushResult, item: ForwardItem) => {
    if (r === 'accepted') {
      metrics.pendingInc();
      return;
    }
    const reason = r === 'full' ? 'queue_full' : 'stopped';
    metrics.dropped(reason);
    drops.event({ reason, key: normalizeKey(item.request.key) });
  };

  async function work(): Promise<void> {
    for (;;) {
      const lease = await queue.take();
      if (lease === undefined) return;
      const { item } = lease;
      try {
        const req = buildForwardRequest(item, config);
        const r = await sender.send(req, shutdown.signal);
        if (r.status !== undefined && r.responseSeconds !== undefined) metrics.responded(r.status, r.responseSeconds);
        // Decision 8: bytes count only once the target accepted them.
        if (r.outcome.kind === 'success') metrics.sent(req.body.length);
        else {
          metrics.failed(r.outcome.reason);
          failures.event({
            url: redactUrl(req.url),
            key: normalizeKey(item.request.key),
            status: r.status ?? 0,
            reason: r.outcome.reason,
            body: r.bodyExcerpt,
            error: r.outcome.detail,
          });
        }
        await lease.done(r.outcome);
      } catch (err) {
        // Only a bug lands here (the builder and sender do not throw); keep the worker alive.
        failures.event({ error: String(err) });
      } finally {
        metrics.pendingDec();
      }
    }
  }

  const workers = Array.from({ length: Math.max(1, config.queueWorkers) }, () => work());

  return {
    name: config.name,
    offer(item) {
      if (!accepting) throw new PyrelayError('unavailable', `remote write to ${config.name} is stopping`);
      const r = queue.push(item);
      if (typeof r === 'string') return settle(r, item);
      return r.then((res) => settle(res, item));
    },
    async stop(deadlineAtMs) {
      if (!accepting) return;
      accepting = false;
      queue.close();
      const all = Promise.all(workers);
      const timer = new AbortController();
      const expired = await Promise.race([
        all.then(() => false),
        clock.sleep(Math.max(0, deadlineAtMs - clock.now()), timer.signal).then(() => true, () => false),
      ]);
      timer.abort();
      if (expired) {
        // Past the deadline: what is still queued is lost (a durable queue keeps it), in-flight sends are cut.
        const left = queue.drain();
        if (left.length > 0) {
          metrics.dropped('stopped', left.length);
          for (let i = 0; i < left.length; i++) metrics.pendingDec();
          o.logger.warn({ ...base, dropped: left.length }, 'remote write stopped with items still queued; they are dropped');
        }
        shutdown.abort(new Error('remote write stopped at its shutdown deadline'));
        await all;
        await sender.destroy();
      } else {
        await sender.close();
      }
      failures.close();
      drops.close();
    },
  };
}
