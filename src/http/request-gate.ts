// The one place a request's API key and tenant are decided, before any route runs. Routes fall into
// classes by path: public (health, metrics), ingest, admin (DELETE /api/apps, /-/reload) and query (everything else,
// so a route added later is protected by default). Failures answer 401 (no or wrong key, missing tenant),
// 403 (key without the role, tenant not the key's) or 400 (malformed tenant id), in the style of the route
// (Connect JSON, `/api/*` JSON or text), are counted by reason and logged rate-limited, never with the key.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { presentedKey } from '../auth/credentials.js';
import type { ApiKeyRecord, KeyRole, KeyVerifier } from '../auth/key-store.js';
import { DEFAULT_TENANT, TENANT_HEADER, tenantIdProblem } from '../model/tenant.js';
import { createRateLimitedLog } from '../remote-write/rate-limited-log.js';
import type { TenantStores } from '../store/tenant-stores.js';
import type { ProfileStore } from '../store/types.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The tenant whose data this request reads or writes (set by the gate; absent in bare test apps). */
    tenant?: string;
    /** The tenant to forward with remote write: the header as received while multi-tenancy is off. */
    sourceTenant?: string;
    /** The verified API key, when one was presented and checked. */
    apiKey?: ApiKeyRecord;
  }
}

/** The tenant of a request, `anonymous` where no gate ran. */
export const tenantOf = (req: FastifyRequest): string => req.tenant ?? DEFAULT_TENANT;

/** The store as the request's tenant sees it (a plain store, as in unit tests, is used as is). */
export const storeOf = (store: ProfileStore | TenantStores, req: FastifyRequest): ProfileStore => ('forTenant' in store ? store.forTenant(tenantOf(req)) : store);

export type RouteClass = 'public' | 'ingest' | 'query' | 'admin';

const PUBLIC_PATHS = new Set(['/healthz', '/ready', '/metrics']);
const INGEST_PATHS = new Set(['/ingest', '/pyroscope/ingest']);
const CONNECT_PATH = /\/[a-z0-9]+\.v1\.[A-Za-z]+Service\/[A-Za-z]+$/;

export function pathOf(url: string): string {
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q)).replace(/\/{2,}/g, '/');
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

export function classifyRoute(method: string, path: string): RouteClass {
  if (PUBLIC_PATHS.has(path)) return 'public';
  if (INGEST_PATHS.has(path) || path.endsWith('/push.v1.PusherService/Push')) return 'ingest';
  // Deleting data and re-reading the server's config are admin actions.
  if ((method === 'DELETE' && path === '/api/apps') || path === '/-/reload') return 'admin';
  return 'query';
}

const ROLES_FOR: Record<Exclude<RouteClass, 'public'>, readonly KeyRole[]> = {
  ingest: ['ingest', 'admin'],
  query: ['read', 'admin'],
  admin: ['admin'],
};

export type GateFailure = 'missing_key' | 'invalid_key' | 'revoked_key' | 'forbidden' | 'missing_tenant' | 'invalid_tenant' | 'tenant_mismatch';

export interface RequestGateOptions {
  /** Keys are checked only when one of the two switches is on (and for DELETE /api/apps). */
  verifier: KeyVerifier | undefined;
  ingestAuth: boolean;
  queryAuth: boolean;
  multitenancy: boolean;
  registry: Registry;
  logger: Logger;
  clock: Clock;
}

const CONNECT_CODE: Record<number, string> = { 400: 'invalid_argument', 401: 'unauthenticated', 403: 'permission_denied' };

function refuse(req: FastifyRequest, reply: FastifyReply, status: number, message: string) {
  const path = pathOf(req.url);
  if (status === 401) reply.header('www-authenticate', 'Basic realm="pyrelay", charset="UTF-8"');
  if (CONNECT_PATH.test(path)) {
    return reply
      .code(status)
      .type('application/json')
      .send(JSON.stringify({ code: CONNECT_CODE[status], message }));
  }
  if (path.startsWith('/api/'))
    return reply
      .code(status)
      .type('application/json; charset=utf-8')
      .send(JSON.stringify({ errors: [message] }));
  return reply.code(status).type('text/plain; charset=utf-8').send(`${message}\n`);
}

export function registerRequestGate(app: FastifyInstance, opts: RequestGateOptions): void {
  const failures = new Counter({
    name: 'pyrelay_auth_failures_total',
    help: 'Requests refused by the API key or tenant check, by reason and route class',
    labelNames: ['reason', 'route'] as const,
    registers: [opts.registry],
  });
  const log = createRateLimitedLog({
    logger: opts.logger,
    clock: opts.clock,
    level: 'warn',
    msg: 'request refused by the auth or tenant check',
    base: {},
    intervalMs: 10_000,
  });
  app.addHook('onClose', async () => log.close());

  app.addHook('onRequest', async (req, reply) => {
    const path = pathOf(req.url);
    const cls = classifyRoute(req.method, path);
    if (cls === 'public') return;

    const fail = (reason: GateFailure, status: number, message: string, key?: ApiKeyRecord) => {
      failures.inc({ reason, route: cls });
      log.event({ reason, route: cls, method: req.method, path, remote: req.ip, ...(key ? { keyName: key.name } : {}) });
      return refuse(req, reply, status, message);
    };

    const authRequired = cls === 'ingest' ? opts.ingestAuth : opts.queryAuth;
    const presented = presentedKey(req.headers.authorization);
    let key: ApiKeyRecord | undefined;
    if (authRequired) {
      if (presented.kind === 'none') return fail('missing_key', 401, 'authentication required: send an API key as Authorization: Bearer <key>');
      if (presented.kind === 'malformed') return fail('invalid_key', 401, 'invalid Authorization header: expected Bearer <key> or Basic');
      const result = opts.verifier!.verify(presented.key);
      if (!result.ok) return fail(result.reason, 401, result.reason === 'revoked_key' ? 'API key revoked' : 'invalid API key');
      key = result.key;
      if (!ROLES_FOR[cls].includes(key.role)) {
        const what = cls === 'ingest' ? 'ingest' : cls === 'admin' ? (path === '/-/reload' ? 'reload the config' : 'delete apps') : 'query';
        return fail('forbidden', 403, `permission denied: a ${key.role} key cannot ${what}`, key);
      }
    } else if (cls === 'admin' && presented.kind === 'key' && opts.verifier !== undefined) {
      // With query auth off, an admin key still unlocks DELETE /api/apps (otherwise refused by default).
      const result = opts.verifier.verify(presented.key);
      if (result.ok && result.key.role === 'admin') key = result.key;
    }

    const raw = req.headers[TENANT_HEADER];
    const header = (Array.isArray(raw) ? raw[0] : raw)?.trim() || undefined;
    let tenant = DEFAULT_TENANT;
    if (opts.multitenancy) {
      if (key?.tenant !== undefined) {
        if (header !== undefined && header !== key.tenant) {
          return fail('tenant_mismatch', 403, `permission denied: this API key belongs to another tenant than ${JSON.stringify(header)}`, key);
        }
        tenant = key.tenant;
      } else {
        if (header === undefined) return fail('missing_tenant', 401, 'no org id: multi-tenancy is enabled, send the tenant in X-Scope-OrgID');
        const problem = tenantIdProblem(header);
        if (problem) return fail('invalid_tenant', 400, `invalid X-Scope-OrgID: ${problem}`);
        tenant = header;
      }
    }
    req.tenant = tenant;
    req.sourceTenant = opts.multitenancy ? tenant : (header ?? DEFAULT_TENANT);
    req.apiKey = key;
  });
}
