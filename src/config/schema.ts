// The one config schema: YAML keys (the original Pyroscope server's, kebab-case), types, defaults, bounds and
// descriptions. Everything else (the loader, env vars, CLI flags, README table) is derived from it.
import { cpus } from 'node:os';
import { z } from 'zod';
import { MAX_APP_NAME_LENGTH, MAX_TAG_KEY_LENGTH, MAX_TAG_VALUE_BYTES, validateTagKey } from '../model/name.js';
import { tenantIdProblem } from '../model/tenant.js';
import { scrapeConfigsSchema, scrapeSettingsSchema } from './scrape-schema.js';
import { duration, size } from './zod-units.js';

const int = (def: number, min: number, max: number, desc: string) => z.coerce.number().int().min(min).max(max).default(def).describe(desc);

const bool = (def: boolean, desc: string) =>
  z
    .union([z.boolean(), z.enum(['true', 'false', '1', '0'])])
    .default(def)
    .transform((v) => v === true || v === 'true' || v === '1')
    .describe(desc);

const stringMap = z.record(z.string(), z.coerce.string()).default({});

/** `min(CPUs × 4, 64)`: the original's code, not its docs (docs/compatibility.md#6). */
export const defaultQueueWorkers = () => Math.min(cpus().length * 4, 64);

const httpUrl = z.string().refine(
  (s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  },
  { message: 'address must be an http:// or https:// URL' },
);

export const targetSchema = z
  .object({
    address: httpUrl.describe('Base URL of the remote Pyroscope-compatible server; requests go to <address>/ingest'),
    'auth-token': z.string().default('').describe('Sent as Authorization: Bearer <token>'),
    'basic-auth-user': z.string().default('').describe('Basic auth user (needs basic-auth-password)'),
    'basic-auth-password': z.string().default('').describe('Basic auth password'),
    'tenant-id': z.string().default('').describe('Sent as X-Scope-OrgID; `passthrough` forwards the tenant the profile arrived with'),
    tags: stringMap.describe('Tags merged into the forwarded name; they override same-named tags'),
    headers: stringMap.describe('Extra HTTP headers (lowest precedence)'),
    timeout: duration('10s', 'Per-attempt timeout of one forwarded request'),
    'queue-size': int(100, 1, 1_000_000, 'Items held in memory per target'),
    'queue-workers': int(0, 0, 1024, 'Concurrent requests per target; 0 means min(CPUs x 4, 64)'),
    durable: bool(true, 'Keep the backlog on disk so restarts and outages lose nothing; false = memory only'),
    'max-backlog-bytes': size('1GiB', 'Byte budget of this target’s backlog; past it the oldest items are dropped'),
    'max-age': duration('0', 'Drop items older than this instead of sending them; 0 = never'),
    'min-backoff': duration('500ms', 'First retry delay'),
    'max-backoff': duration('30s', 'Largest retry delay'),
    'backoff-multiplier': z.coerce.number().min(1).max(10).default(2).describe('Growth factor of the retry delay'),
    'backoff-jitter': z.coerce.number().min(0).max(1).default(0.5).describe('Random spread of each delay (0.5 = ±50%)'),
    'max-429-retries': int(10, 0, 1_000_000, 'Retries of one item answered 429 before it is dropped'),
    'max-attempts': int(0, 0, 1_000_000, 'Attempts per item before it is dropped; 0 = no limit (max-age and the byte budget still bound it)'),
    protocol: z
      .enum(['ingest', 'push'])
      .default('ingest')
      .describe('`ingest`: POST <address>/ingest (original Pyroscope, pyrelay); `push`: Grafana Pyroscope Push API at <address>/push.v1.PusherService/Push'),
    'max-batch-bytes': size('1MiB', 'protocol push: queued profiles sent in one Push request up to this many bytes (one larger profile goes alone)'),
    'rewrite-dotted-tag-keys': bool(false, 'Rewrite `.` to `_` in tag keys, for original Pyroscope targets that reject dots'),
  })
  .strict();

export const configSchema = z
  .object({
    'api-bind-addr': z.string().default(':4040').describe('Listen address, `:port` or `host:port`'),
    'storage-path': z.string().min(1).default('./data').describe('Directory of the embedded store and the remote-write backlog'),
    'log-level': z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info').describe('Log level'),
    retention: duration('0', 'Delete profiles older than this; 0 keeps them forever'),
    'max-nodes-serialization': int(2048, 1, 1_000_000, 'Nodes kept per stored tree; the rest is folded into `other`'),
    'max-nodes-render': int(8192, 1, 1_000_000, 'Default max-nodes of /render'),
    'shutdown-timeout': duration('30s', 'How long shutdown waits for in-flight requests and sends'),
    ingest: z
      .object({
        'max-body-bytes': size('64MiB', 'Largest accepted /ingest body (413 past it)'),
        'max-decompressed-bytes': size('256MiB', 'Largest body after Content-Encoding or inner gzip (413 past it)'),
        'max-series-per-request': int(10_000, 1, 10_000_000, 'Series one request may produce (422 past it)'),
        'max-labels-per-series': int(64, 1, 10_000, 'Tags per series, in `name` and from the profile (422 past it)'),
        'max-app-name-length': int(512, 1, MAX_APP_NAME_LENGTH, 'Characters of an application name in `name` (400 past it)'),
        'max-tag-key-length': int(128, 1, MAX_TAG_KEY_LENGTH, 'Characters of a tag key in `name` (400 past it)'),
        'max-tag-value-length': int(1024, 1, MAX_TAG_VALUE_BYTES, 'UTF-8 bytes of a tag value in `name` (400 past it)'),
        'max-multipart-parts': int(32, 1, 10_000, 'Parts of one multipart/form-data body (422 past it)'),
        'request-timeout': duration('15s', 'Server-side limit on one request, so a slow client cannot hold a slot'),
        'max-profiles-per-push': int(1000, 1, 1_000_000, 'RawSamples one Push request may carry (resource_exhausted past it)'),
        'dedup-window': duration('10m', 'Window in which a repeated X-Pyrelay-Profile-Id is answered 200 and not stored'),
        'max-nodes-per-request': int(
          250_000,
          1,
          100_000_000,
          'Distinct call-tree nodes one request may produce over all its series (distinct stacks where a body is only validated); 422 past it, checked while decoding',
        ),
        'decode-workers': int(0, 0, 64, 'Worker threads that decode (validate) bodies off the event loop; 0 = one per CPU'),
        'decode-worker-memory': size('256MiB', 'JS heap limit of one decode worker; a body needing more gets 422 and the worker is replaced'),
        'decode-inline-max-bytes': int(
          65_536,
          0,
          1 << 20,
          'Folded and lines bodies up to this size without Content-Encoding are validated on the event loop (cheaper than a thread hop, at most a few ms); 0 = always in a worker',
        ),
      })
      .strict()
      .prefault({}),
    api: z
      .object({
        'allow-unauthenticated-delete': bool(false, 'Allow DELETE /api/apps without auth'),
      })
      .strict()
      .prefault({}),
    auth: z
      .object({
        ingestion: z
          .object({ enabled: bool(false, 'Require an ingest or admin API key on /ingest and the Push API') })
          .strict()
          .prefault({}),
        query: z
          .object({ enabled: bool(false, 'Require a read or admin API key on queries, the querier, the UI and its APIs') })
          .strict()
          .prefault({}),
        'keys-file': z.string().default('').describe('API key file written by `pyrelay keys`; empty = <storage-path>/auth/keys.json'),
        'key-reload-interval': duration('1s', 'How often the key file is checked for changes (revocations apply within this)'),
      })
      .strict()
      .prefault({}),
    'multitenancy-enabled': bool(false, 'Partition data by X-Scope-OrgID (required on every request); false = one tenant, `anonymous`'),
    tenants: z
      .record(z.string(), z.object({ retention: duration('0', 'Delete this tenant’s profiles older than this; 0 = the global retention') }).strict())
      .default({})
      .describe('Per-tenant settings keyed by tenant id'),
    'remote-write': z
      .object({
        enabled: bool(false, 'Forward every ingested profile to the targets'),
        'disable-local-writes': bool(false, 'Relay mode: validate and forward, store nothing locally'),
        'send-thread': bool(false, 'Send to the targets from one worker thread (connections, socket writes, timeouts) instead of the thread that accepts requests'),
        targets: z.record(z.string(), targetSchema).default({}).describe('Remote targets keyed by name'),
      })
      .strict()
      .prefault({}),
    'scrape-configs': scrapeConfigsSchema,
    scrape: scrapeSettingsSchema,
  })
  .strict()
  .superRefine((c, ctx) => {
    for (const id of Object.keys(c.tenants)) {
      const problem = tenantIdProblem(id);
      if (problem) ctx.addIssue({ code: 'custom', path: ['tenants', id], message: `invalid tenant id: ${problem}` });
    }
    const rw = c['remote-write'];
    if (rw.enabled && Object.keys(rw.targets).length === 0) {
      ctx.addIssue({ code: 'custom', path: ['remote-write', 'targets'], message: 'remote write is enabled but no targets are set up' });
    }
    for (const [name, t] of Object.entries(rw.targets)) {
      const at = ['remote-write', 'targets', name];
      if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
        ctx.addIssue({ code: 'custom', path: at, message: `target name ${JSON.stringify(name)} may only use [A-Za-z0-9_.-]` });
      }
      if (Boolean(t['basic-auth-user']) !== Boolean(t['basic-auth-password'])) {
        ctx.addIssue({ code: 'custom', path: at, message: 'basic-auth-user and basic-auth-password must be set together' });
      }
      // Several auth options at once load with the original's precedence and a warning (auth-precedence.ts).
      // Forwarded names must parse on the receiving side: the same key rules as `name` (no reserved __* keys).
      for (const key of Object.keys(t.tags)) {
        const err = validateTagKey(key);
        if (err !== undefined) ctx.addIssue({ code: 'custom', path: [...at, 'tags'], message: err });
      }
      if (t['min-backoff'] > t['max-backoff']) {
        ctx.addIssue({ code: 'custom', path: at, message: 'min-backoff must not exceed max-backoff' });
      }
    }
    const jobs = new Set<string>();
    c['scrape-configs'].forEach((j, i) => {
      if (jobs.has(j['job-name'])) ctx.addIssue({ code: 'custom', path: ['scrape-configs', i, 'job-name'], message: `job-name ${JSON.stringify(j['job-name'])} is used twice` });
      jobs.add(j['job-name']);
    });
  });

export type RawConfig = z.output<typeof configSchema>;

/**
 * Top-level keys of the original server that pyrelay accepts and ignores (with a warning), so an existing
 * server.yml loads unchanged. Anything else unknown is a start-up error (a typo must not pass silently).
 */
export const ignoredOriginalKeys = [
  'analytics-opt-out',
  'no-self-profiling',
  'badger-log-level',
  'badger-no-truncate',
  'cache-evict-threshold',
  'cache-evict-volume',
  'cache-dimensions-size',
  'cache-dictonary-size',
  'cache-segment-size',
  'cache-tree-size',
  'max-nodes-serialization-legacy',
  'hide-applications',
  'retention-levels',
  'exemplars-retention',
  'sample-rate',
  'disable-pprof-endpoint',
  'enable-experimental-admin',
  'base-url',
  'admin-socket-path',
  'metrics-export-rules',
  'tls-certificate-file',
  'tls-key-file',
  'cors',
  'database',
  'enable-experimental-annotations',
  'remote-read',
  'min-free-space-percentage',
  'query-analytics',
  'self-profiling',
  'log-format',
  'dedup',
];

/**
 * Keys under `auth` of the original server (login, OAuth, JWT, bcrypt cost, the ingestion key cache) that
 * pyrelay accepts and ignores with a warning: its keys are hashed with SHA-256 and re-read on change.
 */
export const ignoredOriginalAuthKeys = [
  'internal',
  'google',
  'gitlab',
  'github',
  'jwt-secret',
  'login-maximum-lifetime-days',
  'signup-default-role',
  'api-key-bcrypt-cost',
  'cookie-same-site',
  'cookie-secure',
];
