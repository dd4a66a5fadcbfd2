// The pre-open check of an lmdb file, on a real file written by lmdb and damaged byte by byte.
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_MARKER, checkStoreFiles } from '../../../src/store/store-check.js';

const work = mkdtempSync(join(tmpdir(), 'pyrelay-store-check-'));
let good: Buffer;

beforeAll(async () => {
  const dir = join(work, 'src');
  const root = open({ path: dir, maxDbs: 4 });
  const db = root.openDB({ name: 'x' });
  for (let i = 0; i < 500; i++) await db.put(`k${i}`, 'v'.repeat(200));
  await root.close();
  good = readFileSync(join(dir, 'data.mdb'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function withFile(name: string, bytes: Buffer | undefined, marker = false): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  if (bytes !== undefined) writeFileSync(join(dir, 'data.mdb'), bytes);
  if (marker) writeFileSync(join(dir, DATA_MARKER), '');
  return dir;
}

describe('checkStoreFiles', () => {
  it('accepts a healthy file and reports its page size and transaction', () => {
    const r = checkStoreFiles(withFile('good', good));
    expect(r).toMatchObject({ ok: true, state: 'valid' });
    if (r.ok) expect(r.detail).toMatch(/^\d+ bytes, page size 4096, transaction \d+$/);
  });

  it('a missing or empty file is a new store, unless the marker says data existed', () => {
    expect(checkStoreFiles(withFile('none', undefined))).toMatchObject({ ok: true, state: 'missing' });
    expect(checkStoreFiles(withFile('empty', Buffer.alloc(0)))).toMatchObject({ ok: true, state: 'empty' });
    expect(checkStoreFiles(withFile('none-had', undefined, true))).toMatchObject({ ok: false, problem: 'data.mdb is missing although this store held data before' });
    expect(checkStoreFiles(withFile('empty-had', Buffer.alloc(0), true))).toMatchObject({ ok: false, problem: 'data.mdb is empty (0 bytes) although this store held data before' });
  });

  it('names truncation, zeroed and overwritten meta pages, and roots outside the file', () => {
    const half = withFile('half', good);
    truncateSync(join(half, 'data.mdb'), Math.floor(statSync(join(half, 'data.mdb')).size / 2));
    expect(checkStoreFiles(half)).toMatchObject({ ok: false, problem: expect.stringMatching(/truncated: \d+% missing/) });
    expect(checkStoreFiles(withFile('tiny', good.subarray(0, 700)))).toMatchObject({ ok: false, problem: 'data.mdb is 700 bytes, shorter than its two meta pages' });

    const zeroed = Buffer.from(good);
    zeroed.fill(0, 0, 8192);
    expect(checkStoreFiles(withFile('zeroed', zeroed))).toMatchObject({ ok: false, problem: expect.stringMatching(/^no valid meta page: page 0 has bad magic 0x00000000/) });

    const version = Buffer.from(good);
    version.writeUInt32LE(7, 4096 + 28);
    expect(checkStoreFiles(withFile('version', version))).toMatchObject({ ok: false, problem: 'meta page 1: unsupported format version 7 (want 2)' });

    const root = Buffer.from(good);
    for (const at of [24 + 24 + 48 + 40, 4096 + 24 + 24 + 48 + 40]) root.writeBigUInt64LE(1_000_000n, at); // the main tree's root, both metas
    expect(checkStoreFiles(withFile('root', root))).toMatchObject({ ok: false, problem: expect.stringMatching(/^the main tree's root page 1000000 is outside pages 2\.\.\d+$/) });
  });
});
