// /api/apps: list apps (GET) and delete one (DELETE, off without auth unless configured:
// docs/compatibility.md#26). Errors here are the original's JSON `{"errors":[...]}` (apiError in
// error-handler.ts), not the text format of the other routes.
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { QUERY_NAME_LIMITS, parseName } from '../../model/name.js';
import type { ProfileStore } from '../../store/types.js';
import type { TenantStores } from '../../store/tenant-stores.js';
import { apiError } from '../error-handler.js';
import { storeOf } from '../request-gate.js';

export interface AppRouteDeps {
  /** With tenants, each request sees its tenant's apps (set by the request gate). */
  store: ProfileStore | TenantStores;
  /** DELETE /api/apps without auth; off by default. */
  allowUnauthenticatedDelete: boolean;
}

const DELETE_DENIED = 'permission denied: deleting apps needs an admin API key (or api.allow-unauthenticated-delete: true)';

/** The body of DELETE /api/apps as a value, whichever parser ran (the server keeps raw buffers). */
function jsonBody(body: unknown): { ok: true; value: unknown } | { ok: false; error: string } {
  if (body === undefined || body === null) return { ok: false, error: 'request body required' };
  if (Buffer.isBuffer(body) || typeof body === 'string') {
    const text = body.toString();
    if (text.trim() === '') return { ok: false, error: 'request body required' };
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch {
      return { ok: false, error: 'request body contains malformed JSON' };
    }
  }
  return { ok: true, value: body };
}

export function registerAppRoutes(app: FastifyInstance, deps: AppRouteDeps): void {
  const sendJson = (reply: FastifyReply, value: unknown) => reply.type('application/json; charset=utf-8').send(JSON.stringify(value));

  app.get('/api/apps', async (req, reply) => {
    try {
      const apps = await storeOf(deps.store, req).apps();
      // Fields other than `name` are omitted when empty.
      return sendJson(
        reply,
        apps.map((a) => ({
          name: a.name,
          ...(a.spyName ? { spyName: a.spyName } : {}),
          ...(a.sampleRate ? { sampleRate: a.sampleRate } : {}),
          ...(a.units ? { units: a.units } : {}),
        })),
      );
    } catch {
      return reply.code(500).send(); // /api/* 500s have an empty body
    }
  });

  app.route({
    method: 'DELETE',
    url: '/api/apps',
    // Checked before the body is read, so a denied request never reaches body parsing.
    onRequest: (req, reply, done) => {
      // An admin key (checked by the request gate) or the explicit opt-out.
      if (deps.allowUnauthenticatedDelete || req.apiKey?.role === 'admin') return done();
      apiError(reply, 403, DELETE_DENIED); // answered here: done() is not called
    },
    // A JSON content-type parser (if the server has one) fails before the handler: same OG texts.
    errorHandler: (error: FastifyError, _req, reply): void => {
      if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') apiError(reply, 400, 'request body required');
      else if (error.code?.startsWith('FST_ERR_CTP') && (error.statusCode ?? 500) < 500) {
        apiError(reply, error.statusCode === 413 ? 413 : 400, error.statusCode === 413 ? error.message : 'request body contains malformed JSON');
      } else reply.code(500).send();
    },
    handler: async (req, reply) => {
      const parsed = jsonBody(req.body);
      if (!parsed.ok) return apiError(reply, 400, parsed.error);
      const name = (parsed.value as { name?: unknown } | null)?.name;
      if (typeof name !== 'string' || name.trim() === '') return apiError(reply, 400, 'app name is required');
      let appName: string;
      try {
        const key = parseName(name, QUERY_NAME_LIMITS);
        if (Object.keys(key.labels).length > 0) return apiError(reply, 400, 'only app name is supported');
        appName = key.appName;
      } catch (e) {
        return apiError(reply, 400, (e as Error).message);
      }
      let deleted: boolean;
      try {
        deleted = await storeOf(deps.store, req).deleteApp(appName);
      } catch {
        return reply.code(500).send();
      }
      if (!deleted) return apiError(reply, 404, `app not found: ${appName}`);
      return reply.code(200).send();
    },
  });
}
