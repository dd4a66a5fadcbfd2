// Payloads (pprof bodies, JFR and labels parts) may be gzipped inside; they are sniffed by magic bytes
// and inflated with a hard output cap so a gzip bomb costs at most `maxBytes` of memory.
import { gunzipSync } from 'node:zlib';
import { PyrelayError, malformedBody } from '../model/errors.js';

export const isGzip = (b: Uint8Array) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/** Inflates `bytes` when they start with the gzip magic, otherwise returns them unchanged. */
export function maybeGunzip(bytes: Uint8Array, maxBytes: number, what: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes, chunkSize: chunkSizeFor(bytes, maxBytes) });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || (e as Error).name === 'RangeError') {
      throw new PyrelayError('decompressed_too_large', `${what}: gzip content exceeds the decompressed limit of ${maxBytes} bytes`);
    }
    throw malformedBody(what, 'gzip', (e as Error).message);
  }
}

const MIN_CHUNK = 16 * 1024; // zlib's default
const MAX_CHUNK = 4 * 1024 * 1024;

/**
 * One output chunk sized to the gzip trailer's ISIZE (the inflated length mod 2^32) plus one byte, so inflate
 * fills a single buffer instead of 16 KiB chunks it then concatenates (~20 % of a 120 KB pprof's gunzip).
 * ISIZE is only a hint (the client writes it; multi-member files name the last member): capped by the limit
 * too, and a wrong one costs speed, never correctness.
 */
function chunkSizeFor(bytes: Uint8Array, maxBytes: number): number {
  if (bytes.length < 18) return MIN_CHUNK;
  const n = bytes.length;
  const isize = (bytes[n - 4] | (bytes[n - 3] << 8) | (bytes[n - 2] << 16) | (bytes[n - 1] << 24)) >>> 0;
  return Math.max(Math.min(isize + 1, MAX_CHUNK, maxBytes + 1), MIN_CHUNK);
}
