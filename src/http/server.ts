// The HTTP server shell: limits, body parsing, duplicate-slash tolerance, error mapping, health and metrics.
// Routes are registered by the composition root; they are thin adapters over services.
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '../lib/logger.js';
import { createErrorHandler } from './error-handler.js';
import { registerRequestDeadline } from './request-deadline.js';

export interface HttpServerOptions {
  logger: Logger;
  registry: Registry;
  /** Largest accepted request body (413 past it). */
  bodyLimit: number;
  /** Server-side cap on one request so a slow client cannot hold a connection forever (docs/compatibility.md#20). */
  requestTimeoutMs: number;
  isReady: () => boolean;
  /** A request cut off by requestTimeoutMs (count it). */
  onRequestTimeout?: (info: { method: string; url: string }) => void;
}

export function createHttpServer(opts: HttpServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: opts.logger,
    // No log line per request: ingest is a hot path; /metrics counts requests instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit,
    requestTimeout: opts.requestTimeoutMs,
    connectionTimeout: 0,
    keepAliveTimeout: 30_000,
    maxRequestsPerSocket: 0,
    routerOptions: { ignoreDuplicateSlashes: true, ignoreTrailingSlash: true },
  });
  // Every format is bytes until a decoder says otherwise: one catch-all parser keeps the raw body.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: opts.bodyLimit }, (_req, body, done) => done(null, body));
  app.setErrorHandler(createErrorHandler(opts.logger));
  registerRequestDeadline(app as unknown as FastifyInstance, { timeoutMs: opts.requestTimeoutMs, onTimeout: opts.onRequestTimeout });

  app.get('/healthz', async (_req, reply) => reply.type('text/plain; charset=utf-8').send('server is ready'));
  app.get('/ready', async (_req, reply) => (opts.isReady() ? reply.type('text/plain; charset=utf-8').send('ready') : reply.code(503).send('not ready')));
  app.get('/metrics', async (_req, reply) => reply.type(opts.registry.contentType).send(await opts.registry.metrics()));
  // pino's Logger type is wider than FastifyBaseLogger; the instance is the same.
  return app as unknown as FastifyInstance;
}
