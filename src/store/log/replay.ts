// Replay: from what is on disk (the `done` marker keys and the `payloads` records), rebuild which items each
// configured target still has pending and what to clean up. Pure (no lmdb), so every crash leftover can be
// tested directly; backlog.ts reads the databases, applies the plan and performs the deletions.
import { decodeRecord } from './record.js';

export interface ReplayedItem {
  seq: number;
  bytes: number;
  enqueuedAtMs: number;
}

export interface ReplayedRecord {
  /** Targets that still have the item pending. */
  pendingFor: string[];
  /** Targets the record was written for. */
  targets: string[];
  /** Targets whose done marker is on disk. */
  marked: string[];
}

export interface ReplayPlan {
  /** Per configured target, its pending items oldest first. */
  pending: Map<string, ReplayedItem[]>;
  records: Map<number, ReplayedRecord>;
  /** The next free sequence number (above every seq seen and the reserved block). */
  nextSeq: number;
  /** Records that failed their checksum or whose key is not a sequence number. */
  corrupt: { seq: unknown; why: string }[];
  /** Finished records that were written for a target no longer configured. */
  forgotten: number;
  /** Keys to delete: stray done markers, and payload records with the markers of the given targets. */
  removeDoneKeys: unknown[];
  removePayloadKeys: unknown[];
  removeRecords: { seq: number; targets: string[] }[];
}

export interface ReplayInput {
  targets: Iterable<string>;
  doneKeys: Iterable<unknown>;
  payloads: Iterable<{ key: unknown; value: unknown }>;
  /** The reserved-sequence watermark stored in `state`, if any. */
  reservedSeq: unknown;
  /** Consumers that keep their own checkpoint: records with seq <= it are done for them (no markers). */
  checkpoints?: ReadonlyMap<string, number>;
}

export function planReplay(input: ReplayInput): ReplayPlan {
  const configured = new Set(input.targets);
  const plan: ReplayPlan = {
    pending: new Map([...configured].map((t) => [t, []])),
    records: new Map(),
    nextSeq: 1,
    corrupt: [],
    forgotten: 0,
    removeDoneKeys: [],
    removePayloadKeys: [],
    removeRecords: [],
  };
  const doneBy = new Map<number, Set<string>>();
  for (const key of input.doneKeys) {
    const [target, seq] = (Array.isArray(key) ? key : []) as unknown[];
    if (typeof target !== 'string' || typeof seq !== 'number' || !Number.isSafeInteger(seq)) {
      plan.removeDoneKeys.push(key);
      continue;
    }
    let set = doneBy.get(seq);
    if (set === undefined) doneBy.set(seq, (set = new Set()));
    set.add(target);
    plan.nextSeq = Math.max(plan.nextSeq, seq + 1);
  }
  for (const { key, value } of input.payloads) {
    if (typeof key !== 'number' || !Number.isSafeInteger(key) || key < 1) {
      plan.corrupt.push({ seq: key, why: 'key is not a sequence number' });
      plan.removePayloadKeys.push(key);
      continue;
    }
    plan.nextSeq = Math.max(plan.nextSeq, key + 1);
    const decoded = value instanceof Uint8Array ? decodeRecord(value) : ({ ok: false, why: 'not binary' } as const);
    const finished = doneBy.get(key);
    doneBy.delete(key);
    if (!decoded.ok) {
      plan.corrupt.push({ seq: key, why: decoded.why });
      plan.removeRecords.push({ seq: key, targets: [...(finished ?? [])] });
      continue;
    }
    const { record } = decoded;
    const pendingFor = record.targets.filter((t) => configured.has(t) && !finished?.has(t) && !(key <= (input.checkpoints?.get(t) ?? 0)));
    if (pendingFor.length === 0) {
      // Every target finished (a crash between the last ack and the delete) or is no longer configured.
      if (record.targets.some((t) => !configured.has(t))) plan.forgotten++;
      plan.removeRecords.push({ seq: key, targets: record.targets });
      continue;
    }
    for (const t of pendingFor) plan.pending.get(t)!.push({ seq: key, bytes: record.payload.length, enqueuedAtMs: record.enqueuedAtMs });
    plan.records.set(key, { pendingFor, targets: record.targets, marked: [...(finished ?? [])] });
  }
  // Markers whose record is gone (deleted record, crash mid-delete).
  for (const [seq, targets] of doneBy) for (const t of targets) plan.removeDoneKeys.push([t, seq]);
  // Seqs never repeat, even after the backlog emptied and the process restarted: the reserved watermark counts.
  if (typeof input.reservedSeq === 'number' && Number.isSafeInteger(input.reservedSeq)) plan.nextSeq = Math.max(plan.nextSeq, input.reservedSeq);
  return plan;
}
