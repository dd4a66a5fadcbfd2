import { describe, expect, it } from 'vitest';
import { buildForwardRequest, createForwardRequestBuilder, ingestPath } from '../../../src/remote-write/forward-request.js';
import { item, target } from './fixtures.js';

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

describe('ingestPath / URL joining (docs/compatibility.md#2)', () => {
  it.each([
    ['http://h:1', 'http://h:1/ingest'],
    ['http://h:1/', 'http://h:1/ingest'],
    ['http://h:1/prefix', 'http://h:1/prefix/ingest'],
    ['http://h:1/prefix/', 'http://h:1/prefix/ingest'],
    ['http://h:1/a/b//', 'http://h:1/a/b/ingest'],
    ['https://h/pyroscope', 'https://h/pyroscope/ingest'],
  ])('%s -> %s', (address, expected) => {
    const { url } = buildForwardRequest(item(), target({ address }));
    expect(url.split('?')[0]).toBe(expected);
    expect(url).not.toContain('//ingest');
  });

  it('keeps parameters already in the address, ours win', () => {
    const { url } = buildForwardRequest(item(), target({ address: 'http://h/p?zz=1&name=x' }));
    const q = new URL(url).searchParams;
    expect(q.get('zz')).toBe('1');
    expect(q.getAll('name')).toEqual(['my.app{}']);
  });

  it('pure helper', () => expect(ingestPath('')).toBe('/ingest'));

  it('a builder reused across items gives each its own request; path is the URL without its origin', () => {
    const build = createForwardRequestBuilder(target({ address: 'http://u:p@h:8/pre/?zz=a%20b', tags: { env: 'x' } }));
    const one = build(item({ profileId: 'one' }));
    const two = build(item({ profileId: 'two', rawQuery: { spyName: 'gospy' } }));
    expect(one.url).toBe('http://h:8/pre/ingest?format=groups&from=1700000000&name=my.app%7Benv%3Dx%7D&until=1700000010&zz=a+b');
    for (const r of [one, two]) {
      const u = new URL(r.url);
      expect(r.path).toBe(u.pathname + u.search);
      expect(r.headers.authorization).toBe(basic('u', 'p'));
    }
    expect([one.headers['x-pyrelay-profile-id'], two.headers['x-pyrelay-profile-id']]).toEqual(['one', 'two']);
    expect(new URL(two.url).searchParams.get('spyName')).toBe('gospy');
    expect(new URL(one.url).searchParams.get('spyName')).toBeNull();
  });
});

describe('query parameters (docs/compatibility.md#3, #10, #11)', () => {
  const q = (url: string) => Object.fromEntries(new URL(url).searchParams);

  it('merges target tags into the name, target wins, keys sorted', () => {
    const it1 = item({ labels: { env: 'dev', zone: 'a' } });
    const { url } = buildForwardRequest(it1, target({ tags: { env: 'prod', cluster: 'c1' } }));
    expect(q(url).name).toBe('my.app{cluster=c1,env=prod,zone=a}');
  });

  it('rewrites dotted tag keys only when asked', () => {
    const it1 = item({ labels: { 'otel.scope.name': 'x' } });
    expect(q(buildForwardRequest(it1, target()).url).name).toBe('my.app{otel.scope.name=x}');
    expect(q(buildForwardRequest(it1, target({ rewriteDottedTagKeys: true, tags: { 'a.b': '1' } })).url).name).toBe('my.app{a_b=1,otel_scope_name=x}');
  });

  it('forwards from/until at the received precision (docs/compatibility.md#10)', () => {
    const { url } = buildForwardRequest(item({ from: '1700000000123456789', until: '1700000010123456789' }), target());
    expect(q(url).from).toBe('1700000000123456789');
    expect(q(url).until).toBe('1700000010123456789');
  });

  it('passes sampleRate/spyName/units/aggregationType as received; omits empty ones and sampleRate=0', () => {
    const full = q(buildForwardRequest(item({ rawQuery: { sampleRate: '17', spyName: 'nodespy', units: 'samples', aggregationType: 'sum', other: 'x' } }), target()).url);
    expect(full).toMatchObject({ sampleRate: '17', spyName: 'nodespy', units: 'samples', aggregationType: 'sum' });
    expect(full.other).toBeUndefined();
    const empty = q(buildForwardRequest(item({ rawQuery: { sampleRate: '0', spyName: '', units: '' } }), target()).url);
    expect(Object.keys(empty).sort()).toEqual(['format', 'from', 'name', 'until']);
  });

  it('sorts the query keys', () => {
    const { url } = buildForwardRequest(item({ rawQuery: { units: 'u', aggregationType: 'sum', spyName: 's', sampleRate: '100' } }), target());
    const keys = [...new URL(url).searchParams.keys()];
    expect(keys).toEqual([...keys].sort());
    expect(keys).toEqual(['aggregationType', 'format', 'from', 'name', 'sampleRate', 'spyName', 'units', 'until']);
  });

  it.each([
    ['groups', undefined, 'groups', 'binary/octet-stream'],
    ['lines', undefined, 'lines', 'binary/octet-stream'],
    ['trie', 'binary/octet-stream+trie', 'trie', 'binary/octet-stream'],
    ['tree', 'binary/octet-stream+tree', 'tree', 'binary/octet-stream'],
    ['pprof', undefined, 'pprof', 'binary/octet-stream'],
    ['pprof', 'multipart/form-data; boundary=abc', undefined, 'multipart/form-data; boundary=abc'],
    ['jfr', undefined, 'jfr', 'binary/octet-stream'],
    ['jfr', 'multipart/form-data; boundary=xyz', 'jfr', 'multipart/form-data; boundary=xyz'],
    ['speedscope', 'text/plain', 'speedscope', 'application/json'],
  ] as const)('format %s with CT %s -> format=%s, Content-Type %s', (format, ct, sentFormat, sentCt) => {
    const r = buildForwardRequest(item({ format, contentType: ct }), target());
    expect(q(r.url).format).toBe(sentFormat);
    expect(r.headers['content-type']).toBe(sentCt);
  });

  it('shares the body buffer (encoded once)', () => {
    const it1 = item();
    expect(buildForwardRequest(it1, target()).body).toBe(it1.body);
    expect(buildForwardRequest(it1, target({ name: 't2' })).body).toBe(it1.body);
  });
});

describe('headers (precedence: headers < Content-Type < Bearer < Basic < X-Scope-OrgID)', () => {
  it('configured headers are the lowest', () => {
    const h = buildForwardRequest(
      item(),
      target({ headers: { 'X-Custom': 'v', 'Content-Type': 'text/plain', Authorization: 'mine', 'X-Scope-OrgID': 'o', Host: 'evil', 'Content-Length': '1' } }),
    ).headers;
    expect(h['x-custom']).toBe('v');
    expect(h['content-type']).toBe('binary/octet-stream');
    // Without auth options the configured Authorization / tenant stay.
    expect(h['authorization']).toBe('mine');
    expect(h['x-scope-orgid']).toBe('o');
    expect(h['host']).toBeUndefined();
    expect(h['content-length']).toBeUndefined();
  });

  it('Bearer, then Basic override, then tenant', () => {
    expect(buildForwardRequest(item(), target({ authToken: 'tok', headers: { authorization: 'x' } })).headers['authorization']).toBe('Bearer tok');
    expect(buildForwardRequest(item(), target({ authToken: 'tok', basicAuthUser: 'u', basicAuthPassword: 'p' })).headers['authorization']).toBe(basic('u', 'p'));
    expect(buildForwardRequest(item(), target({ tenantId: 't-9', headers: { 'x-scope-orgid': 'x' } })).headers['x-scope-orgid']).toBe('t-9');
  });

  it('tenant passthrough forwards the source tenant, but never anonymous', () => {
    expect(buildForwardRequest(item({ tenant: 'team-a' }), target({ tenantId: 'passthrough' })).headers['x-scope-orgid']).toBe('team-a');
    expect(buildForwardRequest(item({ tenant: 'anonymous' }), target({ tenantId: 'passthrough' })).headers['x-scope-orgid']).toBeUndefined();
    expect(buildForwardRequest(item({ tenant: 'team-a' }), target()).headers['x-scope-orgid']).toBeUndefined();
  });

  it('userinfo in the address becomes Basic only when nothing set Authorization, and never stays in the URL', () => {
    const r = buildForwardRequest(item(), target({ address: 'http://us%40er:p%3Ass@h:1/pre/' }));
    expect(r.headers['authorization']).toBe(basic('us@er', 'p:ss'));
    expect(r.url).toBe(new URL(r.url).toString());
    expect(r.url.startsWith('http://h:1/pre/ingest?')).toBe(true);
    expect(r.url).not.toContain('p%3Ass');
    const withToken = buildForwardRequest(item(), target({ address: 'http://u:p@h:1', authToken: 'tok' }));
    expect(withToken.headers['authorization']).toBe('Bearer tok');
    expect(withToken.url).not.toContain('u:p');
  });

  it('always carries the profile id', () => {
    expect(buildForwardRequest(item({ profileId: 'abc' }), target()).headers['x-pyrelay-profile-id']).toBe('abc');
  });
});
