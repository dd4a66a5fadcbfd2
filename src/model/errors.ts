// Typed errors with a stable code and HTTP status. The HTTP layer maps them to responses in one place;
// nothing branches on an error message.

export type ErrorCode =
  | 'invalid_parameter' // 400: a query parameter (name, format, ...) is wrong
  | 'unknown_format' // 400: format= names a format we do not know
  | 'bad_content_encoding' // 400: unknown Content-Encoding or a body that does not decode
  | 'body_too_large' // 413: request body over the configured limit
  | 'decompressed_too_large' // 413: inflated body (or inner gzip) over the configured limit
  | 'malformed_body' // 422: the body does not parse in its format
  | 'unsupported_format' // 422: a format we know but do not ingest (yet)
  | 'too_many_nodes' // 422: more distinct stacks/nodes than ingest.max-nodes-per-request
  | 'not_found' // 404
  | 'forbidden' // 403
  | 'unavailable' // 503: draining, or the backlog cannot persist
  | 'storage_error' // 500
  | 'invalid_config'; // start-up

const statusOf: Record<ErrorCode, number> = {
  invalid_parameter: 400,
  unknown_format: 400,
  bad_content_encoding: 400,
  body_too_large: 413,
  decompressed_too_large: 413,
  malformed_body: 422,
  unsupported_format: 422,
  too_many_nodes: 422,
  not_found: 404,
  forbidden: 403,
  unavailable: 503,
  storage_error: 500,
  invalid_config: 1,
};

export class PyrelayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PyrelayError';
    this.code = code;
    this.status = statusOf[code];
  }
}

/** 400 for a bad query parameter; `message` follows the OG texts (e.g. `name: invalid tag key: ...`). */
export const invalidParameter = (message: string) => new PyrelayError('invalid_parameter', message);

/** 422 for a body that does not parse. `where` says the position (line, byte offset, part name). */
export const malformedBody = (format: string, where: string, what: string) => new PyrelayError('malformed_body', `${format}: ${where}: ${what}`);

export const isPyrelayError = (e: unknown): e is PyrelayError => e instanceof PyrelayError;
