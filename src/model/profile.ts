// What decoders produce and the store keeps: one tree per series plus the metadata the query API shows.
import type { NodeBudget } from './node-budget.js';
import type { SeriesKey } from './series-key.js';
import type { Tree } from './tree.js';

export type Aggregation = 'sum' | 'average';

export interface ProfileMetadata {
  spyName: string;
  sampleRate: number;
  units: string;
  aggregation: Aggregation;
}

/** One series' worth of samples from one request. A request may decode to several (pprof sample types). */
export interface DecodedProfile {
  key: SeriesKey;
  tree: Tree;
  metadata: ProfileMetadata;
}

/** A decoded profile placed in time (unix milliseconds, `startMs <= endMs`). */
export interface TimedProfile extends DecodedProfile {
  startMs: number;
  endMs: number;
  /** Whose data this is; absent = the default tenant (`anonymous`). */
  tenant?: string;
}

/** Internal format ids. */
export type FormatId = 'groups' | 'lines' | 'trie' | 'tree' | 'pprof' | 'jfr' | 'speedscope';

export interface DecodeLimits {
  /** Cap for any inflation inside a payload (gzip-in-pprof, gzip JFR parts). */
  maxDecompressedBytes: number;
  /** Series one request may produce; past it the request is rejected with 422. */
  maxSeriesPerRequest: number;
  /** Tags per series (name tags plus profile labels); past it the request is rejected with 422. */
  maxLabelsPerSeries: number;
  /**
   * Frames per stack (and node nesting of the binary formats); deeper input is rejected with 422.
   * Optional: decoders default to DEFAULT_MAX_STACK_DEPTH. Tree's recursive helpers overflow near 3,500.
   */
  maxStackDepth?: number;
  /** Parts of one multipart/form-data body (default DEFAULT_MAX_MULTIPART_PARTS); past it 422. */
  maxMultipartParts?: number;
  /** Per request (never shared): every tree node a decoder creates is charged here; past its limit, 422. */
  nodeBudget?: NodeBudget;
}

/** Real clients send 1-3 parts (profile, prev_profile, sample_type_config; jfr, labels). */
export const DEFAULT_MAX_MULTIPART_PARTS = 32;

/** Async-profiler's default stack depth; well below where recursive tree walks overflow the JS stack. */
export const DEFAULT_MAX_STACK_DEPTH = 2048;

/** Everything a format decoder may know about the request; it never sees HTTP. */
export interface DecodeInput {
  body: Uint8Array;
  contentType: string | undefined;
  key: SeriesKey;
  spyName: string;
  sampleRate: number;
  /** false when the client did not send `sampleRate` (speedscope replaces it only then). */
  sampleRateGiven: boolean;
  units: string;
  aggregation: Aggregation;
  limits: DecodeLimits;
  /**
   * Relay mode (nothing is stored): check every rule of the format but skip building trees where a decoder can.
   * Such a decoder returns profiles with empty trees (one per series it would have produced).
   */
  validateOnly?: boolean;
}

export type ProfileDecoder = (input: DecodeInput) => DecodedProfile[];
