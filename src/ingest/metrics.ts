// Ingest metrics: the original parser counters (by spy name) plus ours by format and outcome (docs/compatibility.md#30).
import { Counter, Histogram, type Registry } from 'prom-client';

export type DiscardReason = 'cumulative_without_prev' | 'duplicate_profile_id';

export interface IngestMetrics {
  parserRequests: Counter<'profiler'>;
  parserBytes: Counter<'profiler'>;
  requests: Counter<'format' | 'status'>;
  requestBytes: Counter<'format'>;
  duration: Histogram<'format'>;
  empty: Counter<'format'>;
  discarded: Counter<'reason'>;
  limitHits: Counter<'limit'>;
}

export function createIngestMetrics(registry: Registry): IngestMetrics {
  const registers = [registry];
  return {
    parserRequests: new Counter({
      name: 'pyroscope_parser_incoming_requests_total',
      help: 'Ingest requests parsed locally, by spy name',
      labelNames: ['profiler'],
      registers,
    }),
    parserBytes: new Counter({
      name: 'pyroscope_parser_incoming_requests_bytes',
      help: 'Bytes of ingest requests parsed locally, by spy name',
      labelNames: ['profiler'],
      registers,
    }),
    requests: new Counter({
      name: 'pyrelay_ingest_requests_total',
      help: 'Ingest requests by detected format and response status',
      labelNames: ['format', 'status'],
      registers,
    }),
    requestBytes: new Counter({
      name: 'pyrelay_ingest_request_bytes_total',
      help: 'Decoded body bytes of accepted ingest requests, by format',
      labelNames: ['format'],
      registers,
    }),
    duration: new Histogram({
      name: 'pyrelay_ingest_duration_seconds',
      help: 'Time to validate, store and enqueue one ingest request',
      labelNames: ['format'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    empty: new Counter({
      name: 'pyrelay_ingest_empty_total',
      help: 'Accepted ingest requests that carried no samples (empty body or no profile part)',
      labelNames: ['format'],
      registers,
    }),
    discarded: new Counter({
      name: 'pyrelay_ingest_discarded_total',
      help: 'Profiles accepted but not stored, by reason',
      labelNames: ['reason'],
      registers,
    }),
    limitHits: new Counter({
      name: 'pyrelay_ingest_limit_hits_total',
      help: 'Requests rejected because a configured limit bit (body size, decompressed size, series, labels, name lengths, multipart parts, request timeout), by config key',
      labelNames: ['limit'],
      registers,
    }),
  };
}
