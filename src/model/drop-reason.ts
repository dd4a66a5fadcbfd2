// Why a profile left a target without being delivered: one closed set shared by the metric label
// (`reason` of the drop counters), the logs, the queues, the backlog and the retry policy.
// `redirect`: the target answered 3xx, which is never followed (its credentials must not reach another origin).
export const DROP_REASONS = ['queue_full', 'backlog_full', 'too_old', 'non_retryable', 'redirect', 'too_many_429', 'max_attempts', 'stopped'] as const;

export type DropReason = (typeof DROP_REASONS)[number];

/** The retry policy giving up on one item. */
export type GiveUpReason = Extract<DropReason, 'non_retryable' | 'redirect' | 'too_many_429' | 'max_attempts'>;

/** Why a taken (leased) item is given up; queue-level reasons (queue_full, backlog_full) never reach a lease. */
export type LeaseDropReason = GiveUpReason | Extract<DropReason, 'too_old' | 'stopped'>;
