// What the store refuses to keep, as one pure check: the accept path runs it before the log append (so a 200
// is never followed by a skip), the store's worker runs it again when it applies a record or a put.
import { invalidParameter } from '../model/errors.js';
import type { SeriesKey } from '../model/series-key.js';

/** lmdb keys are limited to 1978 bytes; a label index key holds name, value and a few bytes of framing. */
export const MAX_INDEXED_LABEL_BYTES = 1868;
export const DEFAULT_MAX_WRITE_SPAN_MS = 86_400_000;

export interface StorableLimits {
  /** 0 = keep forever. */
  retentionMs: number;
  maxWriteSpanMs?: number;
}

/** Which store limit refused a profile (a metric label on the accept path). */
export type StorableLimit = 'max-write-span' | 'retention' | 'max-indexed-label-bytes';

/**
 * Throws invalid_parameter (400) for a profile the store would refuse. `onLimit` learns which limit bit, so a
 * caller can count it without reading the message.
 */
export function checkStorable(key: SeriesKey, startMs: number, endMs: number, nowMs: number, limits: StorableLimits, onLimit?: (limit: StorableLimit) => void): void {
  const refuse = (limit: StorableLimit, message: string) => {
    onLimit?.(limit);
    return invalidParameter(message);
  };
  const maxSpan = limits.maxWriteSpanMs ?? DEFAULT_MAX_WRITE_SPAN_MS;
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || endMs < startMs) {
    throw invalidParameter(`invalid profile time range [${startMs}, ${endMs}]`);
  }
  if (endMs - startMs > maxSpan) {
    throw refuse('max-write-span', `from/until: profile spans ${endMs - startMs} ms, more than the ${maxSpan} ms a write may cover`);
  }
  if (limits.retentionMs > 0 && endMs <= nowMs - limits.retentionMs) {
    throw refuse('retention', `until: profile ends at ${new Date(endMs).toISOString()}, older than the retention period (${limits.retentionMs} ms)`);
  }
  for (const [n, v] of Object.entries(key.labels)) {
    if (Buffer.byteLength(n) + Buffer.byteLength(v) > MAX_INDEXED_LABEL_BYTES) {
      throw refuse('max-indexed-label-bytes', `name: tag ${n} is too long to index (${Buffer.byteLength(v)} bytes)`);
    }
  }
}
