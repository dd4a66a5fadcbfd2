// Undoes the request's Content-Encoding with a hard output cap, so a compression bomb never
// allocates past `maxDecompressedBytes`: zlib stops at maxOutputLength, and zstd (fzstd has no cap) is
// pre-checked frame by frame and then decoded block by block with a running total.
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync, type ZlibOptions } from 'node:zlib';
import { Decompress } from 'fzstd';
import { PyrelayError } from '../model/errors.js';

/** Windows up to this size are allowed even when the cap is smaller (zstd -19 uses 8 MiB for unknown sizes). */
const MIN_ZSTD_WINDOW_ALLOWANCE = 8 << 20;

const tooLarge = (encoding: string, max: number) => new PyrelayError('decompressed_too_large', `Content-Encoding ${encoding}: decompressed body exceeds the limit of ${max} bytes`);

const corrupt = (encoding: string, what: string) => new PyrelayError('bad_content_encoding', `Content-Encoding ${encoding}: ${what}`);

const isOutputLimitError = (e: unknown) => (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || (e instanceof RangeError && /buffer|length|size/i.test(e.message));

type ZlibFn = (buf: Buffer, options: ZlibOptions) => Buffer;

function zlibDecode(fn: ZlibFn, encoding: string, body: Buffer, max: number): Buffer {
  try {
    // maxOutputLength must be at least 1; a zero cap still rejects any non-empty output.
    const out = fn(body, { maxOutputLength: Math.max(1, max) });
    if (out.length > max) throw tooLarge(encoding, max);
    return out;
  } catch (e) {
    if (e instanceof PyrelayError) throw e;
    if (isOutputLimitError(e)) throw tooLarge(encoding, max);
    throw corrupt(encoding, (e as Error).message);
  }
}

function inflateAny(body: Buffer, options: ZlibOptions): Buffer {
  // HTTP `deflate` means zlib-wrapped, but some clients send raw deflate; the zlib header tells them apart.
  const zlibWrapped = body.length >= 2 && (body[0] & 0x0f) === 8 && ((body[0] << 8) | body[1]) % 31 === 0;
  return zlibWrapped ? inflateSync(body, options) : inflateRawSync(body, options);
}

const u32 = (b: Uint8Array, at: number) => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)) + b[at + 3] * 0x1000000;

/**
 * Walks zstd frame and block headers without decoding (RFC 8878): rejects frames whose window or declared
 * content size exceeds what the cap allows, since fzstd allocates the whole window up front.
 */
function checkZstdFrames(b: Uint8Array, max: number): void {
  const windowLimit = Math.max(max, MIN_ZSTD_WINDOW_ALLOWANCE);
  let pos = 0;
  let declared = 0;
  const need = (n: number, what: string) => {
    if (pos + n > b.length) throw corrupt('zstd', `truncated ${what} at byte ${pos}`);
  };
  while (pos < b.length) {
    need(4, 'frame magic');
    const magic = u32(b, pos);
    if (magic >>> 4 === 0x184d2a5) {
      need(8, 'skippable frame header');
      const size = u32(b, pos + 4);
      pos += 8;
      need(size, 'skippable frame');
      pos += size;
      continue;
    }
    if (magic !== 0xfd2fb528) throw corrupt('zstd', `bad frame magic at byte ${pos}`);
    pos += 4;
    need(1, 'frame header');
    const fhd = b[pos++];
    if (fhd & 0x08) throw corrupt('zstd', 'reserved frame header bit set');
    const singleSegment = (fhd >> 5) & 1;
    const fcsFlag = fhd >> 6;
    let window = 0;
    if (!singleSegment) {
      need(1, 'window descriptor');
      const wd = b[pos++];
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
    }
    pos += [0, 1, 2, 4][fhd & 3];
    const fcsBytes = fcsFlag === 0 ? singleSegment : 1 << fcsFlag;
    need(fcsBytes, 'frame content size');
    let fcs = -1; // unknown
    if (fcsBytes > 0) {
      fcs = 0;
      for (let i = fcsBytes - 1; i >= 0; i--) fcs = fcs * 256 + b[pos + i];
      if (fcsBytes === 2) fcs += 256;
      pos += fcsBytes;
    }
    if (singleSegment) window = fcs;
    if (fcs >= 0) {
      declared += fcs;
      if (declared > max) throw tooLarge('zstd', max);
    }
    if (window > windowLimit) throw tooLarge('zstd', max);
    for (;;) {
      need(3, 'block header');
      const bh = b[pos] | (b[pos + 1] << 8) | (b[pos + 2] << 16);
      pos += 3;
      const type = (bh >> 1) & 3;
      if (type === 3) throw corrupt('zstd', `reserved block type at byte ${pos - 3}`);
      const size = type === 1 ? 1 : bh >>> 3;
      need(size, 'block');
      pos += size;
      if (bh & 1) break;
    }
    if (fhd & 0x04) {
      need(4, 'frame checksum');
      pos += 4;
    }
  }
}

function zstdDecode(body: Buffer, max: number): Buffer {
  checkZstdFrames(body, max);
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    const d = new Decompress((chunk) => {
      total += chunk.length;
      if (total > max) throw tooLarge('zstd', max);
      // fzstd may reuse its window memory, so keep a copy.
      if (chunk.length > 0) chunks.push(Buffer.from(chunk));
    });
    d.push(body, true);
  } catch (e) {
    if (e instanceof PyrelayError) throw e;
    throw corrupt('zstd', (e as Error).message || 'invalid data');
  }
  return Buffer.concat(chunks, total);
}

const SUPPORTED = new Set(['gzip', 'x-gzip', 'br', 'deflate', 'zstd']);

function decodeOne(encoding: string, body: Buffer, max: number): Buffer {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return zlibDecode(gunzipSync, encoding, body, max);
    case 'br':
      return zlibDecode(brotliDecompressSync, encoding, body, max);
    case 'deflate':
      return zlibDecode(inflateAny, encoding, body, max);
    case 'zstd':
      return zstdDecode(body, max);
    default:
      throw unsupported(encoding);
  }
}

function unsupported(encoding: string): PyrelayError {
  const shown = encoding.length > 64 ? `${encoding.slice(0, 64)}...` : encoding;
  return new PyrelayError('bad_content_encoding', `unsupported Content-Encoding ${JSON.stringify(shown)}: expected gzip, x-gzip, br, zstd, deflate or identity`);
}

/**
 * Decodes `body` per the Content-Encoding header. Several codings (`gzip, br`) are undone in reverse order
 * of application; each stage is capped at `maxDecompressedBytes`. Unknown or corrupt coding -> 400, over the cap -> 413.
 */
export function decodeContentEncoding(body: Buffer, encoding: string | undefined, maxDecompressedBytes: number): Buffer {
  if (encoding === undefined) return body;
  const codings = encoding
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity' && c !== 'none');
  // Reject an unknown coding before spending time on the others.
  for (const c of codings) if (!SUPPORTED.has(c)) throw unsupported(c);
  let out = body;
  for (let i = codings.length - 1; i >= 0; i--) out = decodeOne(codings[i], out, maxDecompressedBytes);
  return out;
}
