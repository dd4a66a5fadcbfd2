import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../../src/ingest/detect.js';
import { isMultipart } from '../../../src/model/content-type.js';
import { PyrelayError } from '../../../src/model/errors.js';

const MP = 'multipart/form-data; boundary=abc';

describe('detectFormat', () => {
  it.each([
    // [format, content type, expected]
    ['trie', undefined, 'trie'],
    [undefined, 'binary/octet-stream+trie', 'trie'],
    [undefined, 'Binary/Octet-Stream+Trie; charset=x', 'trie'],
    ['tree', undefined, 'tree'],
    [undefined, 'binary/octet-stream+tree', 'tree'],
    ['lines', undefined, 'lines'],
    ['jfr', undefined, 'jfr'],
    ['jfr', MP, 'jfr'],
    ['pprof', undefined, 'pprof'],
    ['pprof', MP, 'pprof'], // docs/compatibility.md#3: the pprof decoder parses the form
    ['speedscope', undefined, 'speedscope'],
    [undefined, MP, 'pprof'], // rule 7: multipart without format
    [undefined, 'Multipart/Form-Data; boundary=x', 'pprof'],
    [undefined, undefined, 'groups'],
    ['', undefined, 'groups'],
    ['groups', undefined, 'groups'],
    ['folded', undefined, 'groups'],
    ['collapsed', 'text/plain', 'groups'],
    [undefined, 'application/octet-stream', 'groups'],
    // first match wins, in OG's order
    ['lines', 'binary/octet-stream+trie', 'trie'],
    ['tree', 'binary/octet-stream+trie', 'trie'],
    ['speedscope', 'binary/octet-stream+tree', 'tree'],
    ['groups', MP, 'pprof'],
  ] as const)('format=%j CT=%j -> %s', (format, ct, want) => {
    expect(detectFormat(format, ct)).toBe(want);
  });

  it.each(['json', 'PPROF', 'text', 'trie '])('rejects unknown format %j with 400 unknown_format', (format) => {
    let err: unknown;
    try {
      detectFormat(format, MP);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PyrelayError);
    expect((err as PyrelayError).code).toBe('unknown_format');
    expect((err as PyrelayError).status).toBe(400);
    expect((err as PyrelayError).message).toContain(`unknown format ${JSON.stringify(format)}`);
  });
});

describe('isMultipart', () => {
  it('matches OG (contains multipart/form-data)', () => {
    expect(isMultipart(MP)).toBe(true);
    expect(isMultipart('MULTIPART/FORM-DATA;boundary=1')).toBe(true);
    expect(isMultipart('multipart/mixed')).toBe(false);
    expect(isMultipart(undefined)).toBe(false);
    expect(isMultipart('')).toBe(false);
  });
});
