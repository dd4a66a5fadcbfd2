// Loads the config from file (with ${ENV} substitution), PYROSCOPE_* environment variables and CLI flags,
// with flags > env > file > defaults, and validates it against the one schema.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { PyrelayError } from '../model/errors.js';
import { parseListen, toConfig, type Config } from './config.js';
import { configSchema, ignoredOriginalKeys } from './schema.js';
import { authPrecedenceWarnings } from './auth-precedence.js';
import { normalizeKeys } from './scrape-schema.js';

export interface ScalarSetting {
  /** Dotted YAML path, e.g. `remote-write.enabled`. */
  path: string;
  /** `PYROSCOPE_REMOTE_WRITE_ENABLED`. */
  env: string;
  description: string;
  defaultValue: unknown;
}

export interface LoadOptions {
  file?: string;
  /** The process environment (passed in; nothing here reads process.env). */
  env: Record<string, string | undefined>;
  /** Flag values keyed by dotted YAML path. */
  flags: Record<string, string | boolean | undefined>;
}

export interface Loaded {
  config: Config;
  warnings: string[];
}

const configError = (msg: string) => new PyrelayError('invalid_config', `invalid configuration: ${msg}`);

/** Every scalar key of the schema (not maps such as targets/tags), derived by walking it. */
export function scalarSettings(): ScalarSetting[] {
  const out: ScalarSetting[] = [];
  const walk = (shape: Record<string, z.ZodType>, prefix: string) => {
    for (const [key, schema] of Object.entries(shape)) {
      const path = prefix + key;
      const inner = unwrap(schema);
      const def = (inner as { _zod: { def: { type: string } } })._zod.def;
      if (def.type === 'object') walk((inner as z.ZodObject).shape, path + '.');
      else if (def.type === 'record' || def.type === 'array') continue;
      else
        out.push({
          path,
          env: 'PYROSCOPE_' + path.toUpperCase().replace(/[.-]/g, '_'),
          description: schema.description ?? '',
          defaultValue: defaultOf(schema),
        });
    }
  };
  walk(configSchema.shape, '');
  return out;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema as unknown as { _zod: { def: { type: string; innerType?: unknown; in?: unknown } } };
  for (;;) {
    const def = s._zod.def;
    if (def.type === 'default' || def.type === 'prefault' || def.type === 'optional') s = def.innerType as typeof s;
    else if (def.type === 'pipe') s = def.in as typeof s;
    else return s as unknown as z.ZodType;
  }
}

function defaultOf(schema: z.ZodType): unknown {
  let s = schema as unknown as { _zod: { def: { type: string; innerType?: unknown; in?: unknown; defaultValue?: unknown } } };
  for (let i = 0; i < 5; i++) {
    const def = s._zod.def;
    if (def.type === 'default') return typeof def.defaultValue === 'function' ? (def.defaultValue as () => unknown)() : def.defaultValue;
    if (def.type === 'pipe') s = def.in as typeof s;
    else if (def.type === 'optional') s = def.innerType as typeof s;
    else return undefined;
  }
  return undefined;
}

/** `${NAME}` and `${NAME:-fallback}` from the environment; an unset name without fallback becomes ''. */
export function substituteEnv(text: string, env: Record<string, string | undefined>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, fallback?: string) => env[name] ?? fallback ?? '');
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown) {
  const keys = path.split('.');
  let cur = obj;
  for (const k of keys.slice(0, -1)) {
    const next = cur[k];
    if (typeof next !== 'object' || next === null) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]] = value;
}

function valueAt(obj: unknown, path: PropertyKey[]): unknown {
  let cur = obj;
  for (const k of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

const SECRET_KEYS = /(token|password|secret|credentials)/i;

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const key = issue.path.join('.') || '(top level)';
  if (issue.code === 'unrecognized_keys') {
    return `${issue.path.length ? key + ': ' : ''}unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
  }
  const value = valueAt(raw, issue.path);
  // Only scalars are echoed: an object (a whole scrape job, a target) may hold secrets under other keys.
  const shown = value === undefined || (typeof value === 'object' && value !== null) ? '' : SECRET_KEYS.test(key) ? ' (value hidden)' : ` (got ${JSON.stringify(value)})`;
  return `${key}: ${issue.message}${shown}`;
}

export function loadConfig(opts: LoadOptions): Loaded {
  const warnings: string[] = [];
  let raw: Record<string, unknown> = {};
  if (opts.file) {
    let text: string;
    try {
      text = readFileSync(opts.file, 'utf8');
    } catch (e) {
      throw configError(`cannot read config file ${opts.file}: ${(e as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(substituteEnv(text, opts.env));
    } catch (e) {
      // First line only: the parser's excerpt of the offending line could show a secret.
      throw configError(`${opts.file} is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
    }
    if (parsed !== null && parsed !== undefined) {
      if (typeof parsed !== 'object' || Array.isArray(parsed)) throw configError(`${opts.file} must be a YAML mapping of keys`);
      raw = parsed as Record<string, unknown>;
    }
    if (raw['scrape-configs'] !== undefined) {
      const errors: string[] = [];
      raw['scrape-configs'] = normalizeKeys(raw['scrape-configs'], 'scrape-configs', errors);
      if (errors.length > 0) throw configError(errors.join('; '));
    }
    for (const key of Object.keys(raw)) {
      if (ignoredOriginalKeys.includes(key)) {
        warnings.push(`config key ${JSON.stringify(key)} of the original Pyroscope server is not used by pyrelay and is ignored`);
        delete raw[key];
      }
    }
  }
  for (const s of scalarSettings()) {
    const fromEnv = opts.env[s.env];
    if (fromEnv !== undefined && fromEnv !== '') setPath(raw, s.path, fromEnv);
  }
  for (const s of scalarSettings()) {
    const fromFlag = opts.flags[s.path];
    if (fromFlag !== undefined) setPath(raw, s.path, fromFlag);
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((i) => describeIssue(i, raw));
    throw configError(lines.join('; '));
  }
  if (parseListen(result.data['api-bind-addr']) === undefined) {
    throw configError(`api-bind-addr: expected ":port" or "host:port" (got ${JSON.stringify(result.data['api-bind-addr'])})`);
  }
  warnings.push(...authPrecedenceWarnings(result.data));
  const config = toConfig(result.data);
  resolveInCluster(config, opts.env);
  return { config, warnings };
}

/** Kubernetes discovery without api-server or kubeconfig-file runs in-cluster: the service's address comes from the environment. */
function resolveInCluster(config: Config, env: Record<string, string | undefined>): void {
  for (const job of config.scrape.jobs) {
    for (const k of job.kubernetesSdConfigs) {
      if (!k.inCluster) continue;
      const host = env.KUBERNETES_SERVICE_HOST;
      const port = env.KUBERNETES_SERVICE_PORT;
      if (!host || !port) {
        throw configError(
          `scrape-configs (job ${JSON.stringify(job.jobName)}): kubernetes-sd-configs has no api-server or kubeconfig-file and KUBERNETES_SERVICE_HOST/PORT are not set (not running in a cluster)`,
        );
      }
      k.apiServer = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
    }
  }
}
