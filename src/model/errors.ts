// Typed errors with a stable code and HTTP status. The HTTP layer maps them to responses in one place;
// nothing branches on an error message.

export type ErrorCode =
  | 'invalid_parameter' // 400: a query parameter (name, format, ...) is wrong
  | 'unknown_format' // 400: format= names a format we do not know
  | 'bad_content_encoding' // 400: unknown Content-Encoding or a body that does not decode
  | 'body_too_large' // 413: request body over the configured limit
  | 'decompressed_too_large' // 413: inflated body (or inner gzip) over the configured limit
  | 'malformed_body' // 422: the body does not parse in its format
  | 'limit_exceeded' // 422: a request within the byte limits carries more than a configured count limit allows
  | 'unsupported_format' // 422: a format we know but do not ingest (yet)
  | 'too_many_nodes' // 422: more distinct stacks/nodes than ingest.max-nodes-per-request
  | 'not_found' // 404
  | 'forbidden' // 403
  | 'unavailable' // 503: draining, or the backlog cannot persist
  | 'storage_error' // 500
  | 'store_damaged' // start-up: the local store's files are damaged (exit 1 with the recovery)
  | 'invalid_config'; // start-up

const statusOf: Record<ErrorCode, number> = {
  invalid_parameter: 400,
  unknown_format: 400,
  bad_content_encoding: 400,
  body_too_large: 413,
  decompressed_too_large: 413,
  malformed_body: 422,
  limit_exceeded: 422,
  unsupported_format: 422,
  too_many_nodes: 422,
  not_found: 404,
  forbidden: 403,
  unavailable: 503,
  storage_error: 500,
  store_damaged: 1,
  invalid_config: 1,
};

export class PyrelayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** The configured limit that bit (its config key), so the HTTP layer counts it in one place. */
  readonly limit?: string;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; limit?: string }) {
    super(message, options);
    this.name = 'PyrelayError';
    this.code = code;
    this.status = statusOf[code];
    if (options?.limit !== undefined) this.limit = options.limit;
  }
}

/** 400 for a bad query parameter; `message` follows the OG texts (e.g. `name: invalid tag key: ...`). */
export const invalidParameter = (message: string) => new PyrelayError('invalid_parameter', message);

/** 422 for a body that does not parse. `where` says the position (line, byte offset, part name). */
export const malformedBody = (format: string, where: string, what: string) => new PyrelayError('malformed_body', `${format}: ${where}: ${what}`);

/** A counted limit: `limit` is its config key (e.g. `ingest.max-labels-per-series`); 422 unless a code is given. */
export const limitExceeded = (limit: string, message: string, code: ErrorCode = 'limit_exceeded') => new PyrelayError(code, message, { limit });

export const isPyrelayError = (e: unknown): e is PyrelayError => e instanceof PyrelayError;
