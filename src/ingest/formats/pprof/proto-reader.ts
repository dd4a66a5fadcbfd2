// A minimal protobuf wire reader over one buffer. Nested messages are read by narrowing `end` in place
// (see `enter`/`leave`) so no sub-reader objects are allocated; every read is bounds-checked and errors
// carry the byte offset.
import { malformedBody, type PyrelayError } from '../../../model/errors.js';

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

const TWO_32 = 4294967296;

export class ProtoReader {
  pos = 0;
  end: number;

  constructor(
    readonly buf: Uint8Array,
    private readonly format = 'pprof',
  ) {
    this.end = buf.length;
  }

  fail(what: string, at = this.pos): PyrelayError {
    return malformedBody(this.format, `byte ${at}`, what);
  }

  /** Reads a varint as a JS number: int64 semantics (10-byte negatives come back negative). */
  varint(): number {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    if (pos >= end) throw this.fail('truncated varint');
    let b = buf[pos++];
    if (b < 0x80) {
      this.pos = pos;
      return b;
    }
    let lo = b & 0x7f;
    for (let shift = 7; shift < 28; shift += 7) {
      if (pos >= end) throw this.fail('truncated varint', pos);
      b = buf[pos++];
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return lo;
      }
    }
    if (pos >= end) throw this.fail('truncated varint', pos);
    b = buf[pos++];
    lo = (lo | ((b & 0x0f) << 28)) >>> 0;
    let hi = (b & 0x7f) >> 4;
    if (b < 0x80) {
      this.pos = pos;
      return hi * TWO_32 + lo;
    }
    for (let shift = 3; shift <= 31; shift += 7) {
      if (pos >= end) throw this.fail('truncated varint', pos);
      b = buf[pos++];
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        hi >>>= 0;
        // Two's complement int64: values with the top bit set are negative.
        if (hi >= 0x80000000) return -((~hi >>> 0) * TWO_32 + (~lo >>> 0) + 1);
        return hi * TWO_32 + lo;
      }
    }
    throw this.fail('varint longer than 10 bytes', this.pos);
  }

  /** Reads a field key; returns field number * 8 + wire type (the raw tag). */
  tag(): number {
    const at = this.pos;
    const t = this.varint();
    if (t < 8 || t > 0xffffffff) throw this.fail(`invalid field tag ${t}`, at);
    return t;
  }

  /** Reads a length prefix and checks that the payload fits inside the current message. */
  length(): number {
    const at = this.pos;
    const n = this.varint();
    if (n < 0 || n > this.end - this.pos) {
      throw this.fail(`length ${n} runs past the end of the message (${this.end - this.pos} bytes left)`, at);
    }
    return n;
  }

  /** Narrows the reader to the next length-delimited payload; returns the saved end for `leave`. */
  enter(): number {
    const n = this.length();
    const saved = this.end;
    this.end = this.pos + n;
    return saved;
  }

  leave(savedEnd: number): void {
    this.pos = this.end;
    this.end = savedEnd;
  }

  skip(wireType: number, field: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_I64:
        this.advance(8, field);
        return;
      case WIRE_LEN: {
        // Read the length first: `this.pos += this.length()` would add to the pre-prefix position.
        const n = this.length();
        this.pos += n;
        return;
      }
      case WIRE_I32:
        this.advance(4, field);
        return;
      default:
        throw this.fail(`field ${field} has unsupported wire type ${wireType}`);
    }
  }

  private advance(n: number, field: number): void {
    if (this.end - this.pos < n) throw this.fail(`field ${field}: truncated fixed-size value`);
    this.pos += n;
  }

  /** Fails with a clear message when a known field arrives with the wrong wire type. */
  expect(wireType: number, want: number, field: number, msg: string): void {
    if (wireType !== want) throw this.fail(`${msg}.${field} has wire type ${wireType}, expected ${want}`);
  }

  /**
   * Reads a repeated integer field that may be packed (one LEN record) or not (one varint per record) into
   * `out` from index `n` on, returning the new count: a scratch array reused across messages this way is never
   * shrunk (`length = 0` drops its backing store) and regrown.
   */
  repeatedVarint(wireType: number, out: number[], n: number, field: number, msg: string): number {
    if (wireType === WIRE_VARINT) {
      out[n++] = this.varint();
      return n;
    }
    if (wireType !== WIRE_LEN) throw this.fail(`${msg}.${field} has wire type ${wireType}, expected 0 or 2`);
    const saved = this.enter();
    const buf = this.buf;
    const end = this.end;
    while (this.pos < end) {
      // One- and two-byte varints (ids and counts below 16384) inline; the rest through varint().
      const p = this.pos;
      const b = buf[p];
      if (b < 0x80) {
        this.pos = p + 1;
        out[n++] = b;
      } else if (p + 1 < end && buf[p + 1] < 0x80) {
        this.pos = p + 2;
        out[n++] = (b & 0x7f) | (buf[p + 1] << 7);
      } else out[n++] = this.varint();
    }
    this.leave(saved);
    return n;
  }
}
