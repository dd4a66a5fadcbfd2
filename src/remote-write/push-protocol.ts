// The `protocol: push` delivery strategy: queued profiles become Grafana Push requests. Each item is encoded
// once into PushRequest bytes (its RawProfileSeries: Grafana labels + pprof + a deterministic ID); a batching
// view of the target's queue concatenates several items' bytes (repeated fields concatenate on the wire) up
// to `max-batch-bytes`; the batch is acknowledged, retried or dropped as one.
import { createHash } from 'node:crypto';
import { create, toBinary } from '@bufbuild/protobuf';
import type { TargetConfig } from '../config/config.js';
import { CONNECT_PROTO, CONNECT_PROTOCOL_VERSION_HEADER } from '../model/connect.js';
import { toGrafanaLabels, type ExportedProfile } from '../model/grafana-names.js';
import { PushRequestSchema } from '../proto/push/v1/push_pb.js';
import type { ForwardRequest } from './forward-request.js';
import type { Lease, LeaseDropReason, TargetQueue } from './queue.js';
import { stripCredentials } from './redact.js';
import type { ForwardItem } from '../model/forward.js';

export const PUSH_PATH = '/push.v1.PusherService/Push';
/** Below Grafana's default ingestion burst (2 MB): a larger request could never pass its rate limiter. */
export const DEFAULT_MAX_BATCH_BYTES = 1 << 20;

/** Converts an accepted item to pprof profiles with Grafana names (injected: it uses the ingest decoders). */
export type PushExporter = (item: ForwardItem) => ExportedProfile[];

export interface EncodedItem {
  /** PushRequest bytes carrying this item's series. */
  bytes: Buffer;
  series: number;
  /** X-Scope-OrgID of the item (items of different tenants never share a request). */
  tenant: string | undefined;
}

const CLIENT_OWNED = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'expect', 'content-type', 'content-encoding']);

function tenantOf(item: ForwardItem, target: TargetConfig): string | undefined {
  if (target.tenantId === '') return undefined;
  if (target.tenantId !== 'passthrough') return target.tenantId;
  const t = item.request.tenant;
  return t === '' || t === 'anonymous' ? undefined : t;
}

/** A UUID-shaped id from a hash: the same item and labels always give the same RawSample.ID. */
export function deterministicId(parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\n')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Item -> its RawProfileSeries as PushRequest bytes. Target tags override the item's (target wins). */
export function createPushEncoder(target: TargetConfig, exporter: PushExporter): (item: ForwardItem) => EncodedItem {
  return (item) => {
    const tenant = tenantOf(item, target);
    const series = exporter(item).map((p) => {
      const labels = toGrafanaLabels({ ...p.tags, ...target.tags }, p.profileName, { serviceName: p.serviceName, spyName: p.spyName });
      // Deterministic (docs/grafana.md): tenant + sorted labels + the item's own id (a hash of its body and window).
      const ID = deterministicId([tenant ?? '', ...labels.map((l) => `${l.name}=${l.value}`), item.profileId]);
      return { labels, samples: [{ rawProfile: p.pprof, ID }] };
    });
    const bytes = Buffer.from(toBinary(PushRequestSchema, create(PushRequestSchema, { series })));
    return { bytes, series: series.length, tenant };
  };
}

/** A lease over several items: ack, drop and release apply to every one of them. */
export interface BatchLease extends Lease {
  items: ForwardItem[];
  body: Buffer;
  tenant: string | undefined;
}

export const isBatchLease = (l: Lease): l is BatchLease => (l as BatchLease).body !== undefined && Array.isArray((l as BatchLease).items);

function combine(parts: { lease: Lease; enc: EncodedItem }[]): BatchLease {
  const leases = parts.map((p) => p.lease);
  return {
    item: leases[0].item,
    items: leases.map((l) => l.item),
    enqueuedAtMs: Math.min(...leases.map((l) => l.enqueuedAtMs)),
    body: parts.length === 1 ? parts[0].enc.bytes : Buffer.concat(parts.map((p) => p.enc.bytes)),
    tenant: parts[0].enc.tenant,
    ack: async () => void (await Promise.all(leases.map((l) => l.ack()))),
    drop: async (reason: LeaseDropReason) => void (await Promise.all(leases.map((l) => l.drop(reason)))),
    release: () => leases.forEach((l) => l.release()),
  };
}

export interface BatchingOptions {
  maxBatchBytes: number;
  encode: (item: ForwardItem) => EncodedItem;
  /** An item that cannot be encoded (it never can be): it is dropped as non_retryable. */
  onEncodeError: (item: ForwardItem, err: unknown) => void;
}

const NOT_YET = Symbol('not-yet');
const nextTurn = () => new Promise<typeof NOT_YET>((r) => setImmediate(() => r(NOT_YET)));

/**
 * The target's queue seen through batches. take() waits for one item like the queue does, then adds items
 * that are ready at once (never waiting for more) while the batch stays within the byte bound and the
 * tenant. A take that is not ready within a turn (the queue is empty, or the backlog is still reading) is
 * kept for the next batch instead of being waited for.
 */
export function createBatchingQueue(inner: TargetQueue, o: BatchingOptions): TargetQueue {
  const carried: Promise<Lease | undefined>[] = [];
  // Encodings of leases carried over to the next batch, so they are not encoded twice.
  const encodedCache = new WeakMap<Lease, EncodedItem>();

  /** Encodes a lease's item, or drops it when it can never be encoded. */
  const encoded = (lease: Lease): { lease: Lease; enc: EncodedItem } | undefined => {
    const cached = encodedCache.get(lease);
    if (cached !== undefined) {
      encodedCache.delete(lease);
      return { lease, enc: cached };
    }
    try {
      return { lease, enc: o.encode(lease.item) };
    } catch (err) {
      o.onEncodeError(lease.item, err);
      void lease.drop('non_retryable');
      return undefined;
    }
  };

  async function take(): Promise<Lease | undefined> {
    let first: { lease: Lease; enc: EncodedItem } | undefined;
    while (first === undefined) {
      const lease = await (carried.shift() ?? inner.take());
      if (lease === undefined) return undefined;
      first = encoded(lease);
    }
    const parts = [first];
    let bytes = first.enc.bytes.length;
    while (bytes < o.maxBatchBytes && carried.length === 0) {
      const pending = inner.take();
      const next = await Promise.race([pending, nextTurn()]);
      if (next === NOT_YET) {
        carried.push(pending);
        break;
      }
      if (next === undefined) break;
      const e = encoded(next);
      if (e === undefined) continue;
      if (bytes + e.enc.bytes.length > o.maxBatchBytes || e.enc.tenant !== first.enc.tenant) {
        encodedCache.set(next, e.enc);
        carried.push(Promise.resolve(next));
        break;
      }
      parts.push(e);
      bytes += e.enc.bytes.length;
    }
    return combine(parts);
  }

  return {
    get pending() {
      return inner.pending;
    },
    push: (item) => inner.push(item),
    take,
    close: () => inner.close(),
    drain: () => inner.drain(),
  };
}

/** The Push request of one batch: POST <address>/push.v1.PusherService/Push with the target's auth and headers. */
export function createPushRequestBuilder(target: TargetConfig): (lease: BatchLease) => ForwardRequest {
  const base = stripCredentials(target.address);
  const userinfo = new URL(target.address);
  const path = `${base.pathname.replace(/\/+$/, '')}${PUSH_PATH}`;
  const fixed: Record<string, string> = {};
  for (const [k, v] of Object.entries(target.headers)) {
    const name = k.toLowerCase();
    if (!CLIENT_OWNED.has(name)) fixed[name] = v;
  }
  let authorization = fixed['authorization'];
  const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`, 'utf8').toString('base64')}`;
  if (target.authToken !== '') authorization = `Bearer ${target.authToken}`;
  if (target.basicAuthUser !== '' || target.basicAuthPassword !== '') authorization = basic(target.basicAuthUser, target.basicAuthPassword);
  if (authorization === undefined && (userinfo.username !== '' || userinfo.password !== '')) {
    authorization = basic(decodeURIComponent(userinfo.username), decodeURIComponent(userinfo.password));
  }
  return (lease) => {
    const headers: Record<string, string> = { ...fixed, 'content-type': CONNECT_PROTO, [CONNECT_PROTOCOL_VERSION_HEADER]: '1' };
    if (authorization !== undefined) headers['authorization'] = authorization;
    if (lease.tenant !== undefined) headers['x-scope-orgid'] = lease.tenant;
    return { url: base.origin + path, path, headers, body: lease.body };
  };
}
