// Chunk header: a JFR file is a sequence of self-contained chunks, each starting with this fixed
// 68-byte big-endian header. Offsets in it are relative to the chunk start.
import { JfrReader } from './reader.js';

export const CHUNK_HEADER_SIZE = 68;
const MAGIC = [0x46, 0x4c, 0x52, 0x00]; // "FLR\0"

export interface ChunkHeader {
  index: number;
  /** Absolute offset of the chunk in the file. */
  start: number;
  major: number;
  minor: number;
  size: number;
  constantPoolOffset: number;
  metadataOffset: number;
  startNanos: number;
  durationNanos: number;
  startTicks: number;
  ticksPerSecond: number;
  /** Feature bit 0: integers are LEB128-style compressed. */
  compressedInts: boolean;
}

export const startsWithJfrMagic = (b: Uint8Array, at = 0) => b.length - at >= 4 && MAGIC.every((m, i) => b[at + i] === m);

/** Reads and validates the header of the chunk starting at `start`; every offset must stay inside the chunk. */
export function readChunkHeader(buf: Uint8Array, start: number, index: number): ChunkHeader {
  const r = new JfrReader(buf, index, start);
  if (!startsWithJfrMagic(buf, start)) throw r.fail('not a JFR chunk (missing FLR magic)');
  r.pos += 4;
  const major = r.fixedU16();
  const minor = r.fixedU16();
  if (major !== 1 && major !== 2) throw r.fail(`unsupported JFR version ${major}.${minor}`, start + 4);
  const h: ChunkHeader = {
    index,
    start,
    major,
    minor,
    size: r.fixedI64(),
    constantPoolOffset: r.fixedI64(),
    metadataOffset: r.fixedI64(),
    startNanos: r.fixedI64(),
    durationNanos: r.fixedI64(),
    startTicks: r.fixedI64(),
    ticksPerSecond: r.fixedI64(),
    compressedInts: (r.fixedI32() & 1) === 1,
  };
  const left = buf.length - start;
  if (h.size < CHUNK_HEADER_SIZE || h.size > left) {
    throw r.fail(`chunk size ${h.size} outside [${CHUNK_HEADER_SIZE}, ${left}] (truncated or corrupt)`, start + 8);
  }
  for (const [name, off] of [
    ['metadata', h.metadataOffset],
    ['constant pool', h.constantPoolOffset],
  ] as const) {
    if (off < CHUNK_HEADER_SIZE || off >= h.size) throw r.fail(`${name} offset ${off} outside the chunk of ${h.size} bytes`);
  }
  return h;
}
