// How a decoder hands a write-ahead-log record to the store's ingester without building trees: one
// series at a time, stacks as folded text, frame lists, location lists (pprof) or (for decoders that only
// build trees) a Tree.
// The store turns each stack straight into a call-path id (cached per app), so the common case of a
// stack seen before costs one Map lookup.
import type { ProfileMetadata } from './profile.js';
import type { SeriesKey } from './series-key.js';
import type { Tree } from './tree.js';

/** A profile's locations (pprof): each stands for a few frames, so a stack is a list of location indexes. */
export interface LocationTable {
  /** Locations in the table: indexes are 0 .. size-1. */
  readonly size: number;
  /** The frames of location `loc`, root first (inlined calls give several, a location without names none). */
  framesOf(loc: number): readonly string[];
}

export interface SeriesSink {
  /** One stack as folded text (`a;b;c`, root first) and its value; zero and negative values are ignored. */
  stack(folded: string, value: number): void;
  /** The same as stack() for the folded text held by `body[start, end)` (UTF-8): no string is made for a known stack. */
  stackBytes(body: Uint8Array, start: number, end: number, value: number): void;
  frames(frames: readonly string[], value: number): void;
  /**
   * One stack as indexes into `table` (`locs[0..n)`, leaf first: pprof's order) and its value; zero and negative
   * values are ignored. An empty stack is the root's own value (as Tree.insertStack counts it). Calls with the
   * same table and `stackKey` carry the same locations (one sample feeding several series): resolved once.
   */
  locations(table: LocationTable, locs: readonly number[], n: number, stackKey: number, value: number): void;
  tree(tree: Tree): void;
}

export interface ProfileSink {
  /** Starts one series of the record; its stacks follow through the returned sink. */
  series(p: { key: SeriesKey; metadata: ProfileMetadata; startMs: number; endMs: number }): SeriesSink;
}

/**
 * Decodes one logged request into `sink`. `meta` is the log record's metadata. Throws a typed error for a
 * body that does not decode (the record is then skipped whole, never half-applied).
 */
export type RecordDecoder = (meta: Record<string, unknown>, payload: Uint8Array, sink: ProfileSink) => void;

/** What a decoder module loaded by the store's worker exports. */
export interface RecordDecoderModule {
  decodeRecord: RecordDecoder;
  /** Optional: the worker passes a callback for events worth a metric (e.g. `cumulative_without_prev`). */
  setReporter?(report: (reason: string) => void): void;
}
