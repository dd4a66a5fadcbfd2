// POST /ingest (and Grafana's /pyroscope/ingest): a thin adapter from HTTP to the ingest pipeline.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../lib/clock.js';
import { firstOf } from '../../lib/query-param.js';
import { isPyrelayError } from '../../model/errors.js';
import type { IngestMetrics } from '../../ingest/metrics.js';
import type { IngestPipeline } from '../../ingest/pipeline.js';
import { parseIngestRequest } from '../../ingest/request.js';
import type { NameLimits } from '../../model/name.js';
import { PROFILE_ID_HEADER } from '../../model/forward.js';
import { tenantOf } from '../request-gate.js';

export interface IngestRouteDeps {
  pipeline: IngestPipeline;
  metrics: IngestMetrics;
  clock: Clock;
  maxDecompressedBytes: number;
  /** Length and tag-count limits on `name`, checked before the body is looked at. */
  nameLimits?: NameLimits;
  /** True once shutdown started: new ingests get 503 so clients retry elsewhere or later. */
  isDraining: () => boolean;
}

const header = (req: FastifyRequest, name: string): string | undefined => firstOf(req.headers[name]);

function rawQueryOf(url: string): Record<string, string> {
  const q = url.indexOf('?');
  const out: Record<string, string> = {};
  if (q < 0) return out;
  for (const [k, v] of new URLSearchParams(url.slice(q + 1))) out[k] = v;
  return out;
}

export function registerIngestRoutes(app: FastifyInstance, deps: IngestRouteDeps): void {
  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    if (deps.isDraining()) return reply.code(503).send();
    const started = performance.now();
    let format = 'unknown';
    try {
      const rawQuery = rawQueryOf(req.raw.url ?? '');
      const request = parseIngestRequest(
        rawQuery,
        { contentType: header(req, 'content-type'), tenant: req.sourceTenant ?? header(req, 'x-scope-orgid'), storageTenant: tenantOf(req) },
        deps.clock.now(),
        deps.nameLimits,
      );
      format = request.format;
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const upstreamId = header(req, PROFILE_ID_HEADER);
      // Content-Encoding is undone by the pipeline's decode pool, off the event loop.
      const { bytes } = await deps.pipeline.ingest({
        request,
        body,
        contentEncoding: header(req, 'content-encoding'),
        rawQuery,
        profileId: upstreamId && upstreamId.length <= 128 ? upstreamId : undefined,
      });
      deps.metrics.requests.inc({ format, status: '200' });
      deps.metrics.requestBytes.inc({ format }, bytes);
      deps.metrics.duration.observe({ format }, (performance.now() - started) / 1000);
      // Success is always 200 with an empty body: pyroscope-go treats anything else as failure (docs/compatibility.md#19).
      return reply.code(200).send();
    } catch (e) {
      const status = isPyrelayError(e) ? e.status : 500;
      deps.metrics.requests.inc({ format, status: String(status) });
      if (isPyrelayError(e) && (e.code === 'body_too_large' || e.code === 'decompressed_too_large')) {
        deps.metrics.limitHits.inc({ limit: e.code === 'body_too_large' ? 'max-body-bytes' : 'max-decompressed-bytes' });
      } else if (isPyrelayError(e) && e.limit !== undefined) {
        deps.metrics.limitHits.inc({ limit: e.limit });
      }
      if (isPyrelayError(e) && e.code === 'too_many_nodes') deps.metrics.limitHits.inc({ limit: 'max-nodes-per-request' });
      throw e;
    }
  };
  // A body over the limit is refused by the body parser before the handler runs: count it here.
  app.addHook('onError', async (req, _reply, error) => {
    if ((error as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE' && req.routeOptions.url?.endsWith('/ingest')) {
      deps.metrics.limitHits.inc({ limit: 'max-body-bytes' });
      deps.metrics.requests.inc({ format: 'unknown', status: '413' });
    }
  });
  for (const url of ['/ingest', '/pyroscope/ingest']) {
    app.post(url, handler);
    app.route({
      method: ['GET', 'PUT', 'DELETE', 'PATCH'],
      url,
      handler: async (_req, reply) => reply.code(405).type('text/plain; charset=utf-8').send('method not allowed\n'),
    });
  }
}
