// Request bodies in one shared-memory ring for the send thread: a body is copied in once, read in place by the
// worker for every target and retry that sends it at the same time, and its place is reused once no attempt
// holds it. Posting a fresh SharedArrayBuffer per body costs the accept thread more than the copy (measured in
// bench/send-thread-ab.ts), so the ring is handed to the worker once and messages carry only offsets.
// Places are reclaimed oldest first: a body held long (a hung target) makes the ring fill up, and a body that
// does not fit is reported (undefined) so the caller can send it another way.

export interface BodyPlace {
  at: number;
  length: number;
}

export interface BodyArena {
  readonly buffer: SharedArrayBuffer;
  /** The body's place in the ring (copied in on first hold), or undefined when it does not fit now. */
  hold(body: Uint8Array): BodyPlace | undefined;
  /** Ends one hold; the place is reused once every hold of it ended. */
  release(body: Uint8Array): void;
}

interface Block extends BodyPlace {
  /** Bytes taken in the ring (at least 1). */
  size: number;
  refs: number;
  freed: boolean;
}

export function createBodyArena(bytes: number): BodyArena {
  const buffer = new SharedArrayBuffer(bytes);
  const view = new Uint8Array(buffer);
  const live = new Map<Uint8Array, Block>();
  // Blocks in the order they were placed; blocks[first] is the oldest not yet reclaimed.
  let blocks: Block[] = [];
  let first = 0;

  const place = (n: number): number | undefined => {
    if (first === blocks.length) return n <= bytes ? 0 : undefined;
    const oldest = blocks[first];
    const newest = blocks[blocks.length - 1];
    const end = newest.at + newest.size;
    if (newest.at >= oldest.at) {
      if (bytes - end >= n) return end;
      return oldest.at >= n ? 0 : undefined;
    }
    return oldest.at - end >= n ? end : undefined;
  };

  return {
    buffer,
    hold(body) {
      let block = live.get(body);
      if (block === undefined) {
        // An empty body still takes a byte, so every block has its own place in the order.
        const size = Math.max(1, body.length);
        const at = place(size);
        if (at === undefined) return undefined;
        view.set(body, at);
        block = { at, length: body.length, size, refs: 0, freed: false };
        if (first === blocks.length) {
          blocks = [];
          first = 0;
        }
        blocks.push(block);
        live.set(body, block);
      }
      block.refs++;
      return { at: block.at, length: block.length };
    },
    release(body) {
      const block = live.get(body);
      if (block === undefined || --block.refs > 0) return;
      live.delete(body);
      block.freed = true;
      while (first < blocks.length && blocks[first].freed) first++;
      if (first > 1024 && first * 2 > blocks.length) {
        blocks = blocks.slice(first);
        first = 0;
      }
    },
  };
}
