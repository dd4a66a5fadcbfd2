// The `scrape-configs` part of the one config schema: the original server's pull-mode keys (kebab-case),
// their defaults and bounds. The original's older releases spelled some keys snake_case (`source_labels`,
// `basic_auth`, `tls_config`): both spellings are accepted, see `normalizeKeys` (docs/compatibility.md#35).
import { RE2JS } from 're2js';
import { z } from 'zod';
import { DEFAULT_PROFILE_NAMES } from './scrape-defaults.js';
import { duration, size } from './zod-units.js';

const bool = (def: boolean) =>
  z
    .union([z.boolean(), z.enum(['true', 'false'])])
    .default(def)
    .transform((v) => v === true || v === 'true');

const labelMap = z.record(z.string(), z.coerce.string()).default({});

export const sampleTypeSchema = z
  .object({
    'display-name': z.string().optional(),
    units: z.string().optional(),
    aggregation: z.enum(['sum', 'average']).optional(),
    cumulative: z.boolean().optional(),
    sampled: z.boolean().optional(),
  })
  .strict();

const profileSchema = z
  .object({
    path: z.string().startsWith('/').optional().describe('URL path of the pprof endpoint'),
    params: z.record(z.string(), z.union([z.coerce.string(), z.array(z.coerce.string())])).optional(),
    'sample-types': z.record(z.string(), sampleTypeSchema).optional(),
    'all-sample-types': z.boolean().optional(),
  })
  .strict();

const tlsSchema = z
  .object({
    'ca-file': z.string().optional(),
    'cert-file': z.string().optional(),
    'key-file': z.string().optional(),
    'server-name': z.string().optional(),
    'insecure-skip-verify': bool(false),
  })
  .strict()
  .prefault({});

const basicAuthSchema = z
  .object({
    username: z.string().default(''),
    password: z.string().optional(),
    'password-file': z.string().optional(),
  })
  .strict();

const authorizationSchema = z
  .object({
    type: z.string().default('Bearer'),
    credentials: z.string().optional(),
    'credentials-file': z.string().optional(),
  })
  .strict();

/** Prometheus' actions, keepequal/dropequal/lowercase/uppercase included (docs/compatibility.md#40). */
export const relabelActions = ['replace', 'keep', 'drop', 'keepequal', 'dropequal', 'hashmod', 'labelmap', 'labeldrop', 'labelkeep', 'lowercase', 'uppercase'] as const;

export const relabelSchema = z
  .object({
    'source-labels': z.array(z.string()).optional(),
    separator: z.string().default(';'),
    regex: z.string().default('(.*)'),
    modulus: z.number().int().min(0).optional(),
    'target-label': z.string().optional(),
    replacement: z.string().default('$1'),
    action: z
      .string()
      .default('replace')
      .transform((a) => a.toLowerCase())
      .pipe(z.enum(relabelActions)),
  })
  .strict();

const staticSchema = z
  .object({
    application: z.string().optional().describe('App name of these targets (the `__name__` label)'),
    'spy-name': z.string().optional(),
    targets: z.array(z.string()).default([]),
    labels: labelMap,
  })
  .strict();

const fileSdSchema = z
  .object({
    files: z.array(z.string().min(1)).min(1),
    'refresh-interval': duration('5m', 'How often the files are re-read'),
  })
  .strict();

const kubernetesSdSchema = z
  .object({
    role: z.enum(['pod']),
    'api-server': z.string().optional(),
    'kubeconfig-file': z.string().optional(),
    namespaces: z
      .object({ names: z.array(z.string()).default([]), 'own-namespace': z.boolean().default(false) })
      .strict()
      .prefault({}),
    'bearer-token-file': z.string().optional(),
    'tls-config': tlsSchema,
  })
  .strict();

export const scrapeJobSchema = z
  .object({
    'job-name': z.string().min(1, 'job-name is empty'),
    'scrape-interval': duration('10s', 'How often each target is scraped'),
    'scrape-timeout': duration('15s', 'Deadline of one scrape; must exceed the CPU profile seconds'),
    scheme: z.enum(['http', 'https']).default('http'),
    // docs/compatibility.md#36, #37: cpu and mem by default; bodies bounded (the original's 0 meant unlimited).
    'body-size-limit': size('64MiB', 'Largest accepted scrape response; larger ones fail the scrape'),
    'enabled-profiles': z.array(z.string()).default(['cpu', 'mem']),
    'use-delta-profiles': bool(false),
    profiles: z.record(z.string(), profileSchema).default({}),
    'static-configs': z.array(staticSchema).default([]),
    'file-sd-configs': z.array(fileSdSchema).default([]),
    'kubernetes-sd-configs': z.array(kubernetesSdSchema).default([]),
    'relabel-configs': z.array(relabelSchema).default([]),
    'basic-auth': basicAuthSchema.optional(),
    authorization: authorizationSchema.optional(),
    'bearer-token': z.string().optional(),
    'bearer-token-file': z.string().optional(),
    'tls-config': tlsSchema,
    'follow-redirects': bool(true),
  })
  .strict()
  .superRefine((j, ctx) => {
    const auth = [j['basic-auth'] && 'basic-auth', j.authorization && 'authorization', j['bearer-token'] && 'bearer-token', j['bearer-token-file'] && 'bearer-token-file'].filter(
      Boolean,
    );
    if (auth.length > 1) ctx.addIssue({ code: 'custom', message: `at most one of ${auth.join(', ')} may be set` });
    if (j['basic-auth'] && j['basic-auth'].password !== undefined && j['basic-auth']['password-file'] !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['basic-auth'], message: 'at most one of password and password-file may be set' });
    }
    if (j.authorization) {
      if (j.authorization.credentials !== undefined && j.authorization['credentials-file'] !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['authorization'], message: 'at most one of credentials and credentials-file may be set' });
      }
      if (j.authorization.type.trim().toLowerCase() === 'basic') {
        ctx.addIssue({ code: 'custom', path: ['authorization', 'type'], message: 'authorization type cannot be "basic", use basic-auth' });
      }
    }
    if (j['scrape-timeout'] <= 0 || j['scrape-interval'] <= 0) {
      ctx.addIssue({ code: 'custom', message: 'scrape-interval and scrape-timeout must be above 0' });
    }
    const t = j['tls-config'];
    if (Boolean(t['cert-file']) !== Boolean(t['key-file'])) {
      ctx.addIssue({ code: 'custom', path: ['tls-config'], message: 'cert-file and key-file must be set together' });
    }
    for (const name of j['enabled-profiles']) {
      if (!DEFAULT_PROFILE_NAMES.includes(name) && j.profiles[name] === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['enabled-profiles'],
          message: `profile ${JSON.stringify(name)} is neither built in (${DEFAULT_PROFILE_NAMES.join(', ')}) nor defined under profiles`,
        });
      }
    }
    for (const [name, p] of Object.entries(j.profiles)) {
      if (!DEFAULT_PROFILE_NAMES.includes(name) && p.path === undefined) {
        ctx.addIssue({ code: 'custom', path: ['profiles', name, 'path'], message: `profile ${JSON.stringify(name)} needs a path` });
      }
      if (!/^[A-Za-z0-9_]+$/.test(name)) {
        ctx.addIssue({ code: 'custom', path: ['profiles', name], message: 'profile names may only use [A-Za-z0-9_]' });
      }
    }
    j['relabel-configs'].forEach((r, i) => {
      const at = ['relabel-configs', i];
      if (
        (r.action === 'replace' || r.action === 'hashmod' || r.action === 'lowercase' || r.action === 'uppercase' || r.action === 'keepequal' || r.action === 'dropequal') &&
        !r['target-label']
      ) {
        ctx.addIssue({ code: 'custom', path: at, message: `relabel action ${r.action} requires target-label` });
      }
      try {
        RE2JS.compile(`^(?:${r.regex})$`);
      } catch (e) {
        ctx.addIssue({ code: 'custom', path: [...at, 'regex'], message: `invalid RE2 regular expression: ${(e as Error).message}` });
      }
      if (r.action === 'hashmod' && !r.modulus) ctx.addIssue({ code: 'custom', path: at, message: 'relabel action hashmod requires a non-zero modulus' });
    });
  });

export const scrapeConfigsSchema = z.array(scrapeJobSchema).default([]).describe('Pull mode: jobs that scrape pprof endpoints');

export const scrapeSettingsSchema = z
  .object({
    'max-concurrency': z.coerce.number().int().min(1).max(100_000).default(64).describe('Scrapes in flight at once across all jobs; the rest wait for a slot'),
  })
  .strict()
  .prefault({});

export type RawScrapeJob = z.output<typeof scrapeJobSchema>;
export type RawRelabel = z.output<typeof relabelSchema>;

// Maps whose keys are user data (label names, parameter names, profile names): their keys are never rewritten.
const USER_MAPS = new Set(['labels', 'params', 'profiles', 'sample-types']);

/**
 * Accepts the original's snake_case spellings (`source_labels`, `basic_auth`) beside the kebab-case ones by
 * rewriting object keys `_` → `-`, except inside maps of user data. Both spellings of one key is an error.
 */
export function normalizeKeys(value: unknown, path: string, errors: string[], inUserMap = false): unknown {
  if (Array.isArray(value)) return value.map((v, i) => normalizeKeys(v, `${path}.${i}`, errors));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const key = inUserMap ? k : k.replace(/_/g, '-');
    if (key in out) errors.push(`${path}.${key}: given twice (as ${key} and ${k})`);
    // A profile's body and a sample type's body are config objects again.
    const childIsUserMap = !inUserMap && USER_MAPS.has(key);
    out[key] = normalizeKeys(v, `${path}.${k}`, errors, childIsUserMap);
  }
  return out;
}
