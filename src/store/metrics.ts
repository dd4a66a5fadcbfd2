// Store metrics, read from the worker's stats (mirrored on the main thread with every reply) at scrape time:
// how far the store trails the write-ahead log, what the head holds, how much coarse data waits for compaction.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { StoreStats } from './lmdb-store.js';

export interface StoreMetricsSource {
  stats(): StoreStats;
  /** Highest durable log seq, when the store ingests from a log. */
  lastLogSeq?: () => number;
}

export function registerStoreMetrics(registry: Registry, src: StoreMetricsSource): void {
  const registers = [registry];
  const counted: Partial<Record<keyof StoreStats, number>> = {};
  /** A counter fed from a cumulative stat (the worker counts; the scrape adds what is new). */
  const counter = (name: string, help: string, stat: keyof StoreStats) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        const v = src.stats()[stat];
        const d = v - (counted[stat] ?? 0);
        if (d > 0) this.inc(d);
        counted[stat] = v;
      },
    });
  const gauge = (name: string, help: string, value: () => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(value());
      },
    });
  counter('pyrelay_store_log_records_total', 'Write-ahead log records the store ingester applied', 'records');
  counter('pyrelay_store_log_records_failed_total', 'Log records the store ingester skipped because they did not decode or apply (logged)', 'recordsFailed');
  counter('pyrelay_store_flushes_total', 'Head flushes (one lmdb transaction each, with the log checkpoint)', 'flushes');
  counter('pyrelay_store_compactions_total', 'Coarse segment nodes rebuilt from their children', 'compactions');
  counter('pyrelay_store_trees_written_total', 'Segment trees written (flushes and compactions)', 'treesWritten');
  counter('pyrelay_store_trees_read_total', 'Segment trees read by queries', 'treesRead');
  gauge('pyrelay_store_head_entries', 'Call-path entries held in the in-memory head (flushed early past store max-head-entries)', () => src.stats().headEntries);
  gauge('pyrelay_store_dirty_nodes', 'Coarse segment nodes waiting for compaction (read through their children meanwhile)', () => src.stats().dirtyNodes);
  if (src.lastLogSeq) {
    const last = src.lastLogSeq;
    gauge('pyrelay_store_log_lag_records', 'Durable log records the store has not written yet (replayed after a crash)', () => Math.max(0, last() - src.stats().checkpoint));
  }
}
