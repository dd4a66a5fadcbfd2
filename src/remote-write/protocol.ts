// How a target's items go on the wire, chosen by its `protocol` option: `ingest` (one POST /ingest per item,
// the original rules) or `push` (batched Grafana Push requests, Connect error codes). The target's workers,
// retries, metrics and backlog are the same for both; only these four hooks differ.
import type { TargetConfig } from '../config/config.js';
import { classifyConnectResponse } from './connect-outcome.js';
import { createForwardRequestBuilder, type ForwardRequest } from './forward-request.js';
import { MAX_BODY_EXCERPT, classifyResponse, type ResponseClassifier } from './outcome.js';
import { createBatchingQueue, createPushEncoder, createPushRequestBuilder, DEFAULT_MAX_BATCH_BYTES, isBatchLease, type PushExporter } from './push-protocol.js';
import type { Lease, TargetQueue } from './queue.js';
import type { ForwardItem } from '../model/forward.js';

export interface DeliveryProtocol {
  /** The queue the workers take from (push: batches over the target's queue). */
  wrapQueue(queue: TargetQueue): TargetQueue;
  buildRequest(lease: Lease): ForwardRequest;
  /** Profiles a delivered lease carries (for sent_profiles). */
  profilesIn(lease: Lease): number;
  classify: ResponseClassifier;
  /** Bytes of an error body the classifier needs. */
  excerptBytes?: number;
}

export interface ProtocolOptions {
  /** Required for `push`: converts items to Grafana-labelled pprof (built from the ingest decoders by main). */
  exporter?: PushExporter;
  onEncodeError?: (item: ForwardItem, err: unknown) => void;
}

export function createDeliveryProtocol(config: TargetConfig, o: ProtocolOptions = {}): DeliveryProtocol {
  if (config.protocol !== 'push') {
    const build = createForwardRequestBuilder(config);
    return { wrapQueue: (q) => q, buildRequest: (lease) => build(lease.item), profilesIn: () => 1, classify: classifyResponse };
  }
  if (o.exporter === undefined) throw new Error(`remote write target ${config.name}: protocol push needs a pprof exporter`);
  const encode = createPushEncoder(config, o.exporter);
  const build = createPushRequestBuilder(config);
  return {
    wrapQueue: (q) =>
      createBatchingQueue(q, {
        maxBatchBytes: config.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES,
        encode,
        onEncodeError: o.onEncodeError ?? (() => {}),
      }),
    buildRequest: (lease) => {
      if (!isBatchLease(lease)) throw new Error('protocol push: the lease did not come from the batching queue');
      return build(lease);
    },
    profilesIn: (lease) => (isBatchLease(lease) ? lease.items.length : 1),
    classify: classifyConnectResponse,
    excerptBytes: MAX_BODY_EXCERPT,
  };
}
