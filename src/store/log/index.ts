export { createBacklog } from './backlog.js';
export type { Backlog, BacklogItem, BacklogLogger, BacklogOptions, DropReason, TargetStats } from './types.js';
