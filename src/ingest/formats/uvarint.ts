// A bounds-checked cursor over a byte buffer for the binary ingest formats (trie, tree) and any other
// decoder that reads unsigned LEB128 varints. Every failure is a 422 naming the format and the byte offset.
import { malformedBody } from '../../model/errors.js';

/** The most bytes a uint64 uvarint may take (Go's binary.MaxVarintLen64). */
export const MAX_UVARINT_BYTES = 10;

export interface ByteReader {
  /** Offset of the next unread byte. */
  readonly offset: number;
  readonly length: number;
  remaining(): number;
  atEnd(): boolean;
  /** Reads one uvarint; `what` names the field in error messages. Values above 2^53-1 are rejected. */
  uvarint(what: string): number;
  /** Reads `n` bytes as UTF-8 (invalid sequences become U+FFFD, as Go strings would show them). */
  utf8(n: number, what: string): string;
  /** Reads `n` bytes as latin1, one char per byte, for formats whose strings may split a UTF-8 sequence. */
  latin1(n: number, what: string): string;
  /** Returns a view of the next `n` bytes (no copy). */
  bytes(n: number, what: string): Uint8Array;
  /** Builds a 422 at the current offset (or at `at`). */
  fail(what: string, at?: number): Error;
}

export interface UvarintResult {
  value: number;
  /** Offset just past the varint. */
  next: number;
}

/**
 * Pure form: decodes one uvarint at `offset`. Throws a 422 for a truncated varint, one longer than
 * 10 bytes, or a value above Number.MAX_SAFE_INTEGER (larger values cannot be added up exactly).
 */
export function readUvarint(bytes: Uint8Array, offset: number, format: string, what = 'uvarint'): UvarintResult {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < MAX_UVARINT_BYTES; i++) {
    const pos = offset + i;
    if (pos >= bytes.length) {
      throw malformedBody(format, `byte ${offset}`, `truncated uvarint (${what})`);
    }
    const b = bytes[pos];
    value += (b & 0x7f) * scale;
    if (value > Number.MAX_SAFE_INTEGER) {
      throw malformedBody(format, `byte ${offset}`, `uvarint (${what}) exceeds 2^53-1`);
    }
    if (b < 0x80) return { value, next: pos + 1 };
    scale *= 128;
  }
  throw malformedBody(format, `byte ${offset}`, `uvarint (${what}) longer than ${MAX_UVARINT_BYTES} bytes`);
}

export function createByteReader(input: Uint8Array, format: string): ByteReader {
  // A Buffer view (no copy) decodes UTF-8 much faster than TextDecoder for short strings.
  const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  let pos = 0;

  const checkLength = (n: number, what: string) => {
    if (n > buf.length - pos) {
      throw malformedBody(format, `byte ${pos}`, `${what} of ${n} bytes runs past the end of the body (${buf.length - pos} bytes left)`);
    }
  };

  return {
    get offset() {
      return pos;
    },
    length: buf.length,
    remaining: () => buf.length - pos,
    atEnd: () => pos >= buf.length,
    uvarint(what) {
      // Fast path for the common one-byte varint.
      if (pos < buf.length && buf[pos] < 0x80) return buf[pos++];
      const r = readUvarint(buf, pos, format, what);
      pos = r.next;
      return r.value;
    },
    utf8(n, what) {
      checkLength(n, what);
      const s = buf.toString('utf8', pos, pos + n);
      pos += n;
      return s;
    },
    latin1(n, what) {
      checkLength(n, what);
      const s = buf.toString('latin1', pos, pos + n);
      pos += n;
      return s;
    },
    bytes(n, what) {
      checkLength(n, what);
      const v = buf.subarray(pos, pos + n);
      pos += n;
      return v;
    },
    fail: (what, at) => malformedBody(format, `byte ${at ?? pos}`, what),
  };
}
