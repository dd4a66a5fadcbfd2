// Validation of one body, the same on the event loop and in a decode worker: undo Content-Encoding, decode
// (validate-only where a decoder supports it) with a fresh node budget, report what was found. Pure: no I/O.
import { PyrelayError } from '../model/errors.js';
import { createNodeBudget } from '../model/node-budget.js';
import type { Aggregation, DecodeLimits, FormatId, ProfileDecoder } from '../model/profile.js';
import type { SeriesKey } from '../model/series-key.js';
import { decodeContentEncoding } from './content-encoding.js';
import { profileIdFrom } from './profile-id.js';

/** Everything a decoder needs besides the body; structured-clonable, so it crosses to a worker as is. */
export interface ValidateTask {
  contentEncoding: string | undefined;
  contentType: string | undefined;
  format: FormatId;
  key: SeriesKey;
  spyName: string;
  sampleRate: number;
  sampleRateGiven: boolean;
  units: string;
  aggregation: Aggregation;
  /** When set, the profile id (profile-id.ts) is hashed here too: the body is in hand and the event loop is spared. */
  profileIdPrefix?: string;
}

export interface ValidateLimits extends DecodeLimits {
  maxNodesPerRequest: number;
  /**
   * Largest body of a text format (decoded into one JS string) this decoder may take: V8 cannot recover from a
   * single string larger than the heap (the process dies, not just the worker), so it is refused up front.
   */
  maxTextBytes?: number;
}

const TEXT_FORMATS = new Set<FormatId>(['groups', 'lines', 'speedscope']);

export interface Validated {
  /** The body after Content-Encoding was undone (the input itself when there was none). */
  body: Uint8Array;
  /** Series the body decodes to (0 = no samples). */
  series: number;
  /** Nodes (or distinct stacks) charged to the budget. */
  nodes: number;
  /** The profile id of the decoded body, when the task asked for it. */
  profileId?: string;
}

export function validateBody(decoders: Record<FormatId, ProfileDecoder>, task: ValidateTask, raw: Uint8Array, limits: ValidateLimits): Validated {
  const body = task.contentEncoding === undefined ? raw : decodeContentEncoding(asBuffer(raw), task.contentEncoding, limits.maxDecompressedBytes);
  if (limits.maxTextBytes !== undefined && body.length > limits.maxTextBytes && TEXT_FORMATS.has(task.format)) {
    throw new PyrelayError(
      'decompressed_too_large',
      `a ${task.format} body of ${body.length} bytes is more than a decode worker takes (${limits.maxTextBytes} bytes: a quarter of ingest.decode-worker-memory)`,
    );
  }
  const nodeBudget = createNodeBudget(limits.maxNodesPerRequest);
  const profiles = decoders[task.format]({
    body,
    contentType: task.contentType,
    key: task.key,
    spyName: task.spyName,
    sampleRate: task.sampleRate,
    sampleRateGiven: task.sampleRateGiven,
    units: task.units,
    aggregation: task.aggregation,
    limits: { ...limits, nodeBudget },
    validateOnly: true,
  });
  const profileId = task.profileIdPrefix === undefined ? undefined : profileIdFrom(task.profileIdPrefix, body);
  return { body, series: profiles.length, nodes: nodeBudget.used, ...(profileId === undefined ? {} : { profileId }) };
}

const asBuffer = (b: Uint8Array): Buffer => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength));
