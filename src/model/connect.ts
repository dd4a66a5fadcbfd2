// The Connect protocol's vocabulary, shared by the Push receiver (errors out) and the Push sender (errors in):
// error codes, their HTTP statuses (current connect-go), and which pyrelay error becomes which code.
import type { ErrorCode } from './errors.js';

export const CONNECT_CODES = [
  'canceled',
  'unknown',
  'invalid_argument',
  'deadline_exceeded',
  'not_found',
  'already_exists',
  'permission_denied',
  'resource_exhausted',
  'failed_precondition',
  'aborted',
  'out_of_range',
  'unimplemented',
  'internal',
  'unavailable',
  'data_loss',
  'unauthenticated',
] as const;
export type ConnectCode = (typeof CONNECT_CODES)[number];

export const CONNECT_STATUS: Record<ConnectCode, number> = {
  canceled: 499,
  unknown: 500,
  invalid_argument: 400,
  deadline_exceeded: 504,
  not_found: 404,
  already_exists: 409,
  permission_denied: 403,
  resource_exhausted: 429,
  failed_precondition: 400,
  aborted: 409,
  out_of_range: 400,
  unimplemented: 501,
  internal: 500,
  unavailable: 503,
  data_loss: 500,
  unauthenticated: 401,
};

export const isConnectCode = (s: unknown): s is ConnectCode => typeof s === 'string' && (CONNECT_CODES as readonly string[]).includes(s);

/** The Connect code a pyrelay error is answered with on Connect routes: bad input, limits, availability. */
export function connectCodeOf(code: ErrorCode): ConnectCode {
  switch (code) {
    case 'invalid_parameter':
    case 'unknown_format':
    case 'bad_content_encoding':
    case 'malformed_body':
    case 'unsupported_format':
      return 'invalid_argument';
    case 'body_too_large':
    case 'decompressed_too_large':
      return 'resource_exhausted';
    case 'not_found':
      return 'not_found';
    case 'forbidden':
      return 'permission_denied';
    case 'unavailable':
      return 'unavailable';
    default:
      return 'internal';
  }
}

/** Connect headers and content types of the unary protocol. */
export const CONNECT_PROTOCOL_VERSION_HEADER = 'connect-protocol-version';
export const CONNECT_PROTO = 'application/proto';
export const CONNECT_JSON = 'application/json';
