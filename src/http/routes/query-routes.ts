// The query API (spec 5): /render, /render-diff, /labels, /label-values and /api/apps. Thin adapters:
// parse parameters, call the store through src/query, shape the reply. Errors on the text routes are
// PyrelayErrors rendered by the server's error handler; /api/* replies `{"errors":[...]}` itself.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../lib/clock.js';
import { PyrelayError, invalidParameter, isPyrelayError } from '../../model/errors.js';
import { QUERY_NAME_LIMITS, parseName, queryLengthError } from '../../model/name.js';
import type { SeriesSelector } from '../../model/selector.js';
import { parseTime } from '../../model/time.js';
import type { ProfileStore, TimeRange } from '../../store/types.js';
import { encodeCollapsed } from '../../query/collapsed.js';
import { parseFlameQL, parseQueryOrName } from '../../query/flameql.js';
import { renderDiff, renderQuery } from '../../query/render.js';

export interface QueryRouteDeps {
  store: ProfileStore;
  clock: Clock;
  /** Default `max-nodes` for /render and /render-diff (OG `max-nodes-render`, 8192). */
  maxNodesRender: number;
  /** DELETE /api/apps without auth (decision 26); off by default. */
  allowUnauthenticatedDelete: boolean;
}

type Query = Record<string, string | string[] | undefined>;

/** First value of a query parameter; empty strings count as absent. */
function param(req: FastifyRequest, name: string): string | undefined {
  const raw = (req.query as Query | undefined)?.[name];
  const v = Array.isArray(raw) ? raw[0] : raw;
  return v === undefined || v === '' ? undefined : v;
}

function rangeOf(req: FastifyRequest, fromKey: string, untilKey: string, nowMs: number): TimeRange {
  return { startMs: parseTime(param(req, fromKey), nowMs).ms, endMs: parseTime(param(req, untilKey), nowMs).ms };
}

/** `max-nodes` or `maxNodes`: a non-zero integer, -1 = no truncation. */
function maxNodesOf(req: FastifyRequest, fallback: number): number {
  const raw = param(req, 'max-nodes') ?? param(req, 'maxNodes');
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw.trim())) throw invalidParameter(`max-nodes: not an integer: ${raw}`);
  const n = Number(raw.trim());
  if (n === 0 || n < -1 || !Number.isSafeInteger(n)) throw invalidParameter(`max-nodes must be a positive integer or -1 (no truncation), got ${raw}`);
  return n;
}

const unknownFormat = () => new PyrelayError('unknown_format', 'unknown format');

/** 500 in the original's words; only store failures get here (typed errors go to the error handler). */
const retrievalFailed = (reply: FastifyReply, e: unknown) =>
  reply.code(500).type('text/plain; charset=utf-8').send(`failed to retrieve data: ${JSON.stringify((e as Error).message ?? String(e))}\n`);

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

const apiError = (reply: FastifyReply, status: number, message: string) =>
  reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify({ errors: [message] }));

const DELETE_DENIED =
  'permission denied: set api.allow-unauthenticated-delete: true to delete apps on a server without auth';

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

export function registerQueryRoutes(app: FastifyInstance, deps: QueryRouteDeps): void {
  const { store, clock } = deps;

  const render = async (req: FastifyRequest, reply: FastifyReply) => {
    // Decision 23: `name` is an alias; it may also be a segment key (`app{k=v}`), `query` is strict FlameQL.
    const query = param(req, 'query');
    const name = param(req, 'name');
    if (query === undefined && name === undefined) throw invalidParameter("'query' or 'name' parameter is required");
    const format = param(req, 'format') ?? 'json'; // decision 23: json by default
    if (format !== 'json' && format !== 'collapsed') throw unknownFormat();
    const selector = query !== undefined ? parseFlameQL(query) : parseQueryOrName(name!);
    const range = rangeOf(req, 'from', 'until', clock.now());
    const maxNodes = maxNodesOf(req, deps.maxNodesRender);
    const groupBy = param(req, 'groupBy');
    const groupByErr = groupBy === undefined ? undefined : queryLengthError('tag key', groupBy);
    if (groupByErr !== undefined) throw invalidParameter(`groupBy: ${groupByErr}`);
    if (format === 'collapsed') {
      let tree;
      try {
        tree = (await store.select(selector, range)).tree;
      } catch (e) {
        if (isPyrelayError(e)) throw e;
        return retrievalFailed(reply, e);
      }
      const filename = `${selector.appName} ${rfc3339(range.startMs)}.collapsed.txt`;
      return reply
        .type('text/plain; charset=utf-8')
        .header('content-disposition', `attachment; filename=${JSON.stringify(filename)}`)
        .send(encodeCollapsed(tree));
    }
    try {
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(await renderQuery(store, { selector, range, maxNodes, groupBy })));
    } catch (e) {
      if (isPyrelayError(e)) throw e;
      return retrievalFailed(reply, e);
    }
  };
  app.route({ method: ['GET', 'POST'], url: '/render', handler: render });

  app.get('/render-diff', async (req, reply) => {
    const format = param(req, 'format') ?? 'json';
    if (format !== 'json') throw unknownFormat();
    const leftText = param(req, 'leftQuery');
    const rightText = param(req, 'rightQuery');
    if (leftText === undefined) throw invalidParameter("'leftQuery' parameter is required");
    if (rightText === undefined) throw invalidParameter("'rightQuery' parameter is required");
    const now = clock.now();
    const left = { selector: parseFlameQL(leftText), range: rangeOf(req, 'leftFrom', 'leftUntil', now) };
    const right = { selector: parseFlameQL(rightText), range: rangeOf(req, 'rightFrom', 'rightUntil', now) };
    const maxNodes = maxNodesOf(req, deps.maxNodesRender);
    try {
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(await renderDiff(store, left, right, maxNodes)));
    } catch (e) {
      if (isPyrelayError(e)) throw e;
      return retrievalFailed(reply, e);
    }
  });
  app.route({
    method: ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'],
    url: '/render-diff',
    handler: async (_req, reply) => reply.code(405).type('text/plain; charset=utf-8').send('method not allowed\n'),
  });

  /** Optional `query` plus from/until: the range only when one of them is given (decision 24). */
  const labelScope = (req: FastifyRequest): { selector?: SeriesSelector; range?: TimeRange } => {
    const text = param(req, 'query');
    const timed = param(req, 'from') !== undefined || param(req, 'until') !== undefined;
    return {
      selector: text === undefined ? undefined : parseFlameQL(text),
      range: timed ? rangeOf(req, 'from', 'until', clock.now()) : undefined,
    };
  };
  const sendJson = (reply: FastifyReply, value: unknown) => reply.type('application/json; charset=utf-8').send(JSON.stringify(value));

  app.get('/labels', async (req, reply) => {
    const { selector, range } = labelScope(req);
    try {
      return sendJson(reply, await store.labelNames(selector, range));
    } catch (e) {
      if (isPyrelayError(e)) throw e;
      return retrievalFailed(reply, e);
    }
  });

  app.get('/label-values', async (req, reply) => {
    const label = param(req, 'label');
    if (label === undefined) throw invalidParameter('label parameter is required');
    const labelErr = queryLengthError('tag key', label);
    if (labelErr !== undefined) throw invalidParameter(`label: ${labelErr}`);
    const { selector, range } = labelScope(req);
    try {
      return sendJson(reply, await store.labelValues(label, selector, range));
    } catch (e) {
      if (isPyrelayError(e)) throw e;
      return retrievalFailed(reply, e);
    }
  });

  app.get('/api/apps', async (_req, reply) => {
    try {
      const apps = await store.apps();
      // Fields other than `name` are omitted when empty (5.9).
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
      return reply.code(500).send(); // /api/* 500s have an empty body (5.9)
    }
  });

  app.route({
    method: 'DELETE',
    url: '/api/apps',
    // Checked before the body is read, so a denied request never reaches body parsing.
    onRequest: async (_req, reply) => {
      if (!deps.allowUnauthenticatedDelete) return apiError(reply, 403, DELETE_DENIED);
    },
    // A JSON content-type parser (if the server has one) fails before the handler: same OG texts.
    errorHandler: (error: FastifyError, _req, reply) => {
      if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return apiError(reply, 400, 'request body required');
      if (error.code?.startsWith('FST_ERR_CTP') && (error.statusCode ?? 500) < 500) {
        return apiError(reply, error.statusCode === 413 ? 413 : 400, error.statusCode === 413 ? error.message : 'request body contains malformed JSON');
      }
      return reply.code(500).send();
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
        deleted = await store.deleteApp(appName);
      } catch {
        return reply.code(500).send();
      }
      if (!deleted) return apiError(reply, 404, `app not found: ${appName}`);
      return reply.code(200).send();
    },
  });
}
