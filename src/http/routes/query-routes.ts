// The query API: /render, /render-diff, /labels, /label-values (/api/apps is app-routes.ts). Thin adapters:
// parse parameters, call the store through src/query, shape the reply. Errors are PyrelayErrors rendered
// by the server's error handler, or retrievalFailed for store failures (both in error-handler.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { retrievalFailed } from '../error-handler.js';
import type { Clock } from '../../lib/clock.js';
import { firstValue, type QueryParams } from '../../lib/query-param.js';
import { PyrelayError, invalidParameter, isPyrelayError } from '../../model/errors.js';
import { queryLengthError } from '../../model/name.js';
import type { SeriesSelector } from '../../model/selector.js';
import { parseTime, rfc3339 } from '../../model/time.js';
import type { ProfileStore, TimeRange } from '../../store/types.js';
import { encodeCollapsed } from '../../query/collapsed.js';
import { parseFlameQL, parseQueryOrName } from '../../query/flameql.js';
import { renderDiff, renderQuery } from '../../query/render.js';
import { pprofTypesOfApp } from '../../query/grafana-querier.js';
import { treeToPprof } from '../../query/pprof-out.js';
import { ProfileSchema } from '../../proto/google/v1/profile_pb.js';
import { toBinary } from '@bufbuild/protobuf';
import type { TenantStores } from '../../store/tenant-stores.js';
import { storeOf } from '../request-gate.js';

export interface QueryRouteDeps {
  /** With tenants, each request reads its tenant's view (set by the request gate). */
  store: ProfileStore | TenantStores;
  clock: Clock;
  /** Default `max-nodes` for /render and /render-diff (OG `max-nodes-render`, 8192). */
  maxNodesRender: number;
}

const param = (req: FastifyRequest, name: string): string | undefined => firstValue(req.query as QueryParams | undefined, name);

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

export function registerQueryRoutes(app: FastifyInstance, deps: QueryRouteDeps): void {
  const { clock } = deps;

  const render = async (req: FastifyRequest, reply: FastifyReply) => {
    const store = storeOf(deps.store, req);
    // docs/compatibility.md#23: `name` is an alias; it may also be a segment key (`app{k=v}`), `query` is strict FlameQL.
    const query = param(req, 'query');
    const name = param(req, 'name');
    if (query === undefined && name === undefined) throw invalidParameter("'query' or 'name' parameter is required");
    const format = param(req, 'format') ?? 'json'; // docs/compatibility.md#23: json by default
    if (format !== 'json' && format !== 'collapsed' && format !== 'pprof') throw unknownFormat();
    const selector = query !== undefined ? parseFlameQL(query) : parseQueryOrName(name!);
    const range = rangeOf(req, 'from', 'until', clock.now());
    const maxNodes = maxNodesOf(req, deps.maxNodesRender);
    const groupBy = param(req, 'groupBy');
    const groupByErr = groupBy === undefined ? undefined : queryLengthError('tag key', groupBy);
    if (groupByErr !== undefined) throw invalidParameter(`groupBy: ${groupByErr}`);
    if (format === 'pprof') {
      let result;
      try {
        result = await store.select(selector, range);
      } catch (e) {
        if (isPyrelayError(e)) throw e;
        return retrievalFailed(reply, e);
      }
      const types = pprofTypesOfApp(selector.appName, result.metadata?.sampleRate ?? 0, result.metadata?.units);
      const profile = treeToPprof(result.tree, {
        ...types,
        timeNanos: BigInt(range.startMs) * 1_000_000n,
        durationNanos: BigInt(Math.max(0, range.endMs - range.startMs)) * 1_000_000n,
      });
      const filename = `${selector.appName} ${rfc3339(range.startMs)}.pprof`;
      return reply
        .type('application/octet-stream')
        .header('content-disposition', `attachment; filename=${JSON.stringify(filename)}`)
        .send(Buffer.from(toBinary(ProfileSchema, profile)));
    }
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
    const store = storeOf(deps.store, req);
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

  /** Optional `query` plus from/until: the range only when one of them is given (docs/compatibility.md#24). */
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
    const store = storeOf(deps.store, req);
    const { selector, range } = labelScope(req);
    try {
      return sendJson(reply, await store.labelNames(selector, range));
    } catch (e) {
      if (isPyrelayError(e)) throw e;
      return retrievalFailed(reply, e);
    }
  });

  app.get('/label-values', async (req, reply) => {
    const store = storeOf(deps.store, req);
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
}
