// The seam between ingestion and remote write: what an accepted profile looks like when it is handed on,
// and the header that carries its id between pyrelays. Ingest sources depend on this, not on remote-write/.
import type { Deadline } from '../lib/clock.js';
import type { IngestRequest } from './ingest-request.js';
import type { FormatId } from './profile.js';

export interface ForwardItem {
  /** The original request body after Content-Encoding was undone: forwarded byte for byte. */
  body: Buffer;
  /** The original Content-Type (with its multipart boundary), if any. */
  contentType: string | undefined;
  format: FormatId;
  /** The parsed request (normalized name, resolved times with their forward text, tenant, ...). */
  request: IngestRequest;
  /** The query string exactly as received, for parameters we pass through untouched. */
  rawQuery: Record<string, string>;
  /** Deterministic id of this profile (tenant + name + times + body hash): the dedup header between pyrelays. */
  profileId: string;
}

export interface OfferOptions {
  /**
   * The caller already appended the item to the write-ahead log for every durable target (one record shared
   * with the local store): only wake those targets, do not append again.
   */
  persisted?: boolean;
}

export interface RemoteWrite {
  /**
   * Hands the item to every target. Resolves once it is accepted (queued in memory, or persisted for durable
   * targets); rejects only with PyrelayError('unavailable') when it cannot be kept. Never waits on a network.
   */
  offer(item: ForwardItem, opts?: OfferOptions): Promise<void>;
  /** Stop taking items, let in-flight sends finish until the deadline, leave the rest (on disk when durable). */
  stop(deadline: Deadline): Promise<void>;
}

/** Header carrying ForwardItem.profileId between pyrelays. */
export const PROFILE_ID_HEADER = 'x-pyrelay-profile-id';
