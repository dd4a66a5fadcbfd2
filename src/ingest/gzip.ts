// Payloads (pprof bodies, JFR and labels parts) may be gzipped inside; they are sniffed by magic bytes
// and inflated with a hard output cap so a gzip bomb costs at most `maxBytes` of memory.
import { gunzipSync } from 'node:zlib';
import { PyrelayError, malformedBody } from '../model/errors.js';

export const isGzip = (b: Uint8Array) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/** Inflates `bytes` when they start with the gzip magic, otherwise returns them unchanged. */
export function maybeGunzip(bytes: Uint8Array, maxBytes: number, what: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || (e as Error).name === 'RangeError') {
      throw new PyrelayError('decompressed_too_large', `${what}: gzip content exceeds the decompressed limit of ${maxBytes} bytes`);
    }
    throw malformedBody(what, 'gzip', (e as Error).message);
  }
}
