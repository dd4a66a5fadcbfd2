// One accepted /ingest request: validate by decoding, then hand it to remote write (durable first) and the
// local store. Remote targets are never awaited; a bad body is never stored nor forwarded (docs/compatibility.md#1).
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { PyrelayError } from '../model/errors.js';
import type { DecodeLimits, FormatId, ProfileDecoder } from '../model/profile.js';
import { normalizeKey } from '../model/series-key.js';
import type { RemoteWrite } from '../model/forward.js';
import type { ProfileStore } from '../store/types.js';
import type { DedupWindow } from './dedup.js';
import type { IngestMetrics } from './metrics.js';
import { profileIdOf } from './profile-id.js';
import type { IngestRequest } from '../model/ingest-request.js';

export interface IngestInput {
  request: IngestRequest;
  /** Body after Content-Encoding was undone. */
  body: Buffer;
  rawQuery: Record<string, string>;
  /** Id sent by an upstream pyrelay, if any. */
  profileId?: string;
}

export type IngestResult = { stored: number; forwarded: boolean; duplicate: boolean };

export interface IngestPipeline {
  ingest(input: IngestInput): Promise<IngestResult>;
}

export interface IngestPipelineDeps {
  decoders: Record<FormatId, ProfileDecoder>;
  /** undefined in relay mode (`disable-local-writes`): validate, forward, store nothing. */
  store: ProfileStore | undefined;
  remoteWrite: RemoteWrite | undefined;
  dedup: DedupWindow;
  limits: DecodeLimits;
  metrics: IngestMetrics;
  clock: Clock;
  logger: Logger;
}

export function createIngestPipeline(deps: IngestPipelineDeps): IngestPipeline {
  return {
    async ingest({ request, body, rawQuery, profileId: upstreamId }) {
      const profiles = deps.decoders[request.format]({
        body,
        contentType: request.contentType,
        key: request.key,
        spyName: request.spyName,
        sampleRate: request.sampleRate,
        sampleRateGiven: request.sampleRateGiven,
        units: request.units,
        aggregation: request.aggregation,
        limits: deps.limits,
        validateOnly: deps.store === undefined,
      });
      const profiler = request.spyName || 'unknown';
      deps.metrics.parserRequests.inc({ profiler });
      deps.metrics.parserBytes.inc({ profiler }, body.length);
      if (profiles.length === 0) deps.metrics.empty.inc({ format: request.format });

      const profileId =
        upstreamId ??
        profileIdOf({
          tenant: request.tenant,
          name: normalizeKey(request.key),
          from: request.from.forward,
          until: request.until.forward,
          format: request.format,
          body,
        });
      // A repeated upstream id within the window is answered 200 and neither stored nor forwarded again.
      const claim = upstreamId === undefined ? undefined : await deps.dedup.claim(`${request.tenant}/${upstreamId}`);
      if (claim === 'duplicate') {
        deps.metrics.discarded.inc({ reason: 'duplicate_profile_id' });
        return { stored: 0, forwarded: false, duplicate: true };
      }
      try {
        let forwarded = false;
        if (deps.remoteWrite !== undefined && body.length > 0) {
          await deps.remoteWrite.offer({ body, contentType: request.contentType, format: request.format, request, rawQuery, profileId });
          forwarded = true;
        }
        if (deps.store !== undefined) {
          const startMs = request.from.ms;
          const endMs = Math.max(request.until.ms, startMs);
          for (const p of profiles) {
            try {
              await deps.store.put({ ...p, startMs, endMs });
            } catch (e) {
              if (e instanceof PyrelayError) throw e;
              throw new PyrelayError('storage_error', (e as Error).message, { cause: e });
            }
          }
        }
        claim?.commit();
        return { stored: deps.store ? profiles.length : 0, forwarded, duplicate: false };
      } catch (e) {
        claim?.abort();
        throw e;
      }
    },
  };
}
