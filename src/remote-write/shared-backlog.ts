// The shared backlog of every `durable: true` target: one lmdb backlog under
// `<storage-path>/remote-write`, the payload written once whatever the number of targets. It also maps a
// ForwardItem to a backlog record and back, and routes the backlog's drops to the target they belong to.
import type { TargetConfig } from '../config/config.js';
import type { Clock } from '../lib/clock.js';
import { createBacklog, type Backlog, type BacklogLogger, type DropReason } from '../store/log/index.js';
import { entryFromRecord, entryMeta } from '../store/log/entry.js';
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
  /** Consumers of the same log besides the durable targets (the local store's `@store`). */
  extraConsumers?: string[];
  /** Checkpoints of consumers that keep their own (see BacklogOptions.checkpoints). */
  checkpoints?: Record<string, number>;
  /** The log is shared with the store: close() leaves it open and the composition root closes it last. */
  shared?: boolean;
}

/** Opens the backlog and rebuilds every target's progress from disk (the replay) before resolving. */
export async function openSharedBacklog(o: SharedBacklogOptions): Promise<SharedBacklog> {
  const durable = o.targets.filter((t) => t.durable);
  const names = durable.map((t) => t.name);
  const handlers = new Map<string, DropHandler>();
  const early: { target: string; reason: DropReason; count: number }[] = [];
  const backlog = await createBacklog({
    path: o.path,
    targets: [...names, ...(o.extraConsumers ?? [])],
    checkpoints: o.checkpoints,
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
    close: () => (o.shared ? Promise.resolve() : backlog.close()),
  };
}

/** What a record keeps besides the body: everything needed to rebuild the forwarded request. */
export const itemMeta = (item: ForwardItem): Record<string, unknown> => entryMeta(item);

/** The inverse of itemMeta (typed error on a record this version cannot read). */
export const itemFromRecord = (meta: Record<string, unknown>, payload: Uint8Array): ForwardItem => entryFromRecord<ForwardItem['request']>(meta, payload);
