import { describe, expect, it } from 'vitest';
import { PyrelayError } from '../../../src/model/errors.js';
import { formatSelector, parseFlameQL, parseQueryOrName } from '../../../src/query/flameql.js';

describe('parseFlameQL', () => {
  it('refuses identifiers longer than anything that can be stored (400, not a 500 from the store)', () => {
    expect(() => parseFlameQL('a'.repeat(1025))).toThrow('application name is 1025 characters long, longer than anything stored (at most 1024)');
    expect(() => parseFlameQL(`a{${'k'.repeat(257)}="v"}`)).toThrow('tag key is 257 characters long, longer than anything stored (at most 256)');
    expect(() => parseFlameQL(`a{k!="${'v'.repeat(1025)}"}`)).toThrow('k: tag value is 1025 bytes long, longer than anything stored (at most 1024)');
    expect(parseFlameQL(`${'a'.repeat(1024)}{k=~"${'v'.repeat(3000)}"}`).matchers).toHaveLength(1); // a regex is a pattern, not a value
  });

  const ok: [string, ReturnType<typeof parseFlameQL>][] = [
    ['app.cpu', { appName: 'app.cpu', matchers: [] }],
    ['  app.cpu{}  ', { appName: 'app.cpu', matchers: [] }],
    ['my-app/x.cpu{}', { appName: 'my-app/x.cpu', matchers: [] }],
    [
      'app.cpu{k="v", k2!="x", k3=~"re.*", k4!~"a|b"}',
      {
        appName: 'app.cpu',
        matchers: [
          { name: 'k', op: '=', value: 'v' },
          { name: 'k2', op: '!=', value: 'x' },
          { name: 'k3', op: '=~', value: 're.*' },
          { name: 'k4', op: '!~', value: 'a|b' },
        ],
      },
    ],
    ['app{otel.scope.name="x",}', { appName: 'app', matchers: [{ name: 'otel.scope.name', op: '=', value: 'x' }] }],
    ['app{ k = "v" }', { appName: 'app', matchers: [{ name: 'k', op: '=', value: 'v' }] }],
    ['app{k="a,b}c"}', { appName: 'app', matchers: [{ name: 'k', op: '=', value: 'a,b}c' }] }],
    ['app{k="q\\"uote\\\\n\\x41\\u00e9"}', { appName: 'app', matchers: [{ name: 'k', op: '=', value: 'q"uote\\nAé' }] }],
    ['app{k=~"a\\.b\\d"}', { appName: 'app', matchers: [{ name: 'k', op: '=~', value: 'a\\.b\\d' }] }],
    ['app{k=""}', { appName: 'app', matchers: [{ name: 'k', op: '=', value: '' }] }],
  ];
  it.each(ok)('parses %s', (q, want) => {
    expect(parseFlameQL(q)).toEqual(want);
  });

  const bad: [string, RegExp][] = [
    ['', /application name is required/],
    ['{k="v"}', /application name is required/],
    ['app name', /invalid application name: app name: character is not allowed: ' '/],
    ['app{k="v"', /expected } at the end/],
    ['app{k=v}', /invalid tag value syntax: k: the value must be double-quoted/],
    ["app{k='v'}", /must be double-quoted/],
    ['app{__name__="x"}', /tag key is reserved: __name__/],
    ['app{cluster-name="x"}', /invalid tag key: cluster-: character is not allowed: '-'/],
    ['app{="x"}', /tag key is required/],
    ['app{k}', /match operator is required/],
    ['app{k~"x"}', /invalid tag key: k~: character is not allowed: '~'/],
    ['app{k=~"("}', /invalid tag value syntax: k: invalid regex "\("/],
    ['app{k!~"[a"}', /invalid regex/],
    ['app{k="v" j="w"}', /expected ',' after k="v"/],
    ['app{k="unterminated}', /unterminated quoted value/],
    ['app{}x', /expected } at the end/],
  ];
  it.each(bad)('rejects %s', (q, msg) => {
    let err: unknown;
    try {
      parseFlameQL(q);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PyrelayError);
    expect((err as PyrelayError).code).toBe('invalid_parameter');
    expect((err as PyrelayError).status).toBe(400);
    expect((err as PyrelayError).message).toMatch(msg);
  });
});

describe('parseQueryOrName (docs/compatibility.md#23: name is an alias of query)', () => {
  it('takes FlameQL', () => {
    expect(parseQueryOrName('app.cpu{k="v"}')).toEqual({ appName: 'app.cpu', matchers: [{ name: 'k', op: '=', value: 'v' }] });
  });
  it('takes a segment key with unquoted values', () => {
    expect(parseQueryOrName('app.cpu{env=prod,region=eu}')).toEqual({
      appName: 'app.cpu',
      matchers: [
        { name: 'env', op: '=', value: 'prod' },
        { name: 'region', op: '=', value: 'eu' },
      ],
    });
  });
  it('reports the FlameQL error when neither form parses', () => {
    expect(() => parseQueryOrName('app{k=~"("}')).toThrow(/invalid regex/);
    expect(() => parseQueryOrName('bad app{k=v}')).toThrow(/invalid application name/);
  });
});

describe('formatSelector', () => {
  it('round-trips through parseFlameQL', () => {
    const s = parseFlameQL('app.cpu{a="x\\"y",b!~"z.*"}');
    expect(formatSelector(s)).toBe('app.cpu{a="x\\"y",b!~"z.*"}');
    expect(parseFlameQL(formatSelector(s))).toEqual(s);
    expect(formatSelector({ appName: 'a', matchers: [] })).toBe('a{}');
  });
});
