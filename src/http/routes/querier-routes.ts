// Grafana's Pyroscope data source speaks querier.v1.QuerierService over Connect unary: POST
// /querier.v1.QuerierService/<Method> (also under /pyroscope/), a binary protobuf (`application/proto`) or
// protobuf-JSON (`application/json`) body, the answer in the same encoding, errors as JSON
// `{"code","message"}` with the Connect status. Messages are the generated official types; the work is
// in query/grafana-querier.ts. Methods not served answer `unimplemented` (501).
import { create, fromBinary, fromJsonString, toBinary, toJsonString, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../lib/clock.js';
import { CONNECT_STATUS, connectCodeOf, type ConnectCode } from '../../model/connect.js';
import { isPyrelayError } from '../../model/errors.js';
import type { Tree } from '../../model/tree.js';
import { decodeContentEncoding } from '../../ingest/content-encoding.js';
import { encodeDiff } from '../../query/diff.js';
import { encodeFlamebearer } from '../../query/flamebearer.js';
import * as querier from '../../query/grafana-querier.js';
import { treeToPprof } from '../../query/pprof-out.js';
import { FlameGraphDiffSchema, FlameGraphSchema, QuerierService, type SelectMergeStacktracesRequest } from '../../proto/querier/v1/querier_pb.js';
import { TimeSeriesAggregationType } from '../../proto/types/v1/types_pb.js';
import type { TenantStores } from '../../store/tenant-stores.js';
import type { ProfileStore, TimeRange } from '../../store/types.js';
import { storeOf } from '../request-gate.js';

export interface QuerierRouteDeps {
  store: ProfileStore | TenantStores;
  clock: Clock;
  /** max_nodes when the request does not set one (max-nodes-render). */
  maxNodesRender: number;
  /** Largest request body after Content-Encoding. */
  maxDecompressedBytes: number;
}

class ConnectError extends Error {
  constructor(
    readonly code: ConnectCode,
    message: string,
  ) {
    super(message);
  }
}

type Methods = typeof QuerierService.method;
type Handler<K extends keyof Methods> = (input: MessageShape<Methods[K]['input']>, store: ProfileStore) => Promise<MessageInitShape<Methods[K]['output']>>;

const ms = (v: bigint) => Number(v);

export function registerQuerierRoutes(app: FastifyInstance, deps: QuerierRouteDeps): void {
  /** Start/end in ms; zero or missing end means now, as Grafana's "only recent data" case. */
  const rangeOf = (start: bigint, end: bigint): TimeRange => {
    const endMs = end > 0n ? ms(end) : deps.clock.now();
    const startMs = start > 0n ? ms(start) : 0;
    if (startMs > endMs) throw new ConnectError('invalid_argument', `start (${startMs}) is after end (${endMs})`);
    return { startMs, endMs };
  };
  const optionalRange = (start: bigint, end: bigint): TimeRange | undefined => (start === 0n && end === 0n ? undefined : rangeOf(start, end));
  const maxNodesOf = (v: bigint | undefined) => (v !== undefined && v > 0n ? Number(v) : deps.maxNodesRender);

  const mergeTree = (r: Pick<SelectMergeStacktracesRequest, 'profileTypeID' | 'labelSelector' | 'start' | 'end'>, store: ProfileStore): Promise<Tree> =>
    querier.mergeStacktraces(store, { profileTypeId: r.profileTypeID, labelSelector: r.labelSelector, range: rangeOf(r.start, r.end) });

  const flameGraph = (tree: Tree, maxNodes: number) => {
    const fb = encodeFlamebearer(tree, maxNodes);
    return create(FlameGraphSchema, {
      names: fb.names,
      levels: fb.levels.map((values) => ({ values: values.map((v) => BigInt(Math.round(v))) })),
      total: BigInt(Math.round(fb.numTicks)),
      maxSelf: BigInt(Math.round(fb.maxSelf)),
    });
  };

  const handlers: { [K in keyof Methods]?: Handler<K> } = {
    profileTypes: async (r, store) => ({
      profileTypes: (await querier.profileTypes(store, optionalRange(r.start, r.end))).map((t) => ({
        ID: t.id,
        name: t.name,
        sampleType: t.sampleType,
        sampleUnit: t.sampleUnit,
        periodType: t.periodType,
        periodUnit: t.periodUnit,
      })),
    }),
    labelNames: async (r, store) => ({ names: await querier.labelNames(store, r.matchers, optionalRange(r.start, r.end)) }),
    labelValues: async (r, store) => {
      if (r.name === '') throw new ConnectError('invalid_argument', 'name (the label) is required');
      return { names: await querier.labelValues(store, r.name, r.matchers, optionalRange(r.start, r.end)) };
    },
    series: async (r, store) => ({
      labelsSet: (await querier.series(store, r.matchers, r.labelNames, optionalRange(r.start, r.end))).map((labels) => ({ labels })),
    }),
    selectMergeStacktraces: async (r, store) => ({ flamegraph: flameGraph(await mergeTree(r, store), maxNodesOf(r.maxNodes)) }),
    selectMergeProfile: async (r, store) => {
      const range = rangeOf(r.start, r.end);
      const tree = await mergeTree(r, store);
      const [name, sampleType, sampleUnit, periodType, periodUnit] = r.profileTypeID.split(':');
      const apps = (await querier.typedApps(store, range)).filter((a) => a.id === r.profileTypeID);
      const rate = apps[0]?.sampleRate ?? 0;
      void name;
      return treeToPprof(tree, {
        sample: { type: sampleType, unit: sampleUnit },
        period: { type: periodType, unit: periodUnit },
        periodValue: apps[0]?.type.scaledBySampleRate && rate > 0 ? 1e9 / rate : 0,
        scale: 1, // the merged tree is already in the type's unit
        timeNanos: BigInt(range.startMs) * 1_000_000n,
        durationNanos: BigInt(range.endMs - range.startMs) * 1_000_000n,
      });
    },
    selectSeries: async (r, store) => {
      if (!(r.step >= 0) || !Number.isFinite(r.step)) throw new ConnectError('invalid_argument', `step must be a non-negative number of seconds, got ${r.step}`);
      const range = rangeOf(r.start, r.end);
      if (r.step > 0 && (range.endMs - range.startMs) / (r.step * 1000) > 100_000) {
        throw new ConnectError('invalid_argument', `step ${r.step}s gives more than 100000 points over the range`);
      }
      const series = await querier.selectSeries(store, {
        profileTypeId: r.profileTypeID,
        labelSelector: r.labelSelector,
        range,
        groupBy: r.groupBy,
        stepSeconds: r.step,
        aggregation: r.aggregation === TimeSeriesAggregationType.AVERAGE ? 'average' : 'sum',
      });
      return { series: series.map((s) => ({ labels: s.labels, points: s.points.map((p) => ({ value: p.value, timestamp: BigInt(p.timestamp) })) })) };
    },
    diff: async (r, store) => {
      if (r.left === undefined || r.right === undefined) throw new ConnectError('invalid_argument', 'left and right are required');
      const [left, right] = await Promise.all([mergeTree(r.left, store), mergeTree(r.right, store)]);
      const d = encodeDiff(left, right, maxNodesOf(r.left.maxNodes ?? r.right.maxNodes));
      return {
        flamegraph: create(FlameGraphDiffSchema, {
          names: d.names,
          levels: d.levels.map((values) => ({ values: values.map((v) => BigInt(Math.round(v))) })),
          total: BigInt(Math.round(d.numTicks)),
          maxSelf: BigInt(Math.round(d.maxSelf)),
          leftTicks: BigInt(Math.round(d.leftTicks)),
          rightTicks: BigInt(Math.round(d.rightTicks)),
        }),
      };
    },
  };

  const byName = new Map(QuerierService.methods.map((m) => [m.name, m]));

  const sendError = (reply: FastifyReply, code: ConnectCode, message: string, status = CONNECT_STATUS[code]) =>
    reply.code(status).type('application/json').send(JSON.stringify({ code, message }));

  const handle = async (req: FastifyRequest<{ Params: { method: string } }>, reply: FastifyReply) => {
    const method = byName.get(req.params.method);
    // Methods of the upstream service that pyrelay's definition leaves out (GetProfileStats, ...) are unimplemented too.
    if (method === undefined) return sendError(reply, 'unimplemented', `querier.v1.QuerierService/${req.params.method} is not implemented by pyrelay`);
    const handler = handlers[method.localName as keyof Methods] as Handler<keyof Methods> | undefined;
    if (handler === undefined) return sendError(reply, 'unimplemented', `querier.v1.QuerierService/${method.name} is not implemented by pyrelay`);
    const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const binary = contentType === 'application/proto';
    if (!binary && contentType !== 'application/json') {
      return sendError(reply, 'invalid_argument', `unsupported content type ${JSON.stringify(contentType)}: use application/proto or application/json`, 415);
    }
    try {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const header = req.headers['content-encoding'];
      const body = decodeContentEncoding(raw, Array.isArray(header) ? header[0] : header, deps.maxDecompressedBytes);
      let input;
      try {
        input = binary
          ? fromBinary(method.input as DescMessage, body)
          : fromJsonString(method.input as DescMessage, body.length === 0 ? '{}' : body.toString('utf8'), { ignoreUnknownFields: true });
      } catch (e) {
        throw new ConnectError('invalid_argument', `cannot decode ${method.input.typeName}: ${(e as Error).message}`);
      }
      const result = await handler(input as never, storeOf(deps.store, req));
      const output = create(method.output as DescMessage, result as never);
      if (binary)
        return reply
          .code(200)
          .type('application/proto')
          .send(Buffer.from(toBinary(method.output as DescMessage, output)));
      return reply
        .code(200)
        .type('application/json')
        .send(toJsonString(method.output as DescMessage, output));
    } catch (e) {
      if (e instanceof ConnectError) return sendError(reply, e.code, e.message);
      if (isPyrelayError(e)) return sendError(reply, connectCodeOf(e.code), e.message);
      req.log.error({ err: e, method: method.name }, 'querier call failed');
      return sendError(reply, 'internal', 'internal error');
    }
  };

  for (const prefix of ['', '/pyroscope']) {
    app.post(`${prefix}/querier.v1.QuerierService/:method`, handle);
  }
}
