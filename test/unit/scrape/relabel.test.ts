// Every relabel action against Prometheus' documented semantics (anchored RE2, Go template expansion).
import { describe, expect, it } from 'vitest';
import type { RelabelRule } from '../../../src/config/scrape-config.js';
import { createRelabeler, expandTemplate } from '../../../src/scrape/relabel.js';

const rule = (r: Partial<RelabelRule> & Pick<RelabelRule, 'action'>): RelabelRule => ({
  sourceLabels: [],
  separator: ';',
  regex: '(.*)',
  modulus: 0,
  targetLabel: '',
  replacement: '$1',
  ...r,
});

const base = { __address__: '10.0.0.1:6060', __meta_kubernetes_pod_label_app: 'shop', __meta_kubernetes_pod_label_team_name: 'core', env: 'Prod', job: 'pods' };

const cases: { name: string; rules: RelabelRule[]; input?: Record<string, string>; want: Record<string, string> | undefined }[] = [
  {
    name: 'replace with defaults copies the source',
    rules: [rule({ action: 'replace', sourceLabels: ['env'], targetLabel: 'environment' })],
    want: { ...base, environment: 'Prod' },
  },
  {
    name: 'replace joins sources with the separator and expands groups',
    rules: [rule({ action: 'replace', sourceLabels: ['__address__', 'env'], separator: '|', regex: '([^:]+):\\d+\\|(.*)', replacement: '$2@${1}', targetLabel: 'where' })],
    want: { ...base, where: 'Prod@10.0.0.1' },
  },
  {
    name: 'replace does nothing when the regex does not match the whole value',
    rules: [rule({ action: 'replace', sourceLabels: ['env'], regex: 'Pro', targetLabel: 'x' })],
    want: base,
  },
  {
    name: 'replace to an empty value deletes the target label',
    rules: [rule({ action: 'replace', sourceLabels: ['missing'], targetLabel: 'env' })],
    want: { ...base, env: undefined } as never,
  },
  {
    name: 'replace with a templated target label',
    rules: [rule({ action: 'replace', sourceLabels: ['env'], regex: '(P)(.*)', targetLabel: 'x_$1', replacement: '$2' })],
    want: { ...base, x_P: 'rod' },
  },
  { name: 'replace skips an invalid target label name', rules: [rule({ action: 'replace', sourceLabels: ['env'], targetLabel: '1bad' })], want: base },
  {
    name: 'replace with a named group and $$',
    rules: [rule({ action: 'replace', sourceLabels: ['env'], regex: '(?P<first>.)(.*)', replacement: '$$${first}', targetLabel: 'x' })],
    want: { ...base, x: '$P' },
  },
  {
    name: '$1x is the (absent) group "1x", as in Go',
    rules: [rule({ action: 'replace', sourceLabels: ['env'], replacement: '$1x', targetLabel: 'env' })],
    want: { ...base, env: undefined } as never,
  },
  { name: 'keep keeps a match', rules: [rule({ action: 'keep', sourceLabels: ['env'], regex: 'Prod|Dev' })], want: base },
  { name: 'keep drops a partial match (anchored)', rules: [rule({ action: 'keep', sourceLabels: ['env'], regex: 'Pro' })], want: undefined },
  { name: 'drop drops a match', rules: [rule({ action: 'drop', sourceLabels: ['env'], regex: 'Prod' })], want: undefined },
  { name: 'drop keeps a non-match', rules: [rule({ action: 'drop', sourceLabels: ['env'], regex: 'Dev' })], want: base },
  {
    name: 'keepequal keeps when the source equals the target label',
    rules: [rule({ action: 'keepequal', sourceLabels: ['env'], targetLabel: 'copy' })],
    input: { ...base, copy: 'Prod' },
    want: { ...base, copy: 'Prod' },
  },
  { name: 'keepequal drops when they differ', rules: [rule({ action: 'keepequal', sourceLabels: ['env'], targetLabel: 'job' })], want: undefined },
  { name: 'dropequal drops when equal', rules: [rule({ action: 'dropequal', sourceLabels: ['env'], targetLabel: 'copy' })], input: { ...base, copy: 'Prod' }, want: undefined },
  { name: 'dropequal keeps when they differ', rules: [rule({ action: 'dropequal', sourceLabels: ['env'], targetLabel: 'job' })], want: base },
  {
    name: 'labelmap copies matching label names through the replacement',
    rules: [rule({ action: 'labelmap', regex: '__meta_kubernetes_pod_label_(.+)' })],
    want: { ...base, app: 'shop', team_name: 'core' },
  },
  { name: 'labeldrop removes matching names', rules: [rule({ action: 'labeldrop', regex: '__meta_.*|env' })], want: { __address__: base.__address__, job: 'pods' } },
  { name: 'labelkeep keeps only matching names', rules: [rule({ action: 'labelkeep', regex: '__address__|job' })], want: { __address__: base.__address__, job: 'pods' } },
  { name: 'lowercase', rules: [rule({ action: 'lowercase', sourceLabels: ['env'], targetLabel: 'env_lc' })], want: { ...base, env_lc: 'prod' } },
  { name: 'uppercase', rules: [rule({ action: 'uppercase', sourceLabels: ['env', 'job'], targetLabel: 'x' })], want: { ...base, x: 'PROD;PODS' } },
  // Prometheus' own relabel tests: "baz" and "foo\nbar" modulo 1000 give 976 and 734.
  {
    name: 'hashmod (Prometheus vector 1)',
    rules: [rule({ action: 'hashmod', sourceLabels: ['c'], modulus: 1000, targetLabel: 'd' })],
    input: { a: 'foo', b: 'bar', c: 'baz' },
    want: { a: 'foo', b: 'bar', c: 'baz', d: '976' },
  },
  {
    name: 'hashmod (Prometheus vector 2)',
    rules: [rule({ action: 'hashmod', sourceLabels: ['a'], modulus: 1000, targetLabel: 'b' })],
    input: { a: 'foo\nbar' },
    want: { a: 'foo\nbar', b: '734' },
  },
  {
    name: 'rules apply in order and a drop ends processing',
    rules: [rule({ action: 'replace', sourceLabels: ['env'], targetLabel: 'env', replacement: 'staging' }), rule({ action: 'drop', sourceLabels: ['env'], regex: 'staging' })],
    want: undefined,
  },
];

describe('relabel actions', () => {
  for (const c of cases) {
    it(c.name, () => {
      const out = createRelabeler(c.rules)({ ...(c.input ?? base) });
      if (c.want === undefined) expect(out).toBeUndefined();
      else expect(out).toEqual(Object.fromEntries(Object.entries(c.want).filter(([, v]) => v !== undefined)));
    });
  }

  it('hashmod spreads values over the modulus', () => {
    const r = createRelabeler([rule({ action: 'hashmod', sourceLabels: ['__address__'], modulus: 4, targetLabel: 'shard' })]);
    const shards = new Set(Array.from({ length: 64 }, (_, i) => r({ __address__: `10.0.0.${i}:80` })!.shard));
    expect([...shards].sort()).toEqual(['0', '1', '2', '3']);
  });

  it('never mutates its input', () => {
    const input = { ...base };
    createRelabeler([rule({ action: 'labeldrop', regex: '.*' })])(input);
    expect(input).toEqual(base);
  });
});

describe('expandTemplate (Go Regexp.Expand)', () => {
  const groups = ['all', 'one', 'two'];
  it.each([
    ['$1-$2', 'one-two'],
    ['${1}x', 'onex'],
    ['$1x', ''],
    ['$$1', '$1'],
    ['$name', 'two'],
    ['$9', ''],
    ['a$', 'a$'],
    ['$-', '$-'],
  ])('%s', (tpl, want) => {
    expect(expandTemplate(tpl, groups, { name: 2 })).toBe(want);
  });
});
