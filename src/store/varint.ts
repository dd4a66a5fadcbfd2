// Unsigned LEB128 varints over the full safe-integer range (JS bitwise ops are 32-bit, so large
// values use division), plus a growable byte writer. Pure: no I/O.

export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }

  uvarint(v: number): void {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.length++] = v;
  }

  float64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

export class ByteReader {
  pos = 0;
  private readonly view: DataView;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  byte(): number {
    if (this.pos >= this.buf.length) throw new RangeError(`unexpected end at byte ${this.pos}`);
    return this.buf[this.pos++];
  }

  uvarint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 0x80;
    }
    throw new RangeError(`varint too long at byte ${this.pos}`);
  }

  float64(): number {
    if (this.pos + 8 > this.buf.length) throw new RangeError(`unexpected end at byte ${this.pos}`);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }
}
