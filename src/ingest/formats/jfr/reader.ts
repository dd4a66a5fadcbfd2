// Bounds-checked reader for the JFR binary primitives. Every read checks the current limit and throws a
// 422 naming the chunk and absolute byte offset, so corrupt input can never read past its region.
import { malformedBody } from '../../../model/errors.js';
import type { PyrelayError } from '../../../model/errors.js';

const TWO_32 = 0x1_0000_0000;
const utf8 = new TextDecoder('utf-8', { fatal: false });
const latin1 = new TextDecoder('latin1');

export class JfrReader {
  pos: number;
  /** Reads past `end` fail; narrowed to one event while decoding it. */
  end: number;
  /** Compressed (LEB128-style) integers, chunk header feature bit 0. */
  compressed = true;
  private readonly view: DataView;

  constructor(
    readonly buf: Uint8Array,
    readonly chunkIndex: number,
    start = 0,
    end = buf.length,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = start;
    this.end = end;
  }

  fail(what: string, at = this.pos): PyrelayError {
    return malformedBody('jfr', `chunk ${this.chunkIndex} at byte ${at}`, what);
  }

  need(n: number): void {
    if (n < 0 || this.pos + n > this.end) throw this.fail(`truncated: need ${n} bytes, ${this.end - this.pos} left`);
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  u8(): number {
    if (this.pos >= this.end) throw this.fail('truncated: need 1 byte, 0 left');
    return this.buf[this.pos++];
  }

  /** Fixed-size big-endian fields (chunk header, uncompressed chunks). */
  fixedU16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  fixedI32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos);
    this.pos += 4;
    return v;
  }

  /** A 64-bit value as a JS number: exact up to 2^53, which covers offsets, sizes, ids and ticks in practice. */
  fixedI64(): number {
    this.need(8);
    const hi = this.view.getInt32(this.pos);
    const lo = this.view.getUint32(this.pos + 4);
    this.pos += 8;
    return hi * TWO_32 + lo;
  }

  /**
   * JFR's variable-length long: 7 bits per byte, low group first, high bit = more; the 9th byte carries
   * a full 8 bits. Read as unsigned; values above 2^53 lose precision (ids stay distinct in practice).
   */
  varLong(): number {
    if (!this.compressed) return this.fixedI64();
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
    }
    return result + this.u8() * mul;
  }

  /** An int-sized varint (sizes, counts): must fit 32 bits signed and not be negative. */
  varCount(what: string): number {
    const at = this.pos;
    const v = this.compressed ? this.varLong() : this.fixedI32();
    if (v < 0 || v > 0x7fffffff) throw this.fail(`invalid ${what} ${v}`, at);
    return v;
  }

  /** Signed 32-bit value of an `int` field (varints of ints are the value's 32-bit pattern). */
  varInt(): number {
    if (!this.compressed) return this.fixedI32();
    return this.varLong() | 0;
  }

  short(): number {
    if (this.compressed) return this.varLong() & 0xffff;
    return this.fixedU16();
  }

  f32(): number {
    this.need(4);
    const v = this.view.getFloat32(this.pos);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }

  /**
   * Most JFR strings (symbols, class and method names) are short ASCII; building them directly is several
   * times faster than TextDecoder. Returns undefined (position unchanged) otherwise, for the general path.
   */
  private shortAscii(n: number): string | undefined {
    if (n > 64) return undefined;
    this.need(n);
    const start = this.pos;
    let s = '';
    for (let i = 0; i < n; i++) {
      const c = this.buf[start + i];
      if (c >= 0x80) return undefined;
      s += String.fromCharCode(c);
    }
    this.pos += n;
    return s;
  }

  bytes(n: number): Uint8Array {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /**
   * A JFR string: encoding byte 0 null, 1 empty, 2 constant-pool reference, 3 UTF-8, 4 char array,
   * 5 Latin-1. A pool reference comes back as `{ ref }` for the caller to resolve later.
   */
  string(): string | null | StringRef {
    const at = this.pos;
    const enc = this.u8();
    switch (enc) {
      case 0:
        return null;
      case 1:
        return '';
      case 2:
        return { ref: this.varLong() };
      case 3: {
        const n = this.varCount('string length');
        return this.shortAscii(n) ?? utf8.decode(this.bytes(n));
      }
      case 4: {
        const n = this.varCount('string length');
        // Each char takes at least one byte, so the length cannot exceed what is left.
        if (n > this.remaining) throw this.fail(`truncated: char array of ${n} chars, ${this.remaining} bytes left`);
        const codes = new Array<number>(n);
        for (let i = 0; i < n; i++) codes[i] = this.short();
        let s = '';
        for (let i = 0; i < n; i += 8192) s += String.fromCharCode(...codes.slice(i, i + 8192));
        return s;
      }
      case 5: {
        const n = this.varCount('string length');
        return this.shortAscii(n) ?? latin1.decode(this.bytes(n));
      }
      default:
        throw this.fail(`unknown string encoding ${enc}`, at);
    }
  }
}

export interface StringRef {
  ref: number;
}
