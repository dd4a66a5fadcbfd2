// multipart/form-data splitting for pprof and JFR uploads. Pure: bytes in, part views out (no copies).
// Both file parts and plain form fields are returned (docs/compatibility.md#13); callers pick parts by name. Every
// byte is looked at a bounded number of times (searches only move forward), and the number of parts is capped.
import { limitExceeded, malformedBody } from '../model/errors.js';
import { DEFAULT_MAX_MULTIPART_PARTS } from '../model/profile.js';

export interface MultipartPart {
  name: string;
  filename?: string;
  contentType?: string;
  /** A subarray of the request body, not a copy. */
  data: Uint8Array;
}

const FORMAT = 'multipart';
const CR = 0x0d;
const LF = 0x0a;
const DASH = 0x2d;
/** A part's header block larger than this is refused instead of searched to the end of the body. */
export const MAX_PART_HEADER_BYTES = 16 * 1024;

/** The `boundary` parameter of a multipart Content-Type, or undefined when absent or empty. */
export function multipartBoundary(contentType: string): string | undefined {
  const semi = contentType.indexOf(';');
  if (semi < 0) return undefined;
  const params = parseParams(contentType.slice(semi + 1));
  const b = params.get('boundary');
  // RFC 2046: 1-70 characters; we only insist on non-empty and a sane upper bound.
  return b !== undefined && b.length > 0 && b.length <= 200 ? b : undefined;
}

/**
 * Splits a multipart/form-data body into its parts (preamble and epilogue are ignored). More than
 * `maxParts` parts (named or not) is a 422 counted as `max-multipart-parts`.
 */
export function parseMultipart(body: Uint8Array, contentType: string, maxParts = DEFAULT_MAX_MULTIPART_PARTS): MultipartPart[] {
  const boundary = multipartBoundary(contentType);
  if (boundary === undefined) {
    throw malformedBody(FORMAT, 'Content-Type', 'malformed multipart content type header');
  }
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const dashBoundary = Buffer.from('--' + boundary, 'latin1');

  // The first delimiter may start the body or follow a preamble line.
  let at = findDelimiter(buf, dashBoundary, 0, true);
  if (at < 0) throw malformedBody(FORMAT, 'byte 0', `no opening boundary "--${boundary}" found`);
  const parts: MultipartPart[] = [];
  let pos = at + dashBoundary.length;
  let seen = 0;
  for (;;) {
    // After a delimiter: "--" closes the body, otherwise optional whitespace then a line break.
    if (buf[pos] === DASH && buf[pos + 1] === DASH) return parts;
    pos = skipLineEnd(buf, pos, 'after the boundary');
    if (++seen > maxParts) {
      throw limitExceeded('max-multipart-parts', `multipart: byte ${pos}: more than the limit of ${maxParts} parts (ingest.max-multipart-parts)`);
    }
    const headerEnd = findHeaderEnd(buf, pos);
    if (headerEnd.at < 0) throw malformedBody(FORMAT, `byte ${pos}`, 'part headers are not terminated by an empty line');
    const headers = parseHeaders(buf.toString('latin1', pos, headerEnd.at), pos);
    const dataStart = headerEnd.at + headerEnd.len;
    at = findDelimiter(buf, dashBoundary, dataStart, false);
    if (at < 0) throw malformedBody(FORMAT, `byte ${dataStart}`, `part is not closed by a boundary (missing "--${boundary}")`);
    // The line break before the delimiter belongs to the delimiter, not the data.
    let dataEnd = at;
    if (dataEnd > dataStart && buf[dataEnd - 1] === LF) dataEnd--;
    if (dataEnd > dataStart && buf[dataEnd - 1] === CR) dataEnd--;
    const disposition = headers.get('content-disposition');
    if (disposition !== undefined) {
      const params = parseParams(disposition.slice(disposition.indexOf(';') + 1 || disposition.length));
      const name = params.get('name');
      // Parts without a name cannot be addressed; Go's form reader skips them too.
      if (name !== undefined && name !== '') {
        const part: MultipartPart = { name, data: body.subarray(dataStart, dataEnd) };
        const filename = params.get('filename');
        if (filename !== undefined) part.filename = filename;
        const ct = headers.get('content-type');
        if (ct !== undefined) part.contentType = ct;
        parts.push(part);
      }
    }
    pos = at + dashBoundary.length;
  }
}

/** Index of `--boundary` at the start of the body (when `atStart`) or right after a line feed; -1 if none. */
function findDelimiter(buf: Buffer, dashBoundary: Buffer, from: number, atStart: boolean): number {
  if (atStart && from === 0 && buf.length >= dashBoundary.length && buf.subarray(0, dashBoundary.length).equals(dashBoundary)) {
    return 0;
  }
  let i = from;
  for (;;) {
    const found = buf.indexOf(dashBoundary, i);
    if (found < 0) return -1;
    if (found > 0 && buf[found - 1] === LF) return found;
    i = found + 1;
  }
}

function skipLineEnd(buf: Buffer, pos: number, where: string): number {
  // Transport padding (RFC 2046) may sit between the boundary and the line break.
  while (pos < buf.length && (buf[pos] === 0x20 || buf[pos] === 0x09)) pos++;
  if (buf[pos] === CR && buf[pos + 1] === LF) return pos + 2;
  if (buf[pos] === LF) return pos + 1;
  if (pos >= buf.length) throw malformedBody(FORMAT, `byte ${pos}`, `body ends ${where} (missing closing "--")`);
  throw malformedBody(FORMAT, `byte ${pos}`, `unexpected bytes ${where}`);
}

/**
 * End of the part's header block: the first empty line at or after `pos` (CRLF or LF). Walks line by
 * line, so it never looks past the blank line (searching the whole body for `\n\n` per part was
 * quadratic), and gives up after MAX_PART_HEADER_BYTES.
 */
function findHeaderEnd(buf: Buffer, pos: number): { at: number; len: number } {
  const limit = Math.min(buf.length, pos + MAX_PART_HEADER_BYTES);
  let line = pos;
  while (line < limit) {
    if (buf[line] === CR && buf[line + 1] === LF) return { at: line, len: 2 };
    if (buf[line] === LF) return { at: line, len: 1 };
    const lf = buf.subarray(line, limit).indexOf(LF);
    if (lf < 0) break;
    line += lf + 1;
  }
  if (limit < buf.length) {
    throw malformedBody(FORMAT, `byte ${pos}`, `part headers are longer than ${MAX_PART_HEADER_BYTES} bytes`);
  }
  return { at: -1, len: 0 };
}

function parseHeaders(text: string, offset: number): Map<string, string> {
  const out = new Map<string, string>();
  let lineStart = offset;
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line !== '') {
      const colon = line.indexOf(':');
      if (colon <= 0) throw malformedBody(FORMAT, `byte ${lineStart}`, `malformed part header line ${JSON.stringify(line.slice(0, 80))}`);
      out.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    lineStart += raw.length + 1;
  }
  return out;
}

/** `; a=b; c="d e"` → Map (keys lower-cased, quoted values unescaped). */
function parseParams(s: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  const n = s.length;
  while (i < n) {
    while (i < n && (s[i] === ';' || s[i] === ' ' || s[i] === '\t')) i++;
    const eq = s.indexOf('=', i);
    const semi = s.indexOf(';', i);
    if (eq < 0 || (semi >= 0 && semi < eq)) {
      // A bare token without a value: skip it.
      if (semi < 0) break;
      i = semi + 1;
      continue;
    }
    const key = s.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    while (i < n && (s[i] === ' ' || s[i] === '\t')) i++;
    let value = '';
    if (s[i] === '"') {
      i++;
      while (i < n && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < n) i++;
        value += s[i];
        i++;
      }
      i++;
    } else {
      const end = s.indexOf(';', i);
      value = (end < 0 ? s.slice(i) : s.slice(i, end)).trim();
      i = end < 0 ? n : end;
    }
    if (key !== '' && !out.has(key)) out.set(key, value);
  }
  return out;
}
