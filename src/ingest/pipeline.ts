// One accepted /ingest request: validate (decode pool, off the event loop), then ONE durable append to the
// write-ahead log that the store's ingester and every durable remote-write target read; the 200 waits for
// that commit only. Memory-only targets get the item after it is kept. A bad body is never kept nor forwarded.
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { PyrelayError } from '../model/errors.js';
import { normalizeKey } from '../model/series-key.js';
import type { RemoteWrite } from '../model/forward.js';
import { entryMeta, type Backlog } from '../store/log/index.js';
import { checkStorable, type StorableLimits } from '../store/limits.js';
import type { DecodePool } from './decode-pool.js';
import type { DedupWindow } from './dedup.js';
import type { IngestMetrics } from './metrics.js';
import { profileIdPrefix } from './profile-id.js';
import type { IngestRequest } from '../model/ingest-request.js';

export interface IngestInput {
  request: IngestRequest;
  /** Body as received (Content-Encoding not undone yet: the pool does it off the event loop). */
  body: Buffer;
  /** Content-Encoding header, if any. */
  contentEncoding?: string;
  rawQuery: Record<string, string>;
  /** Id sent by an upstream pyrelay, if any. */
  profileId?: string;
}

export type IngestResult = { stored: number; forwarded: boolean; duplicate: boolean; bytes: number };

export interface IngestPipeline {
  ingest(input: IngestInput): Promise<IngestResult>;
}

export interface IngestPipelineDeps {
  pool: DecodePool;
  /** The write-ahead log; undefined when nobody reads it (relay mode with memory-only targets). */
  log: Backlog | undefined;
  /** Who each record is for: the durable targets and, unless in relay mode, the store's ingester `@store`. */
  logConsumers: string[];
  remoteWrite: RemoteWrite | undefined;
  dedup: DedupWindow;
  /** The store's limits, checked before the append so a profile it would skip gets a 400, not a 200; undefined in relay mode. */
  storable?: StorableLimits;
  metrics: IngestMetrics;
  clock: Clock;
  logger: Logger;
}

const unavailable = (e: unknown) =>
  e instanceof PyrelayError && e.code === 'unavailable'
    ? e
    : new PyrelayError('unavailable', `cannot keep the profile: ${e instanceof Error ? e.message : String(e)}`, { cause: e });

export function createIngestPipeline(deps: IngestPipelineDeps): IngestPipeline {
  const storesFromLog = deps.logConsumers.includes('@store');
  return {
    async ingest({ request, body: raw, contentEncoding, rawQuery, profileId: upstreamId }) {
      // The id travels to targets (dedup between pyrelays): hashed with the body where it is validated, and not at
      // all when no remote write needs it.
      const idPrefix =
        upstreamId === undefined && deps.remoteWrite !== undefined
          ? profileIdPrefix({ tenant: request.tenant, name: normalizeKey(request.key), from: request.from.forward, until: request.until.forward, format: request.format })
          : undefined;
      const v = await deps.pool.validate(
        {
          contentEncoding,
          contentType: request.contentType,
          format: request.format,
          key: request.key,
          spyName: request.spyName,
          sampleRate: request.sampleRate,
          sampleRateGiven: request.sampleRateGiven,
          units: request.units,
          aggregation: request.aggregation,
          ...(idPrefix === undefined ? {} : { profileIdPrefix: idPrefix }),
        },
        raw,
      );
      const body = Buffer.isBuffer(v.body) ? v.body : Buffer.from(v.body.buffer, v.body.byteOffset, v.body.byteLength);
      const profiler = request.spyName || 'unknown';
      deps.metrics.parserRequests.inc({ profiler });
      deps.metrics.parserBytes.inc({ profiler }, body.length);
      // In relay mode nothing else sees the body; with the store, its ingester counts what it skips.
      if (!storesFromLog && v.cumulativeSkipped > 0) {
        deps.metrics.discarded.inc({ reason: 'cumulative_without_prev' }, v.cumulativeSkipped);
      }
      // The store's worker runs the same check when it applies the record (same range as the WAL decoder:
      // until is never before from); refusing here keeps "200 means kept" and forwards nothing either.
      if (storesFromLog && deps.storable !== undefined && body.length > 0) {
        const startMs = request.from.ms;
        checkStorable(request.key, startMs, Math.max(request.until.ms, startMs), deps.clock.now(), deps.storable, (limit) => deps.metrics.limitHits.inc({ limit }));
      }
      const series = v.series;
      if (series === 0) deps.metrics.empty.inc({ format: request.format });

      const profileId = upstreamId ?? v.profileId ?? '';
      // A repeated upstream id within the window is answered 200 and neither stored nor forwarded again.
      const claim = upstreamId === undefined ? undefined : await deps.dedup.claim(`${request.tenant}/${upstreamId}`);
      if (claim === 'duplicate') {
        deps.metrics.discarded.inc({ reason: 'duplicate_profile_id' });
        return { stored: 0, forwarded: false, duplicate: true, bytes: body.length };
      }
      try {
        const item = { body, contentType: request.contentType, format: request.format, request, rawQuery, profileId };
        // The one durable write of the request: the 200 waits for this commit to be flushed.
        let kept = false;
        if (deps.log !== undefined && deps.logConsumers.length > 0 && body.length > 0) {
          try {
            await deps.log.append(body, entryMeta(item), deps.logConsumers);
            kept = true;
          } catch (e) {
            throw unavailable(e);
          }
        }
        let forwarded = false;
        if (deps.remoteWrite !== undefined && body.length > 0) {
          try {
            await deps.remoteWrite.offer(item, { persisted: deps.log !== undefined });
            forwarded = true;
          } catch (e) {
            // Kept in the log (the store and durable targets have it): a 503 now would make the client send a
            // duplicate. Only memory-only targets miss this copy, as when their queue is full.
            if (!kept) throw e;
            deps.logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'remote write refused a profile that was already kept');
          }
        }
        claim?.commit();
        const stored = storesFromLog && body.length > 0 ? series : 0;
        return { stored, forwarded, duplicate: false, bytes: body.length };
      } catch (e) {
        claim?.abort();
        throw e;
      }
    },
  };
}
