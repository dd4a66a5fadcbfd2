// The log's lmdb file is mapped once however much it grows: lmdb-js maps a growing file again at every doubling
// and never unmaps the old maps, so pages touched through each stayed resident once per map.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { harness, type Harness } from './helpers.js';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(() => h.cleanup());

it('maps its file once however much it grows', async () => {
  const b = await h.open({ cacheBytes: 0 });
  try {
    // 4 MiB of records: past lmdb-js's doubling steps from 128 KiB (it would have mapped the file ~6 times).
    for (let i = 0; i < 64; i++) await b.append(randomBytes(64 * 1024), { i }, ['a']);
    const file = path.join(h.dir, 'backlog', 'data.mdb');
    const maps = readFileSync('/proc/self/maps', 'utf8')
      .split('\n')
      .filter((l) => l.endsWith(file));
    expect(maps).toHaveLength(1);
  } finally {
    await b.close();
  }
});
