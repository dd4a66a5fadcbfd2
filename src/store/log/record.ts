// One backlog record: the payload stored once for every target, with what is needed to resend it.
// Layout: [version u8][crc32 u32 BE over everything after it][header length u32 BE][header JSON][payload].
// The checksum lets a reopen skip a torn or corrupted record instead of replaying garbage.
import { crc32 } from './crc32.js';

const VERSION = 1;
const FIXED = 9;

export interface DecodedRecord {
  enqueuedAtMs: number;
  /** Targets the payload was pending for when it was written. */
  targets: string[];
  meta: Record<string, unknown>;
  payload: Uint8Array;
}

export type DecodeResult = { ok: true; record: DecodedRecord } | { ok: false; why: string };

/** Serializes meta up front so a non-JSON meta fails before any state changes. */
export function encodeHeader(enqueuedAtMs: number, targets: string[], meta: Record<string, unknown>): Uint8Array {
  return Buffer.from(JSON.stringify({ t: enqueuedAtMs, g: targets, m: meta }), 'utf8');
}

/** Bytes of the record of `header` and `payload`. */
export const recordSize = (header: Uint8Array, payload: Uint8Array) => FIXED + header.length + payload.length;

/** The record in `into` (at least recordSize bytes; a view of exactly that size is returned) or a new buffer. */
export function encodeRecord(header: Uint8Array, payload: Uint8Array, into?: Buffer): Buffer {
  const size = recordSize(header, payload);
  const out = into === undefined ? Buffer.allocUnsafe(size) : into.subarray(0, size);
  out[0] = VERSION;
  out.writeUInt32BE(header.length, 5);
  out.set(header, FIXED);
  out.set(payload, FIXED + header.length);
  out.writeUInt32BE(crc32(out.subarray(5)), 1);
  return out;
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

export function decodeRecord(buf: Uint8Array): DecodeResult {
  if (buf.length < FIXED) return { ok: false, why: `truncated: ${buf.length} bytes, need at least ${FIXED}` };
  if (buf[0] !== VERSION) return { ok: false, why: `unknown record version ${buf[0]}` };
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const stored = view.getUint32(1);
  const actual = crc32(buf.subarray(5));
  if (stored !== actual) return { ok: false, why: `checksum mismatch (stored ${stored}, computed ${actual})` };
  const headerLength = view.getUint32(5);
  if (headerLength > buf.length - FIXED) return { ok: false, why: `header length ${headerLength} past the end` };
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset + FIXED, headerLength).toString('utf8'));
  } catch {
    return { ok: false, why: 'header is not JSON' };
  }
  const h = header as { t?: unknown; g?: unknown; m?: unknown };
  if (typeof h?.t !== 'number' || !isStringArray(h.g) || typeof h.m !== 'object' || h.m === null) {
    return { ok: false, why: 'header lacks time, targets or meta' };
  }
  return {
    ok: true,
    record: {
      enqueuedAtMs: h.t,
      targets: h.g,
      meta: h.m as Record<string, unknown>,
      payload: buf.subarray(FIXED + headerLength),
    },
  };
}
