// A write-ahead log, the store worker and the ingester wired as main.ts wires them, in a temp dir.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock, type Clock } from '../../../src/lib/clock.js';
import { parseIngestRequest } from '../../../src/ingest/request.js';
import { createIngester, type Ingester, type IngesterOptions } from '../../../src/store/ingester.js';
import { createLmdbStore, type LmdbStore, type LmdbStoreOptions } from '../../../src/store/lmdb-store.js';
import { createBacklog, entryMeta, STORE_CONSUMER, type Backlog } from '../../../src/store/log/index.js';

export const DECODER = new URL('../../../src/ingest/wal-decoder.ts', import.meta.url);

/** The log meta of `POST /ingest?name=...&from=...&until=...` with a folded (or other) body. */
export function ingestMeta(query: Record<string, string>, contentType?: string, nowMs = Date.now()): Record<string, unknown> {
  const request = parseIngestRequest(query, { contentType }, nowMs);
  return entryMeta({ contentType, format: request.format, request, rawQuery: query, profileId: '' });
}

export interface Pipeline {
  dir: string;
  store: LmdbStore;
  log: Backlog;
  ingester: Ingester;
  /** What the request path does: one durable append for the store. */
  append(query: Record<string, string>, body: string | Uint8Array, contentType?: string): Promise<number>;
  close(): Promise<void>;
}

export async function openPipeline(
  dir: string,
  clock: Clock,
  over: Partial<LmdbStoreOptions> = {},
  ingest: Partial<Pick<IngesterOptions, 'maxInFlightBytes' | 'logger'>> = {},
): Promise<Pipeline> {
  const store = await createLmdbStore({ path: join(dir, 'store'), clock, retentionMs: 0, maxNodesPerTree: 2048, decoderModule: DECODER, ...over });
  const log = await createBacklog({
    path: join(dir, 'log'),
    targets: [STORE_CONSUMER],
    clock,
    maxBytesPerTarget: {},
    checkpoints: { [STORE_CONSUMER]: store.checkpoint() },
  });
  const ingester = createIngester({ store, log, ...ingest });
  await ingester.start();
  return {
    dir,
    store,
    log,
    ingester,
    append: (query, body, contentType) => log.append(typeof body === 'string' ? Buffer.from(body) : body, ingestMeta(query, contentType, clock.now()), [STORE_CONSUMER]),
    async close() {
      ingester.stop();
      await store.close();
      await log.close();
    },
  };
}

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'pyrelay-ingest-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export const clockAt = (ms: number) => new FakeClock(ms);
