// The one place errors become HTTP responses, in the original server's formats (text, and JSON for /api/*).
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isPyrelayError, type PyrelayError } from '../model/errors.js';
import type { Logger } from '../lib/logger.js';

/** Go's %q is close enough to JSON string quoting for the messages we produce. */
const goQuote = (s: string) => JSON.stringify(s);

export function errorBody(err: PyrelayError): string {
  switch (err.code) {
    case 'invalid_parameter':
    case 'unknown_format':
      return `invalid parameter: ${goQuote(err.message)}\n`;
    case 'malformed_body':
    case 'unsupported_format':
      return `error happened while parsing request body: ${goQuote(err.message)}\n`;
    case 'storage_error':
      return `error happened while ingesting data: ${goQuote(err.message)}\n`;
    default:
      return `${err.message}\n`;
  }
}

/** /api/* errors, in the original's JSON shape. */
export const apiError = (reply: FastifyReply, status: number, message: string) =>
  reply
    .code(status)
    .type('application/json; charset=utf-8')
    .send(JSON.stringify({ errors: [message] }));

/** A store failure on a query route (500), in the original's words; typed errors go to the handler below. */
export const retrievalFailed = (reply: FastifyReply, e: unknown) =>
  reply
    .code(500)
    .type('text/plain; charset=utf-8')
    .send(`failed to retrieve data: ${JSON.stringify((e as Error).message ?? String(e))}\n`);

export function createErrorHandler(logger: Logger) {
  return (error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    if (isPyrelayError(error)) {
      if (error.status >= 500) logger.error({ err: error, url: request.routeOptions.url }, 'request failed');
      return reply.code(error.status).type('text/plain; charset=utf-8').send(errorBody(error));
    }
    const fe = error as FastifyError;
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).type('text/plain; charset=utf-8').send(`request body is larger than the limit of ${request.routeOptions.bodyLimit} bytes\n`);
    }
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.code(fe.statusCode).type('text/plain; charset=utf-8').send(`${fe.message}\n`);
    }
    logger.error({ err: error, url: request.url }, 'unexpected error');
    return reply.code(500).type('text/plain; charset=utf-8').send('internal error\n');
  };
}
