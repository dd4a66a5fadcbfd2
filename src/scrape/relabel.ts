// Target relabeling with Prometheus' semantics: rules apply in order, each regex is RE2 (linear time) and
// fully anchored, `$1` / `${name}` expand as Go's Regexp.Expand does, and a dropped target yields undefined.
// Pure: labels in, labels out.
import { createHash } from 'node:crypto';
import { RE2JS } from 're2js';
import type { RelabelRule } from '../config/scrape-config.js';
import type { LabelSet } from './labels.js';
import { isValidLabelName } from './labels.js';

interface CompiledRule extends RelabelRule {
  re: RE2JS;
  names: Record<string, number>;
}

export type Relabeler = (labels: LabelSet) => LabelSet | undefined;

export function createRelabeler(rules: readonly RelabelRule[]): Relabeler {
  const compiled: CompiledRule[] = rules.map((r) => {
    const re = RE2JS.compile(`^(?:${r.regex})$`);
    return { ...r, re, names: re.namedGroups() as Record<string, number> };
  });
  return (labels) => {
    let cur: LabelSet | undefined = { ...labels };
    for (const rule of compiled) {
      cur = applyRule(cur, rule);
      if (cur === undefined) return undefined;
    }
    return cur;
  };
}

/** Groups of a full match, or undefined. Index 0 is the whole match; absent groups are ''. */
function matchGroups(rule: CompiledRule, value: string): string[] | undefined {
  const m = rule.re.matcher(value);
  if (!m.matches()) return undefined;
  const out: string[] = [];
  for (let i = 0; i <= rule.re.groupCount(); i++) out.push(m.group(i) ?? '');
  return out;
}

/** Go's Regexp.Expand: `$$` is `$`, `$1` / `$name` take the longest run of word characters, `${x}` is explicit. */
export function expandTemplate(template: string, groups: string[], names: Record<string, number>): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== '$') {
      out += c;
      continue;
    }
    const rest = template.slice(i + 1);
    if (rest.startsWith('$')) {
      out += '$';
      i++;
      continue;
    }
    let name: string | undefined;
    let consumed = 0;
    const braced = /^\{([A-Za-z0-9_]+)\}/.exec(rest);
    const bare = /^[A-Za-z0-9_]+/.exec(rest);
    if (braced) {
      name = braced[1];
      consumed = braced[0].length;
    } else if (bare) {
      name = bare[0];
      consumed = bare[0].length;
    }
    if (name === undefined) {
      out += '$'; // malformed: a literal dollar, as Go does
      continue;
    }
    i += consumed;
    const index = /^\d+$/.test(name) ? Number(name) : names[name];
    if (index !== undefined && index < groups.length) out += groups[index];
  }
  return out;
}

/** Setting a label to '' removes it, as in Prometheus. */
function withLabel(labels: LabelSet, name: string, value: string): LabelSet {
  const out = { ...labels };
  if (value === '') delete out[name];
  else out[name] = value;
  return out;
}

function applyRule(labels: LabelSet, rule: CompiledRule): LabelSet | undefined {
  const value = rule.sourceLabels.map((l) => labels[l] ?? '').join(rule.separator);
  switch (rule.action) {
    case 'keep':
      return matchGroups(rule, value) ? labels : undefined;
    case 'drop':
      return matchGroups(rule, value) ? undefined : labels;
    case 'keepequal':
      return value === (labels[rule.targetLabel] ?? '') ? labels : undefined;
    case 'dropequal':
      return value === (labels[rule.targetLabel] ?? '') ? undefined : labels;
    case 'replace': {
      const groups = matchGroups(rule, value);
      if (!groups) return labels;
      const target = expandTemplate(rule.targetLabel, groups, rule.names);
      if (!isValidLabelName(target)) return labels;
      const res = expandTemplate(rule.replacement, groups, rule.names);
      return withLabel(labels, target, res);
    }
    case 'lowercase':
      return withLabel(labels, rule.targetLabel, value.toLowerCase());
    case 'uppercase':
      return withLabel(labels, rule.targetLabel, value.toUpperCase());
    case 'hashmod': {
      // Prometheus: the md5 digest's last 8 bytes as a big-endian integer, modulo `modulus`.
      const digest = createHash('md5').update(value).digest();
      const mod = digest.readBigUInt64BE(8) % BigInt(rule.modulus);
      return withLabel(labels, rule.targetLabel, mod.toString());
    }
    case 'labelmap': {
      const out = { ...labels };
      for (const [name, v] of Object.entries(labels)) {
        const groups = matchGroups(rule, name);
        if (groups) out[expandTemplate(rule.replacement, groups, rule.names)] = v;
      }
      return out;
    }
    case 'labeldrop': {
      const out: LabelSet = {};
      for (const [name, v] of Object.entries(labels)) if (!matchGroups(rule, name)) out[name] = v;
      return out;
    }
    case 'labelkeep': {
      const out: LabelSet = {};
      for (const [name, v] of Object.entries(labels)) if (matchGroups(rule, name)) out[name] = v;
      return out;
    }
  }
}
