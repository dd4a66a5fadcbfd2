import { brotliCompressSync, constants, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { errorOf } from './formats/helpers.js';
import { describe, expect, it } from 'vitest';
import { decodeContentEncoding } from '../../../src/ingest/content-encoding.js';

const MiB = 1 << 20;
const text = Buffer.from('foo;bar 2\nfoo;baz 3\n'.repeat(100));

// Hand-built zstd frames (RFC 8878). Window descriptor 0x38 = 2^17 bytes; RLE blocks carry one byte.
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const blockHeader = (last: boolean, type: number, size: number) => {
  const v = (size << 3) | (type << 1) | (last ? 1 : 0);
  return [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff];
};
/** One frame of `blocks` RLE blocks of 128 KiB zeros each, content size not declared. */
function zstdRleBomb(blocks: number): Buffer {
  const out: number[] = [...ZSTD_MAGIC, 0x00, 0x38];
  for (let i = 0; i < blocks; i++) out.push(...blockHeader(i === blocks - 1, 1, 128 * 1024), 0);
  return Buffer.from(out);
}
/** A frame holding `payload` in one raw block, optionally declaring its content size. */
function zstdRaw(payload: Buffer, declaredSize?: number): Buffer {
  const head =
    declaredSize === undefined
      ? [...ZSTD_MAGIC, 0x00, 0x38]
      : [...ZSTD_MAGIC, 0x80, 0x38, declaredSize & 0xff, (declaredSize >>> 8) & 0xff, (declaredSize >>> 16) & 0xff, declaredSize >>> 24];
  return Buffer.concat([Buffer.from(head), Buffer.from(blockHeader(true, 0, payload.length)), payload]);
}

// `zstd -19` output (window 8 MiB, compressed blocks, checksum) of the lines below.
const ZSTD_19 = 'KLUv/QRozQIAMgYPEKCrAwjiUGWGpmnJ5kG/nivgPt3wcpM+uLhDP96b/XBzl074uEUP/O528nObXji5Rxc83NcLOFtSiLEVHqgQ/GwH8JXNEEZ8/f//fwObf5NlMI2BTAFQeLlw';
const ZSTD_19_TEXT = Array.from({ length: 3000 }, (_, i) => `foo;bar${i % 10} ${i % 3}\n`).join('');
// `printf 'hello ' | zstd` and `printf world | zstd --no-check`: two frames, one with a checksum.
const ZSTD_HELLO = 'KLUv/QRYMQAAaGVsbG8g0jvhqQ==';
const ZSTD_WORLD = 'KLUv/QBYKQAAd29ybGQ=';

describe('decodeContentEncoding', () => {
  it.each([undefined, '', 'identity', 'none', ' Identity '])('passes %j through unchanged', (enc) => {
    expect(decodeContentEncoding(text, enc, MiB)).toBe(text);
  });

  it.each([
    ['gzip', gzipSync(text)],
    ['x-gzip', gzipSync(text)],
    ['GZIP', gzipSync(text)],
    ['br', brotliCompressSync(text)],
    ['deflate', deflateSync(text)],
    ['deflate', deflateRawSync(text)], // raw deflate, as some clients send
  ])('decodes %s', (enc, body) => {
    expect(decodeContentEncoding(body, enc, MiB).equals(text)).toBe(true);
  });

  it('decodes real zstd output, multi-frame and with checksums', () => {
    expect(decodeContentEncoding(Buffer.from(ZSTD_19, 'base64'), 'zstd', MiB).toString()).toBe(ZSTD_19_TEXT);
    const two = Buffer.concat([Buffer.from(ZSTD_HELLO, 'base64'), Buffer.from(ZSTD_WORLD, 'base64')]);
    expect(decodeContentEncoding(two, 'zstd', MiB).toString()).toBe('hello world');
    expect(decodeContentEncoding(zstdRaw(text, text.length), 'zstd', MiB).equals(text)).toBe(true);
  });

  it('undoes several codings in reverse order of application', () => {
    const body = brotliCompressSync(gzipSync(text)); // Content-Encoding: gzip, br
    expect(decodeContentEncoding(body, 'gzip, br', MiB).equals(text)).toBe(true);
  });

  it('rejects an unknown coding with 400 naming it', () => {
    const e = errorOf(() => decodeContentEncoding(gzipSync(text), 'gzip, compress', MiB));
    expect(e.code).toBe('bad_content_encoding');
    expect(e.status).toBe(400);
    expect(e.message).toContain('"compress"');
  });

  it.each([
    ['gzip', Buffer.from('not gzip at all')],
    ['gzip', gzipSync(text).subarray(0, 30)],
    ['br', Buffer.from([0xff, 0xff, 0xff, 0xff])],
    ['deflate', Buffer.from('nope')],
    ['zstd', Buffer.from('not zstd')],
    ['zstd', Buffer.from(ZSTD_19, 'base64').subarray(0, 40)],
    ['zstd', Buffer.from([...ZSTD_MAGIC, 0x08, 0x38])], // reserved header bit
  ])('rejects corrupt %s with 400 and the decoder error', (enc, body) => {
    const e = errorOf(() => decodeContentEncoding(body, enc, MiB));
    expect(e.code).toBe('bad_content_encoding');
    expect(e.status).toBe(400);
    expect(e.message).toMatch(new RegExp(`^Content-Encoding ${enc}: .+`));
  });

  it('stops a gzip bomb (200 MB of zeros) at a 1 MiB cap with 413', () => {
    const bomb = gzipSync(Buffer.alloc(200 * 1000 * 1000), { level: 9 });
    expect(bomb.length).toBeLessThan(300_000);
    const before = process.memoryUsage().arrayBuffers;
    const e = errorOf(() => decodeContentEncoding(bomb, 'gzip', MiB));
    expect(e.code).toBe('decompressed_too_large');
    expect(e.status).toBe(413);
    expect(e.message).toContain(`limit of ${MiB} bytes`);
    // Nothing close to 200 MB was ever allocated.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(50 * MiB);
  });

  it('stops a brotli bomb at the cap', () => {
    const bomb = brotliCompressSync(Buffer.alloc(20 * MiB), { params: { [constants.BROTLI_PARAM_QUALITY]: 1 } });
    expect(errorOf(() => decodeContentEncoding(bomb, 'br', MiB)).code).toBe('decompressed_too_large');
  });

  it('stops a zstd bomb (200 MB of RLE blocks) at a 1 MiB cap with 413', () => {
    const bomb = zstdRleBomb(1600); // 1600 x 128 KiB = 200 MiB from 6.4 KB
    const before = process.memoryUsage().arrayBuffers;
    const e = errorOf(() => decodeContentEncoding(bomb, 'zstd', MiB));
    expect(e.code).toBe('decompressed_too_large');
    expect(e.message).toContain(`limit of ${MiB} bytes`);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(50 * MiB);
    // Under the cap the same construction decodes.
    expect(decodeContentEncoding(zstdRleBomb(4), 'zstd', MiB).length).toBe(4 * 128 * 1024);
  });

  it('rejects a zstd frame that declares more content than the cap before decoding', () => {
    const e = errorOf(() => decodeContentEncoding(zstdRaw(Buffer.from('x'), 2 * MiB), 'zstd', MiB));
    expect(e.code).toBe('decompressed_too_large');
  });

  it('rejects a zstd window fzstd would have to allocate past the cap', () => {
    // Window descriptor 0xf8: 2^41 bytes.
    const frame = Buffer.from([...ZSTD_MAGIC, 0x00, 0xf8, ...blockHeader(true, 0, 1), 0x61]);
    expect(errorOf(() => decodeContentEncoding(frame, 'zstd', MiB)).code).toBe('decompressed_too_large');
  });

  it('applies the cap to each stage of a chain', () => {
    const body = gzipSync(gzipSync(Buffer.alloc(2 * MiB)));
    expect(errorOf(() => decodeContentEncoding(body, 'gzip, gzip', MiB)).code).toBe('decompressed_too_large');
  });
});
