// Per-app cache from a folded stack (`a;b;c`) to its call-path id, so a stack seen before costs one lookup
// instead of one path-dictionary step per frame. Stacks arrive as text or, from folded log records, as a byte
// range of the body: those are looked up by a hash of their first and last 64 bytes and length, and confirmed
// with a byte comparison (lib/edge-hash.ts), so no string is made for a stack the cache knows (3-4x faster than decoding the body
// to text and hashing each stack string). Bounded: an app's cache is emptied when it reaches `maxEntries`.
import { edgeHash } from '../lib/edge-hash.js';

interface ByteEntry {
  bytes: Uint8Array;
  id: number;
  /** Another stack with the same hash (rare: same length, same first and last 64 bytes). */
  next: ByteEntry | undefined;
}

export interface AppStackCache {
  /** The id of the stack `text`; `resolve` builds it on a miss. */
  ofText(text: string, resolve: (text: string) => number): number;
  /** The id of the stack held by `body[start, end)` (UTF-8 folded text); `resolve` gets the decoded text on a miss. */
  ofBytes(body: Uint8Array, start: number, end: number, resolve: (text: string) => number): number;
  /** The id last remembered for a pprof location stack's hash: a hint, location-paths.ts checks it against the dictionary. */
  ofHash(hash: number): number | undefined;
  rememberHash(hash: number, id: number): void;
}

export interface StackCache {
  of(app: string): AppStackCache;
  delete(app: string): void;
  clear(): void;
}

// Buffer's decoding, as the folded decoder's: a TextDecoder would drop a leading BOM.
const textOf = (b: Uint8Array, start: number, end: number) => Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('utf8');

function sameBytes(a: Uint8Array, b: Uint8Array, start: number, end: number): boolean {
  if (a.length !== end - start) return false;
  return Buffer.compare(a, b.subarray(start, end)) === 0;
}

function createAppStackCache(maxEntries: number): AppStackCache {
  const texts = new Map<string, number>();
  const bytes = new Map<number, ByteEntry>();
  let byteEntries = 0;
  const hashes = new Map<number, number>();
  return {
    ofHash: (hash) => hashes.get(hash),
    rememberHash(hash, id) {
      if (hashes.size >= maxEntries) hashes.clear();
      hashes.set(hash, id);
    },
    ofText(text, resolve) {
      let id = texts.get(text);
      if (id !== undefined) return id;
      id = resolve(text);
      if (texts.size >= maxEntries) texts.clear();
      texts.set(text, id);
      return id;
    },
    ofBytes(body, start, end, resolve) {
      const h = edgeHash(body, start, end);
      const first = bytes.get(h);
      for (let e = first; e !== undefined; e = e.next) if (sameBytes(e.bytes, body, start, end)) return e.id;
      const id = resolve(textOf(body, start, end));
      if (byteEntries >= maxEntries) {
        bytes.clear();
        byteEntries = 0;
      }
      bytes.set(h, { bytes: body.slice(start, end), id, next: bytes.get(h) });
      byteEntries++;
      return id;
    },
  };
}

export function createStackCache(maxEntriesPerApp: number): StackCache {
  const apps = new Map<string, AppStackCache>();
  return {
    of(app) {
      let c = apps.get(app);
      if (c === undefined) apps.set(app, (c = createAppStackCache(maxEntriesPerApp)));
      return c;
    },
    delete: (app) => void apps.delete(app),
    clear: () => apps.clear(),
  };
}
