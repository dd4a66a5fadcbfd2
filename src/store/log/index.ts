// The write-ahead log: one durable record per accepted request, read by the store's ingester (checkpoint
// consumer `@store`) and by every durable remote-write target (per-record acks). Deleted once all are done.
export { createBacklog } from './backlog.js';
export type { Backlog, BacklogItem, BacklogLogger, BacklogOptions, DropReason, LogRecord, TargetStats } from './types.js';
export { entryFromRecord, entryMeta, type LogEntry } from './entry.js';
/** The consumer name of the local store's ingester (target names cannot start with '@'). */
export const STORE_CONSUMER = '@store';
