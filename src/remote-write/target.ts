// One remote target: its queue, its workers (send, retry with backoff, acknowledge), its connection pool, its
// metrics and its rate-limited logs. A slow or dead target only ever fills its own queue.
import type { Logger } from 'pino';
import type { TargetConfig } from '../config/config.js';
import type { Clock } from '../lib/clock.js';
import { PyrelayError } from '../model/errors.js';
import { normalizeKey } from '../model/series-key.js';
import { createRateLimitedLog, type RateLimitedLog } from './rate-limited-log.js';
import type { DropReason, TargetMetrics } from './metrics.js';
import { reasonLabel } from './outcome.js';
import { createDeliveryProtocol, type DeliveryProtocol } from './protocol.js';
import type { Lease, PushResult, TargetQueue } from './queue.js';
import { redactUrl } from './redact.js';
import { createRetryPolicy } from './retry-policy.js';
import { createSender, type Sender, type SenderFactory } from './sender.js';
import type { ForwardItem } from '../model/forward.js';

export interface Target {
  readonly name: string;
  /** Queues the item for this target, or drops and counts it when the queue is full. Never waits on the network. */
  offer(item: ForwardItem): void | Promise<void>;
  /** Counts and logs drops made outside the workers (the durable backlog's budget and max-age). */
  recordDrop(reason: DropReason, count: number): void;
  /** Stop accepting, let in-flight sends finish until the deadline (unix ms, clock time), then abort and close. */
  stop(deadlineAtMs: number): Promise<void>;
}

export interface TargetOptions {
  config: TargetConfig;
  clock: Clock;
  logger: Logger;
  metrics: TargetMetrics;
  queue: TargetQueue;
  /** True when the queue keeps unfinished items on disk: shutdown then leaves them there instead of retrying. */
  durable?: boolean;
  /** Gauges of the durable backlog, when there is one. */
  backlogStats?: () => { items: number; bytes: number; oldestAtMs: number | undefined };
  /** Injected in tests; defaults to an undici pool on the target's origin. */
  sender?: Sender;
  /** Builds the default sender (the send thread's, when it runs); createSender otherwise. */
  newSender?: SenderFactory;
  /** Uniform in [0, 1): the retry jitter (tests make it exact). */
  random?: () => number;
  /** Minimum time between two log lines of the same kind for this target. */
  logIntervalMs?: number;
  /** How items go on the wire (default: from config.protocol, /ingest unless `push`). */
  protocol?: DeliveryProtocol;
}

export function createTarget(o: TargetOptions): Target {
  const { config, clock, metrics } = o;
  const protocol = o.protocol ?? createDeliveryProtocol(config);
  const queue = protocol.wrapQueue(o.queue);
  const durable = o.durable ?? false;
  const address = redactUrl(config.address);
  const base = { remote_target: config.name, target_address: address };
  const logIntervalMs = o.logIntervalMs ?? 10_000;
  const policy = createRetryPolicy(config.retry, o.random ?? Math.random);
  const sender =
    o.sender ??
    (o.newSender ?? createSender)({
      origin: new URL(config.address).origin,
      connections: config.queueWorkers,
      timeoutMs: config.timeoutMs,
      now: () => clock.now(),
      classify: protocol.classify,
      excerptBytes: protocol.excerptBytes,
    });
  const log = (level: 'warn' | 'error', msg: string) => createRateLimitedLog({ logger: o.logger, clock, level, msg, base, intervalMs: logIntervalMs });
  const failures = log('error', 'remote write failed');
  // Refusals get their own rate limit so retry noise never hides the body excerpt of a dropped profile.
  const refused = log('error', 'remote write failed');
  const dropLogs = new Map<DropReason, RateLimitedLog>([['queue_full', log('warn', 'remote write queue full, profile dropped')]]);
  const dropLog = (reason: DropReason) => {
    let l = dropLogs.get(reason);
    if (l === undefined) dropLogs.set(reason, (l = log('warn', 'remote write dropped profiles')));
    return l;
  };
  // `stopping` ends retry waits and new attempts of a durable target at once; `shutdown` cuts in-flight
  // sends (and memory retries) at the deadline.
  const stopping = new AbortController();
  const shutdown = new AbortController();
  let accepting = true;

  metrics.setCapacity(config.queueSize);
  metrics.setWorkers(config.queueWorkers);
  const unsample = metrics.sampleWith(() => ({ pending: queue.pending, backlog: o.backlogStats?.(), queued: queue.stats?.(), nowMs: clock.now() }));

  const recordDrop = (reason: DropReason, count: number, fields: Record<string, unknown> = {}) => {
    if (count <= 0) return;
    metrics.dropped(reason, count);
    dropLog(reason).event({ reason, count, ...fields });
  };

  const settle = (r: PushResult, item: ForwardItem) => {
    if (r === 'accepted') return;
    recordDrop(r === 'full' ? 'queue_full' : 'stopped', 1, { key: normalizeKey(item.request.key) });
  };

  /** Not delivered at shutdown: on disk it waits for the next start; in memory it is lost (and counted). */
  const giveBack = (lease: Lease) => (durable ? lease.release() : lease.drop('stopped'));

  async function deliver(lease: Lease): Promise<void> {
    const { item } = lease;
    const req = protocol.buildRequest(lease);
    const key = normalizeKey(item.request.key);
    let attempts = 0;
    let retries429 = 0;
    for (;;) {
      if (config.maxAgeMs > 0 && clock.now() - lease.enqueuedAtMs > config.maxAgeMs) return lease.drop('too_old');
      if (durable && stopping.signal.aborted) return lease.release();
      metrics.inFlight(1);
      const r = await sender.send(req, shutdown.signal).finally(() => metrics.inFlight(-1));
      attempts++;
      if (r.status !== undefined && r.responseSeconds !== undefined) metrics.responded(r.status, r.responseSeconds);
      const outcome = r.outcome;
      // docs/compatibility.md#8: bytes count only once the target accepted them.
      if (outcome.kind === 'success') {
        metrics.sent(req.body.length, protocol.profilesIn(lease));
        return lease.ack();
      }
      metrics.failed(reasonLabel(outcome), outcome.detail);
      const fields = { url: redactUrl(req.url), key, status: r.status ?? 0, reason: outcome.reason, attempt: attempts, body: r.bodyExcerpt, error: outcome.detail };
      if (shutdown.signal.aborted) return giveBack(lease);
      const decision = policy.nextDelay(attempts, outcome, retries429);
      if (!decision.retry) {
        if (outcome.kind === 'permanent') {
          metrics.permanent(outcome.status);
          refused.event({ ...fields, gaveUp: decision.reason });
        } else failures.event({ ...fields, gaveUp: decision.reason });
        return lease.drop(decision.reason);
      }
      if (outcome.status === 429) retries429++;
      metrics.retried(reasonLabel(outcome));
      failures.event({ ...fields, retryInMs: decision.delayMs });
      try {
        await clock.sleep(decision.delayMs, durable ? stopping.signal : shutdown.signal);
      } catch {
        return giveBack(lease);
      }
    }
  }

  async function work(): Promise<void> {
    for (;;) {
      const lease = await queue.take();
      if (lease === undefined) return;
      try {
        await deliver(lease);
      } catch (err) {
        // Only a bug lands here (the builder and sender do not throw); keep the worker alive and the item.
        failures.event({ error: String(err) });
        lease.release();
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
    recordDrop: (reason, count) => recordDrop(reason, count),
    async stop(deadlineAtMs) {
      if (!accepting) return;
      accepting = false;
      stopping.abort(new Error('remote write is stopping'));
      queue.close();
      const all = Promise.all(workers);
      const timer = new AbortController();
      const expired = await Promise.race([
        all.then(() => false),
        clock.sleep(Math.max(0, deadlineAtMs - clock.now()), timer.signal).then(
          () => true,
          () => false,
        ),
      ]);
      timer.abort();
      if (expired) {
        // Past the deadline: what is still queued in memory is lost (a backlog queue keeps it), sends are cut.
        const left = queue.drain();
        if (left.length > 0) {
          recordDrop('stopped', left.length);
          o.logger.warn({ ...base, dropped: left.length }, 'remote write stopped with items still queued; they are dropped');
        }
        shutdown.abort(new Error('remote write stopped at its shutdown deadline'));
        await all;
        await sender.destroy();
      } else {
        await sender.close();
      }
      unsample();
      failures.close();
      refused.close();
      for (const l of dropLogs.values()) l.close();
    },
  };
}
