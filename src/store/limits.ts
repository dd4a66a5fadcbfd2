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

/** Throws invalid_parameter (400) for a profile the store would refuse. */
export function checkStorable(key: SeriesKey, startMs: number, endMs: number, nowMs: number, limits: StorableLimits): void {
  const maxSpan = limits.maxWriteSpanMs ?? DEFAULT_MAX_WRITE_SPAN_MS;
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || endMs < startMs) {
    throw invalidParameter(`invalid profile time range [${startMs}, ${endMs}]`);
  }
  if (endMs - startMs > maxSpan) throw invalidParameter(`profile spans ${endMs - startMs} ms, more than the ${maxSpan} ms a write may cover`);
  if (limits.retentionMs > 0 && endMs <= nowMs - limits.retentionMs) throw invalidParameter('profile is older than the retention period');
  for (const [n, v] of Object.entries(key.labels)) {
    if (Buffer.byteLength(n) + Buffer.byteLength(v) > MAX_INDEXED_LABEL_BYTES) {
      throw invalidParameter(`tag ${n} is too long to index (${Buffer.byteLength(v)} bytes)`);
    }
  }
}
