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
    // a key without `=` before `}` is dropped
    ['app{foo}', 'app{}'],
    ['app{a=1,foo}', 'app{a=1}'],
    // an unterminated pair is dropped
    ['app{a=b', 'app{}'],
    ['app{x=1,a=b', 'app{x=1}'],
    // everything after `}` is ignored
    ['app{a=1}junk{b=2}', 'app{a=1}'],
    // app names may contain `-` and `/` (Grafana)
    ['my-app/svc.cpu{env=prod}', 'my-app/svc.cpu{env=prod}'],
    // `__name__` replaces the app name
    ['app{__name__=other.cpu,env=dev}', 'other.cpu{env=dev}'],
    // duplicate keys: the last one wins
    ['app{a=1,a=2}', 'app{a=2}'],
    // values may contain `=`, spaces and `{`
    ['app{q=a=b c{d}', 'app{q=a=b c{d}'],
  ])('%s -> %s', (raw, want) => {
    expect(norm(raw)).toBe(want);
  });

  it('returns app name and labels separately', () => {
    expect(parseName('svc.cpu{region=eu,host=h1}')).toEqual({ appName: 'svc.cpu', labels: { region: 'eu', host: 'h1' } });
  });

  it('stores a tag key named __proto__ like any other', () => {
    const key = parseName('app{__proto__=x}');
    expect(Object.keys(key.labels)).toEqual(['__proto__']);
    expect(normalizeKey(key)).toBe('app{__proto__=x}');
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
    // names are trimmed first, so only inner control characters count
    ['a\x00b{}', "name: invalid application name: a\x00b: character is not allowed: '\\x00'"],
    // OG keeps `,` in a key that has no `=` yet
    ['app{foo,a=b}', "name: invalid tag key: foo,a: character is not allowed: ','"],
    ['app{__name__=}', 'name: application name is required'],
    ['app{__name__=a b}', "name: invalid application name: a b: character is not allowed: ' '"],
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
