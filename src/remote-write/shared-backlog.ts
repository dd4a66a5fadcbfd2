// The shared backlog of every `durable: true` target: one lmdb backlog under
// `<storage-path>/remote-write`, the payload written once whatever the number of targets. It also maps a
// ForwardItem to a backlog record and back, and routes the backlog's drops to the target they belong to.
import type { TargetConfig } from '../config/config.js';
import type { Clock } from '../lib/clock.js';
import { PyrelayError } from '../model/errors.js';
import type { FormatId } from '../model/profile.js';
import { createBacklog, type Backlog, type BacklogLogger, type DropReason } from './backlog/index.js';
import type { ForwardItem } from '../model/forward.js';

export type DropHandler = (reason: DropReason, count: number) => void;

export interface SharedBacklog {
  readonly backlog: Backlog;
  /** Names of the durable targets, in config order. */
  readonly targets: string[];
  /** Persists the item once for every durable target; resolves once it is on disk, rejects with unavailable. */
  append(item: ForwardItem): Promise<void>;
  /** Routes the backlog's drops for `target` (drops made while opening are handed over at once). */
  onDrop(target: string, handler: DropHandler): void;
  /** Unacknowledged items stay on disk for the next start. */
  close(): Promise<void>;
}

export interface SharedBacklogOptions {
  path: string;
  /** Every configured target; only the durable ones get a backlog. */
  targets: TargetConfig[];
  clock: Clock;
  logger?: BacklogLogger;
}

/** Opens the backlog and rebuilds every target's progress from disk (the replay) before resolving. */
export async function openSharedBacklog(o: SharedBacklogOptions): Promise<SharedBacklog> {
  const durable = o.targets.filter((t) => t.durable);
  const names = durable.map((t) => t.name);
  const handlers = new Map<string, DropHandler>();
  const early: { target: string; reason: DropReason; count: number }[] = [];
  const backlog = await createBacklog({
    path: o.path,
    targets: names,
    clock: o.clock,
    maxBytesPerTarget: Object.fromEntries(durable.map((t) => [t.name, t.maxBacklogBytes])),
    logger: o.logger,
    onDrop: (target, reason, count) => {
      const h = handlers.get(target);
      if (h) h(reason, count);
      else early.push({ target, reason, count });
    },
  });
  return {
    backlog,
    targets: names,
    async append(item) {
      await backlog.append(item.body, itemMeta(item), names);
    },
    onDrop(target, handler) {
      handlers.set(target, handler);
      for (const e of early.filter((x) => x.target === target)) handler(e.reason, e.count);
    },
    close: () => backlog.close(),
  };
}

/** What a record keeps besides the body: everything needed to rebuild the forwarded request. */
export function itemMeta(item: ForwardItem): Record<string, unknown> {
  return { v: 1, ct: item.contentType, f: item.format, r: item.request, q: item.rawQuery, id: item.profileId };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The inverse of itemMeta. The record passed its checksum, so a mismatch means a format change: typed error. */
export function itemFromRecord(meta: Record<string, unknown>, payload: Uint8Array): ForwardItem {
  const r = meta.r;
  const bad = (what: string) => new PyrelayError('storage_error', `remote-write backlog record: ${what}`);
  if (meta.v !== 1) throw bad(`unknown meta version ${String(meta.v)}`);
  if (!isRecord(r) || !isRecord(r.key) || !isRecord(r.from) || !isRecord(r.until)) throw bad('request missing');
  if (typeof meta.f !== 'string' || typeof meta.id !== 'string' || !isRecord(meta.q)) throw bad('format, id or query missing');
  if (meta.ct !== undefined && typeof meta.ct !== 'string') throw bad('content type is not a string');
  return {
    body: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
    contentType: meta.ct,
    format: meta.f as FormatId,
    request: r as unknown as ForwardItem['request'],
    rawQuery: meta.q as Record<string, string>,
    profileId: meta.id,
  };
}
