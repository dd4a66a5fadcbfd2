// The live status of every remote-write target, for GET /api/remote-write/targets and the UI's remote-write
// page: state, last error, pending work, send rate, failures and drops. It observes a target through its
// bound metrics (track() wraps them), so the delivery code needs no second set of hooks.
import type { Clock } from '../lib/clock.js';
import type { DropReason, TargetMetrics, TargetSample } from './metrics.js';

export type TargetState = 'healthy' | 'retrying' | 'failing';

export interface TargetStatus {
  name: string;
  /** Redacted: never carries credentials. */
  address: string;
  durable: boolean;
  /** healthy: the last attempt succeeded (or none failed yet); retrying: failing briefly; failing: for long. */
  state: TargetState;
  /** Failed attempts since the last success. */
  consecutiveFailures: number;
  lastError: { reason: string; message: string; at: string } | null;
  lastSuccessAt: string | null;
  /** Accepted and not finished (waiting, in flight or waiting for a retry). `bytes`/`oldestAgeSeconds` null when unknown. */
  pending: { items: number; bytes: number | null; oldestAgeSeconds: number | null };
  inFlight: number;
  /** Profiles (and body bytes) the target accepted per second, averaged over the window. */
  sentPerSecond: number;
  sentBytesPerSecond: number;
  sent: { profiles: number; bytes: number };
  /** Failed attempts by outcome reason (network, timeout, status, non_retryable). */
  failures: Record<string, number>;
  /** Profiles given up by drop reason (queue_full, backlog_full, too_old, max_attempts, ...). */
  drops: Record<string, number>;
}

export interface RemoteWriteStatusSnapshot {
  /** Length of the window the rates are averaged over. */
  windowSeconds: number;
  targets: TargetStatus[];
}

export interface RemoteWriteStatus {
  /** Wraps a target's bound metrics: every call still reaches them and is also recorded here. */
  track(target: { name: string; address: string; durable: boolean }, metrics: TargetMetrics): TargetMetrics;
  snapshot(): RemoteWriteStatusSnapshot;
}

export interface RemoteWriteStatusOptions {
  clock: Clock;
  /** Rate window (default 60 s), kept as one bucket per second. */
  windowMs?: number;
  /** A failure streak becomes `failing` after this many attempts (default 3)... */
  failingAfterAttempts?: number;
  /** ...or once it is this old (default 30 s), whichever comes first. */
  failingAfterMs?: number;
}

/** Longest last-error message kept (the sender already cuts response bodies to 1 KiB). */
const MAX_MESSAGE = 2048;

// Error texts come from the network stack or the target's body; mask anything that looks like URL userinfo.
const scrub = (s: string) => {
  const masked = s.replace(/\/\/[^/@\s]*@/g, '//***@');
  return masked.length > MAX_MESSAGE ? `${masked.slice(0, MAX_MESSAGE)}...` : masked;
};

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

interface Tracked {
  name: string;
  address: string;
  durable: boolean;
  sample?: () => TargetSample;
  consecutiveFailures: number;
  streakStartMs?: number;
  lastError?: { reason: string; message: string; atMs: number };
  lastSuccessMs?: number;
  inFlight: number;
  sentProfiles: number;
  sentBytes: number;
  failures: Map<string, number>;
  drops: Map<string, number>;
  /** Per-second buckets of the rate window: [second, profiles, bytes]. */
  buckets: { second: number; profiles: number; bytes: number }[];
}

export function createRemoteWriteStatus(o: RemoteWriteStatusOptions): RemoteWriteStatus {
  const { clock } = o;
  const windowSeconds = Math.max(1, Math.round((o.windowMs ?? 60_000) / 1000));
  const failingAfterAttempts = o.failingAfterAttempts ?? 3;
  const failingAfterMs = o.failingAfterMs ?? 30_000;
  const startedMs = clock.now();
  const targets: Tracked[] = [];

  const bucket = (t: Tracked, nowMs: number) => {
    const second = Math.floor(nowMs / 1000);
    let b = t.buckets[second % windowSeconds];
    if (b === undefined || b.second !== second) b = t.buckets[second % windowSeconds] = { second, profiles: 0, bytes: 0 };
    return b;
  };

  const stateOf = (t: Tracked, nowMs: number): TargetState => {
    if (t.consecutiveFailures === 0) return 'healthy';
    if (t.consecutiveFailures >= failingAfterAttempts) return 'failing';
    return nowMs - (t.streakStartMs ?? nowMs) >= failingAfterMs ? 'failing' : 'retrying';
  };

  const statusOf = (t: Tracked, nowMs: number): TargetStatus => {
    const s = t.sample?.();
    // A durable target's backlog knows bytes and age; a memory queue reports its own (`queued`), if any.
    const detail = s?.backlog ?? s?.queued;
    const oldest = detail?.oldestAtMs;
    const nowSecond = Math.floor(nowMs / 1000);
    let profiles = 0;
    let bytes = 0;
    for (const b of t.buckets) {
      if (b !== undefined && b.second > nowSecond - windowSeconds && b.second <= nowSecond) {
        profiles += b.profiles;
        bytes += b.bytes;
      }
    }
    // Until a whole window has passed, average over the time we have watched (at least one second).
    const seconds = Math.min(windowSeconds, Math.max(1, (nowMs - startedMs) / 1000));
    const round = (x: number) => Math.round(x * 100) / 100;
    return {
      name: t.name,
      address: t.address,
      durable: t.durable,
      state: stateOf(t, nowMs),
      consecutiveFailures: t.consecutiveFailures,
      lastError: t.lastError ? { reason: t.lastError.reason, message: t.lastError.message, at: iso(t.lastError.atMs)! } : null,
      lastSuccessAt: iso(t.lastSuccessMs),
      pending: {
        items: s?.pending ?? 0,
        bytes: detail?.bytes ?? null,
        oldestAgeSeconds: detail === undefined ? null : oldest === undefined ? 0 : Math.max(0, nowMs - oldest) / 1000,
      },
      inFlight: t.inFlight,
      sentPerSecond: round(profiles / seconds),
      sentBytesPerSecond: round(bytes / seconds),
      sent: { profiles: t.sentProfiles, bytes: t.sentBytes },
      failures: Object.fromEntries(t.failures),
      drops: Object.fromEntries(t.drops),
    };
  };

  const add = (m: Map<string, number>, key: string, n: number) => m.set(key, (m.get(key) ?? 0) + n);

  return {
    track(target, inner) {
      const t: Tracked = {
        ...target,
        consecutiveFailures: 0,
        inFlight: 0,
        sentProfiles: 0,
        sentBytes: 0,
        failures: new Map(),
        drops: new Map(),
        buckets: [],
      };
      targets.push(t);
      return {
        setCapacity: (n) => inner.setCapacity(n),
        setWorkers: (n) => inner.setWorkers(n),
        sampleWith(sample) {
          t.sample = sample;
          const remove = inner.sampleWith(sample);
          return () => {
            // Keep the last numbers after the target stopped: take one final sample and hold on to it.
            const last = sample();
            t.sample = () => last;
            remove();
          };
        },
        dropped(reason: DropReason, n = 1) {
          add(t.drops, reason, n);
          inner.dropped(reason, n);
        },
        failed(reason, detail) {
          const now = clock.now();
          if (t.consecutiveFailures === 0) t.streakStartMs = now;
          t.consecutiveFailures++;
          add(t.failures, reason, 1);
          t.lastError = { reason, message: scrub(detail ?? reason), atMs: now };
          inner.failed(reason, detail);
        },
        retried: (reason) => inner.retried(reason),
        permanent: (status) => inner.permanent(status),
        sent(bytes, profiles = 1) {
          const now = clock.now();
          t.consecutiveFailures = 0;
          t.streakStartMs = undefined;
          t.lastSuccessMs = now;
          t.sentProfiles += profiles;
          t.sentBytes += bytes;
          const b = bucket(t, now);
          b.profiles += profiles;
          b.bytes += bytes;
          inner.sent(bytes, profiles);
        },
        responded: (status, seconds) => inner.responded(status, seconds),
        inFlight(delta) {
          t.inFlight += delta;
          inner.inFlight(delta);
        },
      };
    },
    snapshot() {
      const now = clock.now();
      return { windowSeconds, targets: targets.map((t) => statusOf(t, now)) };
    },
  };
}
