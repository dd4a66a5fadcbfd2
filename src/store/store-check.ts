// Checks an lmdb store file before lmdb maps it. lmdb trusts the file: a truncated data.mdb is SIGBUS and
// zeroed or overwritten meta pages are SIGSEGV, both with nothing logged. Reading the two meta pages with
// plain file I/O and checking them against the file size turns those into a clear message instead.
// Layout (lmdb-js 3, LMDB 1.0 format): each page has a 24-byte header; a meta page holds magic, version,
// map size, the free and main tree records (48 bytes each, the page size in the free tree's first field),
// the last used page and the transaction id.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const LMDB_MAGIC = 0xbeefc0de;
export const LMDB_DATA_VERSION = 2;
const PAGE_HEADER = 24;
const P_META = 0x08;
const META_BYTES = 24 + 4 + 4 + 8 + 8 + 48 * 2 + 8 + 8; // through mm_txnid
const NO_PAGE = 0xffff_ffff_ffff_ffffn;

/** Written beside data.mdb once the store has held data, so an empty data.mdb later is noticed. */
export const DATA_MARKER = 'pyrelay-has-data';

export type StoreCheck =
  { ok: true; state: 'missing' | 'empty' | 'valid'; file: string; detail: string; hadData: boolean } | { ok: false; file: string; problem: string; hadData: boolean };

interface Meta {
  valid: boolean;
  why: string;
  pageSize: number;
  lastPage: bigint;
  txnid: bigint;
  roots: bigint[];
}

function readMeta(buf: Buffer, at: number, pageSize: number): Meta {
  const bad = (why: string): Meta => ({ valid: false, why, pageSize, lastPage: 0n, txnid: 0n, roots: [] });
  if (buf.length < at + META_BYTES) return bad('file ends inside the meta page');
  const flags = buf.readUInt16LE(at + 18);
  const m = at + PAGE_HEADER;
  const magic = buf.readUInt32LE(m);
  if (magic !== LMDB_MAGIC) return bad(`bad magic 0x${magic.toString(16).padStart(8, '0')} (want 0x${LMDB_MAGIC.toString(16)})`);
  const version = buf.readUInt32LE(m + 4) & 0xffff;
  if (version !== LMDB_DATA_VERSION) return bad(`unsupported format version ${version} (want ${LMDB_DATA_VERSION})`);
  if ((flags & P_META) === 0) return bad(`page is not marked as a meta page (flags 0x${flags.toString(16)})`);
  const dbs = m + 24;
  const psize = buf.readUInt32LE(dbs);
  if (psize !== pageSize) return bad(`page size ${psize} differs from ${pageSize}`);
  const roots = [buf.readBigUInt64LE(dbs + 40), buf.readBigUInt64LE(dbs + 48 + 40)];
  const lastPage = buf.readBigUInt64LE(dbs + 96);
  const txnid = buf.readBigUInt64LE(dbs + 104);
  return { valid: true, why: '', pageSize, lastPage, txnid, roots };
}

const isPowerOfTwo = (n: number) => n > 0 && (n & (n - 1)) === 0;

/**
 * Checks `<dir>/data.mdb` without mapping it: both meta pages (magic, version, page size), the newest
 * one's last page against the file size, and its tree roots inside the file. `ok: false` names the problem.
 */
export function checkStoreFiles(dir: string): StoreCheck {
  const file = join(dir, 'data.mdb');
  const hadData = existsSync(join(dir, DATA_MARKER));
  if (!existsSync(file)) {
    return hadData
      ? { ok: false, file, problem: 'data.mdb is missing although this store held data before', hadData }
      : { ok: true, state: 'missing', file, detail: 'no store yet', hadData };
  }
  const size = statSync(file).size;
  if (size === 0) {
    return hadData
      ? { ok: false, file, problem: 'data.mdb is empty (0 bytes) although this store held data before', hadData }
      : { ok: true, state: 'empty', file, detail: 'empty file, a new store will be created', hadData };
  }
  // Two meta pages of up to 64 KiB each is all that is read.
  const head = Buffer.alloc(Math.min(size, 2 * 65536));
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (size < 2 * 512) return { ok: false, file, problem: `data.mdb is ${size} bytes, shorter than its two meta pages`, hadData };
  // The page size is recorded in the meta page; if meta 0 is destroyed, try meta 1 at every valid size.
  let pageSize = head.length >= PAGE_HEADER + 28 ? head.readUInt32LE(PAGE_HEADER + 24) : 0;
  if (!isPowerOfTwo(pageSize) || pageSize < 512 || pageSize > 65536) {
    pageSize = [4096, 8192, 16384, 32768, 65536, 2048, 1024, 512].find((p) => readMeta(head, p, p).valid) ?? 0;
  }
  if (pageSize === 0) {
    const why = readMeta(head, 0, 4096).why;
    return { ok: false, file, problem: `no valid meta page: page 0 has ${why}, and no second meta page was found`, hadData };
  }
  if (size < 2 * pageSize) {
    return { ok: false, file, problem: `data.mdb is ${size} bytes, shorter than its two meta pages of ${pageSize} bytes (truncated)`, hadData };
  }
  const metas = [readMeta(head, 0, pageSize), readMeta(head, pageSize, pageSize)];
  const bad = metas.map((m, i) => (m.valid ? undefined : `meta page ${i}: ${m.why}`)).filter((x) => x !== undefined);
  // lmdb refuses (or misreads) a file with one broken meta page, so either one is damage.
  if (bad.length > 0) return { ok: false, file, problem: bad.join('; '), hadData };
  const current = metas[0].txnid >= metas[1].txnid ? metas[0] : metas[1];
  const needed = (current.lastPage + 1n) * BigInt(pageSize);
  if (BigInt(size) < needed) {
    return {
      ok: false,
      file,
      problem: `data.mdb is ${size} bytes but its last page ends at byte ${needed} (truncated: ${((1 - size / Number(needed)) * 100).toFixed(0)}% missing)`,
      hadData,
    };
  }
  for (const [i, root] of current.roots.entries()) {
    if (root !== NO_PAGE && (root < 2n || root > current.lastPage)) {
      return { ok: false, file, problem: `the ${i === 0 ? 'free-space' : 'main'} tree's root page ${root} is outside pages 2..${current.lastPage}`, hadData };
    }
  }
  return { ok: true, state: 'valid', file, detail: `${size} bytes, page size ${pageSize}, transaction ${current.txnid}`, hadData };
}
