// Checkpoint events carry the constant pools: per type id, key -> value. Values keep their pool
// references as raw keys; resolve.ts follows them lazily, only for the stacks and states used.
import type { JfrReader } from './reader.js';
import type { ValueDecoder, Value } from './values.js';

export type ConstantPools = Map<number, Map<number, Value>>;

/** Parses the body of one checkpoint event (the reader sits after its size and type id). */
export function readCheckpoint(r: JfrReader, dec: ValueDecoder, pools: ConstantPools): void {
  r.varLong(); // start time
  r.varLong(); // duration
  r.varLong(); // delta to the previous checkpoint: we scan events linearly instead
  r.u8(); // type mask (flush, header, ...)
  const poolCount = r.varCount('constant pool count');
  if (poolCount > r.remaining) throw r.fail(`constant pool count ${poolCount} exceeds the event`);
  for (let p = 0; p < poolCount; p++) {
    const at = r.pos;
    const typeId = r.varLong();
    const cls = dec.md.classes.get(typeId);
    if (cls === undefined) throw r.fail(`constant pool for unknown type id ${typeId}`, at);
    const count = r.varCount('constant count');
    if (count > r.remaining) throw r.fail(`constant count ${count} exceeds the event`);
    let pool = pools.get(typeId);
    if (pool === undefined) pools.set(typeId, (pool = new Map()));
    for (let i = 0; i < count; i++) {
      const key = r.varLong();
      pool.set(key, dec.read(r, cls));
    }
  }
}
