// What one accepted request becomes in the write-ahead log, and back: the body after Content-Encoding was
// undone plus everything needed to decode it (for the store) or rebuild the forwarded request (for targets).
// Pure (no lmdb), so the store's ingester worker imports it too. The request is opaque here (the ingest layer's type).
import { PyrelayError } from '../../model/errors.js';
import type { FormatId } from '../../model/profile.js';

export interface LogEntry<R = Record<string, unknown>> {
  body: Buffer;
  contentType: string | undefined;
  format: FormatId;
  /** The parsed ingest request (key, from, until, spyName, sampleRate, units, aggregation, tenant, ...). */
  request: R;
  /** The query string exactly as received. */
  rawQuery: Record<string, string>;
  /** Deterministic id of the profile ('' when nothing needed one). */
  profileId: string;
}

/** The record's meta for `entry` (JSON). */
export function entryMeta(e: Omit<LogEntry<unknown>, 'body'>): Record<string, unknown> {
  return { v: 1, ct: e.contentType, f: e.format, r: e.request, q: e.rawQuery, id: e.profileId };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The inverse of entryMeta. The record passed its checksum, so a mismatch means a format change: typed error. */
export function entryFromRecord<R = Record<string, unknown>>(meta: Record<string, unknown>, payload: Uint8Array): LogEntry<R> {
  const r = meta.r;
  const bad = (what: string) => new PyrelayError('storage_error', `write-ahead log record: ${what}`);
  if (meta.v !== 1) throw bad(`unknown meta version ${String(meta.v)}`);
  if (!isRecord(r) || !isRecord(r.key) || !isRecord(r.from) || !isRecord(r.until)) throw bad('request missing');
  if (typeof meta.f !== 'string' || typeof meta.id !== 'string' || !isRecord(meta.q)) throw bad('format, id or query missing');
  if (meta.ct !== undefined && typeof meta.ct !== 'string') throw bad('content type is not a string');
  return {
    body: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
    contentType: meta.ct,
    format: meta.f as FormatId,
    request: r as unknown as R,
    rawQuery: meta.q as Record<string, string>,
    profileId: meta.id,
  };
}
