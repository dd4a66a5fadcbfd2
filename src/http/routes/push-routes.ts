// POST /push.v1.PusherService/Push (and under /pyroscope/): the Connect unary protocol on fastify. Binary or
// JSON PushRequest, optionally gzip'ed; every RawSample goes through the /ingest pipeline. Failures are
// Connect error JSON ({"code","message"}) with the code's HTTP status, never the /ingest text bodies.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import { decodeContentEncoding } from '../../ingest/content-encoding.js';
import type { IngestMetrics } from '../../ingest/metrics.js';
import type { IngestPipeline } from '../../ingest/pipeline.js';
import { decodePushRequest, pushEncodingOf, pushToIngestInputs, type PushLimits } from '../../ingest/push-request.js';
import { CONNECT_STATUS, connectCodeOf, type ConnectCode } from '../../model/connect.js';
import { isPyrelayError } from '../../model/errors.js';

export const PUSH_PATH = '/push.v1.PusherService/Push';

export interface PushRouteDeps {
  pipeline: IngestPipeline;
  metrics: IngestMetrics;
  clock: Clock;
  logger: Logger;
  limits: PushLimits;
  isDraining: () => boolean;
}

const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

function sendConnectError(reply: FastifyReply, code: ConnectCode, message: string) {
  return reply.code(CONNECT_STATUS[code]).type('application/json').send(JSON.stringify({ code, message }));
}

export function registerPushRoutes(app: FastifyInstance, deps: PushRouteDeps): void {
  const fail = (reply: FastifyReply, status: number, code: ConnectCode, message: string) => {
    deps.metrics.requests.inc({ format: 'push', status: String(status) });
    return sendConnectError(reply, code, message);
  };

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    if (deps.isDraining()) return fail(reply, 503, 'unavailable', 'server is shutting down');
    const started = performance.now();
    const encoding = pushEncodingOf(header(req, 'content-type'));
    if (encoding === undefined) {
      // Connect answers an unsupported codec with HTTP 415 and no error body; a JSON error is clearer.
      const ct = JSON.stringify(header(req, 'content-type') ?? '');
      return fail(reply, 400, 'invalid_argument', `unsupported content type ${ct}: use application/proto or application/json`);
    }
    try {
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const body = decodeContentEncoding(rawBody, header(req, 'content-encoding'), deps.limits.maxDecompressedBytes);
      const push = decodePushRequest(body, encoding);
      const onLimit = (limit: string) => deps.metrics.limitHits.inc({ limit });
      const samples = pushToIngestInputs(push, { tenant: header(req, 'x-scope-orgid'), nowMs: deps.clock.now(), limits: deps.limits, onLimit });
      for (const { input } of samples) await deps.pipeline.ingest(input);
      deps.metrics.requests.inc({ format: 'push', status: '200' });
      deps.metrics.requestBytes.inc({ format: 'push' }, body.length);
      deps.metrics.duration.observe({ format: 'push' }, (performance.now() - started) / 1000);
    } catch (e) {
      if (!isPyrelayError(e)) throw e;
      const code = connectCodeOf(e.code);
      if (e.code === 'decompressed_too_large') deps.metrics.limitHits.inc({ limit: 'max-decompressed-bytes' });
      if (CONNECT_STATUS[code] >= 500) deps.logger.error({ err: e, url: req.url }, 'push failed');
      return fail(reply, CONNECT_STATUS[code], code, e.message);
    }
    return encoding === 'json' ? reply.code(200).type('application/json').send('{}') : reply.code(200).type('application/proto').send(Buffer.alloc(0));
  };

  // Errors raised before the handler runs (the body parser's size limit) or unexpected ones.
  const errorHandler = (error: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): void => {
    const fe = error as FastifyError;
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      deps.metrics.limitHits.inc({ limit: 'max-body-bytes' });
      void fail(reply, 429, 'resource_exhausted', `request body is larger than the limit of ${req.routeOptions.bodyLimit} bytes`);
    } else if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      void fail(reply, 400, 'invalid_argument', fe.message);
    } else {
      deps.logger.error({ err: error, url: req.url }, 'push failed unexpectedly');
      void fail(reply, 500, 'internal', 'internal error');
    }
  };

  for (const url of [PUSH_PATH, `/pyroscope${PUSH_PATH}`]) {
    app.post(url, { errorHandler }, handler);
  }
}
