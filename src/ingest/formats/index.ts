// Format id -> decoder. The only place that knows which decoder serves which format.
import type { Clock } from '../../lib/clock.js';
import type { FormatId, ProfileDecoder } from '../../model/profile.js';
import { decodeFolded } from './folded.js';
import { decodeJfr } from './jfr/decode.js';
import { decodeLines } from './lines.js';
import { createCumulativeBaselines } from './pprof/cumulative.js';
import { createPprofDecoder, type PprofDecoder } from './pprof/decode.js';
import { decodeSpeedscope } from './speedscope.js';
import { decodeTree } from './tree.js';
import { decodeTrie } from './trie.js';

export interface DecodersDeps {
  clock: Clock;
  /** A raw pprof upload of a cumulative type became a baseline instead of data (docs/compatibility.md#12). */
  onCumulativeSkipped: () => void;
}

/** pprof's decoder also streams (the store's ingester uses that). */
export type Decoders = Record<FormatId, ProfileDecoder> & { pprof: PprofDecoder };

export function createDecoders(deps: DecodersDeps): Decoders {
  const baselines = createCumulativeBaselines({
    clock: deps.clock,
    // A few upload intervals of the usual clients (10 s to 60 s).
    windowMs: 5 * 60_000,
    maxEntries: 100_000,
    onSkipped: deps.onCumulativeSkipped,
  });
  return {
    groups: decodeFolded,
    lines: decodeLines,
    trie: decodeTrie,
    tree: decodeTree,
    pprof: createPprofDecoder({ baselines }),
    jfr: decodeJfr,
    speedscope: decodeSpeedscope,
  };
}
