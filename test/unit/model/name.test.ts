import { describe, expect, it } from 'vitest';
import { PyrelayError } from '../../../src/model/errors.js';
import { goQuoteRune, parseName, validateAppName, validateTagKey } from '../../../src/model/name.js';
import { normalizeKey } from '../../../src/model/series-key.js';

const norm = (raw: string) => normalizeKey(parseName(raw));

function errorOf(raw: string): PyrelayError {
  try {
    parseName(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(PyrelayError);
    return e as PyrelayError;
  }
  throw new Error(`expected ${raw} to be rejected`);
}

describe('parseName', () => {
  it.each([
    ['app', 'app{}'],
    ['  app.cpu  ', 'app.cpu{}'],
    ['app{}', 'app{}'],
    ['app{foo=bar}', 'app{foo=bar}'],
    ['app{ b = 2 , a = 1 }', 'app{a=1,b=2}'],
    // dotted keys every Node 0.6 client sends (docs/compatibility.md#5)
    ['node.app.cpu{process.runtime.name=nodejs,otel.scope.name=x}', 'node.app.cpu{otel.scope.name=x,process.runtime.name=nodejs}'],
    // quotes are kept verbatim (docs/compatibility.md#18)
    ['app{k="v"}', 'app{k="v"}'],
    // empty value is stored as empty
    ['app{k=}', 'app{k=}'],
    // pyroscope-go adds __session_id__ to every upload: it stays an ordinary tag
    ['app.cpu{__session_id__=0123456789abcdef,env=x}', 'app.cpu{__session_id__=0123456789abcdef,env=x}'],
    // a trailing comma and spaces around the braces are fine
    ['app{a=1,}', 'app{a=1}'],
    [' app { a=1 } ', 'app{a=1}'],
    // app names may contain `-` and `/` (Grafana)
    ['my-app/svc.cpu{env=prod}', 'my-app/svc.cpu{env=prod}'],
    // values may contain `=`, spaces and `{`
    ['app{q=a=b c{d}', 'app{q=a=b c{d}'],
  ])('%s -> %s', (raw, want) => {
    expect(norm(raw)).toBe(want);
  });

  it('returns app name and labels separately', () => {
    expect(parseName('svc.cpu{region=eu,host=h1}')).toEqual({ appName: 'svc.cpu', labels: { region: 'eu', host: 'h1' } });
  });

  it('stores a tag key named constructor like any other', () => {
    const key = parseName('app{constructor=x}');
    expect(Object.keys(key.labels)).toEqual(['constructor']);
    expect(normalizeKey(key)).toBe('app{constructor=x}');
  });

  it('enforces the length and count limits it is given, naming the config key', () => {
    const limits = { maxAppNameLength: 5, maxTagKeyLength: 3, maxTagValueBytes: 4, maxTags: 2 };
    expect(normalizeKey(parseName('abcde{abc=\u00e9\u00e9,b=1}', limits))).toBe('abcde{abc=\u00e9\u00e9,b=1}');
    const cases: [string, number, string, string][] = [
      ['abcdef', 400, 'max-app-name-length', 'name: application name is 6 characters long, more than the limit of 5 (ingest.max-app-name-length)'],
      ['a{abcd=1}', 400, 'max-tag-key-length', 'name: tag key at offset 2 is 4 characters long, more than the limit of 3 (ingest.max-tag-key-length)'],
      ['a{k=\u00e9\u00e9\u00e9}', 400, 'max-tag-value-length', 'name: value of tag k is 6 bytes long, more than the limit of 4 (ingest.max-tag-value-length)'],
      ['a{x=1,y=2,z=3}', 422, 'max-labels-per-series', 'name: more than 2 tags (ingest.max-labels-per-series)'],
    ];
    for (const [raw, status, limit, message] of cases) {
      try {
        parseName(raw, limits);
        expect.unreachable(raw);
      } catch (e) {
        expect(e).toBeInstanceOf(PyrelayError);
        expect([(e as PyrelayError).status, (e as PyrelayError).limit, (e as PyrelayError).message]).toEqual([status, limit, message]);
      }
    }
  });

  it('applies the default limits (512 / 128 / 1024 bytes / 64 tags)', () => {
    expect(parseName('a'.repeat(512)).appName.length).toBe(512);
    expect(() => parseName('a'.repeat(513))).toThrow(/more than the limit of 512/);
    expect(() => parseName('a'.repeat(1960))).toThrow(/more than the limit of 512/);
    const tags = (n: number) => `app{${Array.from({ length: n }, (_, i) => `k${i}=v`).join(',')}}`;
    expect(Object.keys(parseName(tags(64)).labels)).toHaveLength(64);
    expect(() => parseName(tags(65))).toThrow(/more than 64 tags/);
  });

  it.each([
    ['', 'name: application name is required'],
    ['   ', 'name: application name is required'],
    ['{a=b}', 'name: application name is required'],
    ['app{cluster-name=x}', "name: invalid tag key: cluster-name: character is not allowed: '-'"],
    ['app{=x}', 'name: tag key is required'],
    ['app{ =x}', 'name: tag key is required'],
    ['my app', "name: invalid application name: my app: character is not allowed: ' '"],
    ['app:cpu', "name: invalid application name: app:cpu: character is not allowed: ':'"],
    // control characters anywhere, even where trimming would have removed them
    ['a\x00b{}', "name: control character '\\x00' at offset 1 is not allowed"],
    ['app\n', "name: control character '\\n' at offset 3 is not allowed"],
    ['app{a=b\tc}', "name: control character '\\t' at offset 7 is not allowed"],
    // the strict grammar: nothing is guessed
    ['app{', "name: missing closing '}' (the tags opened at offset 3 run to the end): app{"],
    ['app{a=b', "name: missing closing '}' (the tags opened at offset 3 run to the end): app{a=b"],
    ['app{x=1,a=b', "name: missing closing '}' (the tags opened at offset 3 run to the end): app{x=1,a=b"],
    ['a{p}p', "name: tag p has no value: expected '=' at offset 3"],
    ['app{foo}', "name: tag foo has no value: expected '=' at offset 7"],
    ['app{a=1,foo}', "name: tag foo has no value: expected '=' at offset 11"],
    ['app{foo,a=b}', "name: tag foo has no value: expected '=' at offset 7"],
    ['app{a=b}}', "name: unexpected '}' at offset 8 after the closing '}'"],
    ['app{a=1}junk{b=2}', "name: unexpected 'j' at offset 8 after the closing '}'"],
    ['app{a=1,a=2}', 'name: duplicate tag key a at offset 8'],
    ['app{,}', 'name: tag key is required at offset 4'],
    // reserved keys: `__name__` no longer renames the app, and every `__*` key is refused
    ['app{__name__=evil}', 'name: tag key is reserved: __name__'],
    ['app{__name__=other.cpu,env=dev}', 'name: tag key is reserved: __name__'],
    ['app{__proto__=x}', 'name: tag key is reserved: __proto__'],
    ['app{__meta_x=1}', 'name: tag key is reserved: __meta_x'],
    ['app{k\u00e9y=1}', "name: invalid tag key: k\u00e9y: character is not allowed: '\u00e9'"],
  ])('rejects %j with %j', (raw, message) => {
    const e = errorOf(raw);
    expect(e.code).toBe('invalid_parameter');
    expect(e.status).toBe(400);
    expect(e.message).toBe(message);
  });
});

describe('validateTagKey / validateAppName', () => {
  it('accepts OG and Grafana keys', () => {
    expect(validateTagKey('env')).toBeUndefined();
    expect(validateTagKey('process.runtime.name')).toBeUndefined();
    expect(validateTagKey('A_1')).toBeUndefined();
  });
  it('reports OG texts', () => {
    expect(validateTagKey('')).toBe('tag key is required');
    expect(validateTagKey('a-b')).toBe("invalid tag key: a-b: character is not allowed: '-'");
    expect(validateTagKey('__name__')).toBe('tag key is reserved: __name__');
    expect(validateAppName('a/b-c.d_e')).toBeUndefined();
    expect(validateAppName('')).toBe('application name is required');
  });
  it('quotes runes like Go %q', () => {
    expect(goQuoteRune('-')).toBe("'-'");
    expect(goQuoteRune("'")).toBe("'\\''");
    expect(goQuoteRune('\\')).toBe("'\\\\'");
    expect(goQuoteRune('\t')).toBe("'\\t'");
    expect(goQuoteRune('\x00')).toBe("'\\x00'");
    expect(goQuoteRune('\u200b')).toBe("'\\u200b'");
    expect(goQuoteRune('\u00e9')).toBe("'\u00e9'");
    expect(goQuoteRune('\u{1F600}')).toBe("'\u{1F600}'");
  });
});
