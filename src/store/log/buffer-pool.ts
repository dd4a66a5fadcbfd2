// Reusable buffers for the records being written: a 100 KB+ record per append, alive only until its commit,
// was a steady stream of large external allocations that drove V8's GC. Buffers come in power-of-two size
// classes from 64 KiB; each class keeps at most `maxPerClass` free ones.

export interface BufferPool {
  /** A buffer of at least `size` bytes (pooled from 64 KiB up, fresh below). */
  acquire(size: number): Buffer;
  /** Gives it back once nothing uses it any more (lmdb: once the put settled). */
  release(buf: Buffer): void;
  /** Free buffers held, all classes. */
  readonly free: number;
}

const MIN_CLASS = 16; // 64 KiB
const MAX_CLASS = 26; // 64 MiB: larger records are not pooled

const classOf = (size: number) => Math.max(MIN_CLASS, 32 - Math.clz32(Math.max(1, size) - 1));

export function createBufferPool(maxPerClass = 32): BufferPool {
  const classes = new Map<number, Buffer[]>();
  let free = 0;
  return {
    acquire(size) {
      const c = classOf(size);
      if (size < 1 << MIN_CLASS || c > MAX_CLASS) return Buffer.allocUnsafe(size);
      const buf = classes.get(c)?.pop();
      if (buf !== undefined) {
        free--;
        return buf;
      }
      return Buffer.allocUnsafeSlow(1 << c);
    },
    release(buf) {
      const c = classOf(buf.length);
      if (buf.length !== 1 << c || c < MIN_CLASS || c > MAX_CLASS || buf.byteOffset !== 0) return;
      let list = classes.get(c);
      if (list === undefined) classes.set(c, (list = []));
      if (list.length >= maxPerClass || list.includes(buf)) return;
      list.push(buf);
      free++;
    },
    get free() {
      return free;
    },
  };
}
