import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeLines } from '../../../../src/ingest/formats/lines.js';
import { FUZZ_RUNS, errorOf, folded, input, onlyTypedErrors, utf8 } from './helpers.js';

const decode = (body: string, limits = {}) => decodeLines(input(utf8(body), limits));

describe('decodeLines', () => {
  it('decodes the spec vector', () => {
    expect(folded(decode('foo;bar\nfoo;bar\nfoo;baz\nfoo;baz\nfoo;baz\n'))).toEqual({ 'foo;bar': 2, 'foo;baz': 3 });
  });

  it('returns nothing for an empty body and keeps metadata otherwise', () => {
    expect(decodeLines(input(new Uint8Array(0)))).toEqual([]);
    const [p] = decode('a');
    expect(p.key.appName).toBe('app.cpu');
    expect(p.metadata.aggregation).toBe('average');
  });

  it('skips empty lines, tolerates CRLF, keeps spaces and trailing digits in frames', () => {
    expect(folded(decode('\r\na b 3\r\n\r\na b 3\nx'))).toEqual({ 'a b 3': 2, x: 1 });
  });

  it('rejects stacks deeper than maxStackDepth with the line of the first occurrence', () => {
    const e = errorOf(() => decode('ok\na;b;c;d\na;b;c;d', { maxStackDepth: 3 }));
    expect(e.status).toBe(422);
    expect(e.message).toBe('lines: line 2: stack deeper than 3 frames');
  });

  it('only ever throws typed errors (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => onlyTypedErrors(() => decodeLines(input(bytes, { maxStackDepth: 4 })))),
      { numRuns: FUZZ_RUNS },
    );
  });
});
