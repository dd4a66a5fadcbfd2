import { describe, expect, it } from 'vitest';
import { multipartBoundary, parseMultipart } from '../../../src/ingest/multipart.js';
import { PyrelayError } from '../../../src/model/errors.js';

const enc = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
const text = (b: Uint8Array) => Buffer.from(b).toString('latin1');

function err(fn: () => unknown): PyrelayError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PyrelayError);
    expect((e as PyrelayError).status).toBe(422);
    return e as PyrelayError;
  }
  throw new Error('expected a 422');
}

describe('multipartBoundary', () => {
  it.each([
    ['multipart/form-data; boundary=abc', 'abc'],
    ['multipart/form-data; boundary="a b;c"', 'a b;c'],
    ['Multipart/Form-Data; charset=utf-8; BOUNDARY=----formdata-undici-012', '----formdata-undici-012'],
    ['multipart/form-data', undefined],
    ['multipart/form-data; boundary=', undefined],
  ])('%s → %s', (ct, b) => expect(multipartBoundary(ct)).toBe(b));
});

describe('parseMultipart', () => {
  it('splits file and plain parts (CRLF), keeps names, filenames and content types, no copies', () => {
    const body = enc(
      'preamble to ignore\r\n' +
        '--XyZ\r\n' +
        'Content-Disposition: form-data; name="profile"; filename="profile.pprof"\r\n' +
        'Content-Type: application/octet-stream\r\n' +
        '\r\n' +
        'PPROF\r\nBYTES\r\n' +
        '--XyZ\r\n' +
        'content-disposition: form-data; name="sample_type_config"\r\n' +
        '\r\n' +
        '{"a":1}\r\n' +
        '--XyZ\r\n' +
        'Content-Disposition: form-data; name="empty"; filename="e"\r\n' +
        '\r\n' +
        '\r\n' +
        '--XyZ--\r\n' +
        'epilogue',
    );
    const parts = parseMultipart(body, 'multipart/form-data; boundary=XyZ');
    expect(parts.map((p) => [p.name, p.filename, p.contentType, text(p.data)])).toEqual([
      ['profile', 'profile.pprof', 'application/octet-stream', 'PPROF\r\nBYTES'],
      ['sample_type_config', undefined, undefined, '{"a":1}'],
      ['empty', 'e', undefined, ''],
    ]);
    expect(parts[0].data.buffer).toBe(body.buffer);
  });

  it('accepts LF-only line breaks and transport padding after the boundary', () => {
    const body = enc('--b  \nContent-Disposition: form-data; name="x"\n\nhello\n--b--');
    expect(parseMultipart(body, 'multipart/form-data; boundary=b').map((p) => text(p.data))).toEqual(['hello']);
  });

  it('keeps binary data containing boundary-like bytes that are not at a line start', () => {
    const body = enc('--b\r\nContent-Disposition: form-data; name="x"\r\n\r\nA--bB\r\n--b--\r\n');
    expect(text(parseMultipart(body, 'multipart/form-data; boundary=b')[0].data)).toBe('A--bB');
  });

  it('skips parts without a name', () => {
    const body = enc('--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b\r\nContent-Disposition: form-data; name="y"\r\n\r\ny\r\n--b--');
    expect(parseMultipart(body, 'multipart/form-data; boundary=b').map((p) => p.name)).toEqual(['y']);
  });

  it('reports what is wrong and where', () => {
    const ct = 'multipart/form-data; boundary=b';
    expect(err(() => parseMultipart(enc('x'), 'multipart/form-data')).message).toMatch(/malformed multipart content type header/);
    expect(err(() => parseMultipart(enc('no boundary here'), ct)).message).toMatch(/no opening boundary "--b"/);
    expect(err(() => parseMultipart(enc('--b\r\nContent-Disposition: form-data; name="x"\r\n\r\ndata'), ct)).message).toMatch(/byte 49: part is not closed by a boundary/);
    expect(err(() => parseMultipart(enc('--b\r\nContent-Disposition: form-data; name="x"'), ct)).message).toMatch(/byte 5: part headers are not terminated/);
    expect(err(() => parseMultipart(enc('--b\r\nbroken header\r\n\r\nx\r\n--b--'), ct)).message).toMatch(/byte 5: malformed part header line "broken header"/);
    expect(err(() => parseMultipart(enc('--b'), ct)).message).toMatch(/body ends after the boundary/);
    expect(err(() => parseMultipart(enc('--bxx\r\n'), ct)).message).toMatch(/byte 3: unexpected bytes after the boundary/);
  });

  it('caps the number of parts (named or not) with a counted 422', () => {
    const part = (i: number) => `--b\r\nContent-Disposition: form-data; name="p${i}"\r\n\r\n${i}\r\n`;
    const body = (n: number) => enc(Array.from({ length: n }, (_, i) => part(i)).join('') + '--b--');
    const ct = 'multipart/form-data; boundary=b';
    expect(parseMultipart(body(32), ct)).toHaveLength(32);
    const e = err(() => parseMultipart(body(33), ct));
    expect(e.code).toBe('limit_exceeded');
    expect(e.limit).toBe('max-multipart-parts');
    expect(e.message).toMatch(/more than the limit of 32 parts/);
    expect(parseMultipart(body(100), ct, 100)).toHaveLength(100);
  });

  it('is linear in the number of parts: 40,000 CRLF parts are refused at the cap, and parse in linear time under a high cap', () => {
    // The original quadratic search looked for "\n\n" to the end of the body for every CRLF part.
    const ct = 'multipart/form-data; boundary=b';
    const body = (n: number) => enc('--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n'.repeat(n) + '--b--');
    const time = (n: number) => {
      const b = body(n);
      const t0 = performance.now();
      expect(parseMultipart(b, ct, n)).toHaveLength(n);
      return performance.now() - t0;
    };
    time(2000); // warm-up
    const small = time(5000);
    const large = time(40_000);
    // 8x the parts: linear is ~8x; quadratic would be ~64x. Generous bound for a shared machine.
    expect(large).toBeLessThan(Math.max(small, 5) * 25);
    expect(large).toBeLessThan(2000);
    const capped = body(40_000);
    const t0 = performance.now();
    expect(err(() => parseMultipart(capped, ct)).code).toBe('limit_exceeded');
    expect(performance.now() - t0).toBeLessThan(50);
  });

  it('refuses a header block longer than 16 KiB instead of searching the whole body', () => {
    const ct = 'multipart/form-data; boundary=b';
    const e = err(() => parseMultipart(enc('--b\r\nX-Long: ' + 'a'.repeat(20_000) + '\r\n\r\nx\r\n--b--'), ct));
    expect(e.message).toMatch(/byte 5: part headers are longer than 16384 bytes/);
  });
});
