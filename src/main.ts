// The composition root: config in, every component built and wired here, nothing constructed anywhere else.
// Shutdown runs in the reverse order of dependencies: stop accepting, drain sends, close the store.
import { mkdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Config } from './config/config.js';
import { deadlineIn, systemClock, type Clock } from './lib/clock.js';
import { createLogger, type Logger } from './lib/logger.js';
import { createDedupWindow } from './ingest/dedup.js';
import { createDecoders } from './ingest/formats/index.js';
import { createIngestMetrics } from './ingest/metrics.js';
import { createIngestPipeline } from './ingest/pipeline.js';
import { createDecodePool } from './ingest/decode-pool.js';
import { STORE_CONSUMER, type Backlog } from './store/log/index.js';
import { createIngester } from './store/ingester.js';
import { registerStoreMetrics } from './store/metrics.js';
import { createPprofExporter } from './ingest/pprof-export.js';
import { createHttpServer } from './http/server.js';
import { registerIngestRoutes } from './http/routes/ingest-routes.js';
import { registerAppRoutes } from './http/routes/app-routes.js';
import { registerPushRoutes } from './http/routes/push-routes.js';
import { registerQueryRoutes } from './http/routes/query-routes.js';
import { registerQuerierRoutes } from './http/routes/querier-routes.js';
import { registerScrapeRoutes } from './http/routes/scrape-routes.js';
import { parseIngestRequest } from './ingest/request.js';
import { createScrapeManager } from './scrape/manager.js';
import { createScrapeMetrics } from './scrape/metrics.js';
import { createReloader } from './reload.js';
import { registerRemoteWriteRoutes } from './http/routes/remote-write-routes.js';
import { registerWebRoutes, webAssetsDir } from './http/routes/web-routes.js';
import { openSharedBacklog } from './remote-write/shared-backlog.js';
import { createRemoteWrite } from './remote-write/remote-write.js';
import { createSendThread, type SendThread } from './remote-write/send-thread.js';
import { createRemoteWriteStatus, type RemoteWriteStatus } from './remote-write/target-status.js';
import type { RemoteWrite } from './model/forward.js';
import { createLmdbStore } from './store/lmdb-store.js';
import { DEFAULT_MAX_WRITE_SPAN_MS, type StorableLimits } from './store/limits.js';
import { createTenantStores } from './store/tenant-stores.js';
import { createKeyVerifier } from './auth/key-store.js';
import { registerRequestGate } from './http/request-gate.js';
import { beginRun, endRun, guardBacklog, guardStore, markWhenWritten, type DeepWalk } from './store/store-guard.js';

export interface PyrelayDeps {
  clock?: Clock;
  logger?: Logger;
  /** Reads every entry of the store in a child process; run before opening after an unclean stop (the CLI gives it). */
  deepWalk?: DeepWalk;
  /** The metrics registry (the CLI passes one so its process guard counts there too). */
  registry?: Registry;
  /** Re-reads the config file for SIGHUP and POST /-/reload; without it a reload is refused. */
  loadConfig?: () => Config;
}

export interface Pyrelay {
  /** Listens on the configured address; resolves with the bound URL (port 0 picks a free port). */
  start(): Promise<{ url: string }>;
  /** Ordered, idempotent shutdown. */
  stop(): Promise<void>;
  /** Re-reads the config and applies pull-mode changes; an invalid config is refused and the running one stays. */
  reload(): Promise<{ ok: true } | { ok: false; error: string }>;
  readonly registry: Registry;
}

export async function createPyrelay(config: Config, deps: PyrelayDeps = {}): Promise<Pyrelay> {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? createLogger(config.logLevel);
  const registry = deps.registry ?? new Registry();
  collectDefaultMetrics({ register: registry });

  mkdirSync(config.storagePath, { recursive: true });
  // What the store refuses; the ingest pipeline checks the same limits before it acknowledges a write.
  const storable: StorableLimits = { retentionMs: config.retentionMs, maxWriteSpanMs: DEFAULT_MAX_WRITE_SPAN_MS };
  // Checked before lmdb maps the file: lmdb answers damage with SIGBUS/SIGSEGV and an empty log.
  const storeCheck = guardStore(config.storagePath);
  if (storeCheck.ok && storeCheck.state === 'empty') logger.warn({ file: storeCheck.file }, 'local store: data.mdb is empty, starting a new store');
  await beginRun(config.storagePath, deps.deepWalk, () =>
    logger.warn({ storagePath: config.storagePath }, 'the last run did not stop cleanly: reading the whole local store before opening it'),
  );
  const lmdbStore = await createLmdbStore({
    path: join(config.storagePath, 'store'),
    clock,
    ...storable,
    tenantRetentionMs: Object.fromEntries(
      Object.entries(config.tenants)
        .filter(([, t]) => t.retentionMs > 0)
        .map(([id, t]) => [id, t.retentionMs]),
    ),
    maxNodesPerTree: config.maxNodesSerialization,
    logger,
    // The store's worker decodes log records with the ingest formats (loaded by URL: store may not import ingest).
    decoderModule: new URL(`./ingest/wal-decoder${extname(fileURLToPath(import.meta.url))}`, import.meta.url),
  });
  const store = markWhenWritten(lmdbStore, join(config.storagePath, 'store'), storeCheck.hadData || (await lmdbStore.apps()).length > 0);
  // Reads see one tenant at a time: a tenant's apps are stored under its prefix (store/tenant-stores.ts).
  const tenantStores = createTenantStores(store);
  const keys = createKeyVerifier({
    path: config.auth.keysFile,
    clock,
    reloadIntervalMs: config.auth.keyReloadIntervalMs,
    onReloadError: (e) => logger.error({ err: e.message }, 'API key file unreadable: keeping the keys loaded before'),
  });

  const ingestMetrics = createIngestMetrics(registry);
  // The store's worker decodes for the store: what it discards (a cumulative pprof baseline) is counted here.
  store.onDecoderEvent((reason) => ingestMetrics.discarded.inc({ reason }));
  const decoders = createDecoders({ clock, onCumulativeSkipped: () => ingestMetrics.discarded.inc({ reason: 'cumulative_without_prev' }) });
  const decodeLimits = {
    maxDecompressedBytes: config.ingest.maxDecompressedBytes,
    maxSeriesPerRequest: config.ingest.maxSeriesPerRequest,
    maxLabelsPerSeries: config.ingest.maxLabelsPerSeries,
    maxMultipartParts: config.ingest.maxMultipartParts,
  };

  // The write-ahead log: one record per accepted request, read by the store's ingester (`@store`) and by every
  // durable target. It keeps the remote-write backlog's directory, so a backlog written before stays readable.
  const localWrites = !config.remoteWrite.disableLocalWrites;
  const rwTargets = config.remoteWrite.enabled ? config.remoteWrite.targets : [];
  const hasDurable = rwTargets.some((t) => t.durable);
  // The log is an lmdb file too: checked before lmdb maps it, like the store.
  if (localWrites || hasDurable) guardBacklog(config.storagePath);
  const durable =
    localWrites || hasDurable
      ? await openSharedBacklog({
          path: join(config.storagePath, 'remote-write'),
          targets: rwTargets,
          clock,
          logger,
          extraConsumers: localWrites ? [STORE_CONSUMER] : [],
          checkpoints: localWrites ? { [STORE_CONSUMER]: store.checkpoint() } : undefined,
          shared: true,
        })
      : undefined;
  const log: Backlog | undefined = durable?.backlog;
  const logConsumers = [...(durable?.targets ?? []), ...(localWrites ? [STORE_CONSUMER] : [])];
  // Replays what the store has not written yet (before we listen), then follows the log.
  const ingester = localWrites && log ? createIngester({ store, log, logger }) : undefined;
  await ingester?.start();
  registerStoreMetrics(registry, { stats: () => store.stats(), ...(log && localWrites ? { lastLogSeq: () => log.lastSeq } : {}) });

  let remoteWrite: RemoteWrite | undefined;
  let remoteWriteStatus: RemoteWriteStatus | undefined;
  let sendThread: SendThread | undefined;
  if (config.remoteWrite.enabled) {
    // Every target's connections in one worker thread, off the thread that accepts requests (docs/architecture.md).
    if (config.remoteWrite.sendThread) {
      sendThread = createSendThread({ logger });
      await sendThread.ready();
    }
    remoteWriteStatus = createRemoteWriteStatus({ clock });
    // `protocol: push` targets get every item as Grafana-labelled pprof, converted by the ingest decoders.
    const exportPprof = createPprofExporter({ decoders, limits: decodeLimits });
    remoteWrite = createRemoteWrite({
      targets: rwTargets,
      clock,
      logger,
      registry,
      durable: hasDurable ? durable : undefined,
      pushExporter: (item) => exportPprof(item),
      status: remoteWriteStatus,
      newSender: sendThread?.sender,
    });
  }

  const decodePool = createDecodePool({
    limits: { ...decodeLimits, maxNodesPerRequest: config.ingest.maxNodesPerRequest },
    size: config.ingest.decodeWorkers,
    heapBytes: config.ingest.decodeWorkerMemoryBytes,
    inlineMaxBytes: config.ingest.decodeInlineMaxBytes,
    decoders: createDecoders({ clock, onCumulativeSkipped: () => {} }),
    logger,
    onOutOfMemory: () => ingestMetrics.limitHits.inc({ limit: 'decode-worker-memory' }),
  });
  await decodePool.ready();
  const pipeline = createIngestPipeline({
    pool: decodePool,
    log,
    logConsumers,
    remoteWrite,
    dedup: createDedupWindow({ clock, windowMs: config.ingest.dedupWindowMs, maxEntries: 1_000_000 }),
    storable: localWrites ? storable : undefined,
    metrics: ingestMetrics,
    clock,
    logger,
  });

  // Pull mode: scraped profiles enter the same pipeline as POST /ingest, built as the same request.
  const scrapeMetrics = createScrapeMetrics(registry);
  const scrape = createScrapeManager({
    clock,
    logger,
    metrics: scrapeMetrics,
    sink: async (u) => {
      const request = parseIngestRequest(u.query, { contentType: u.contentType }, clock.now());
      await pipeline.ingest({ request, body: u.body, rawQuery: u.query });
    },
  });
  const reloader = createReloader({ current: config, load: deps.loadConfig, apply: (c) => scrape.apply(c.scrape), metrics: scrapeMetrics, logger });

  let draining = false;
  let ready = false;
  const app = createHttpServer({
    logger,
    registry,
    bodyLimit: config.ingest.maxBodyBytes,
    requestTimeoutMs: config.ingest.requestTimeoutMs,
    isReady: () => ready && !draining,
    onRequestTimeout: ({ method, url }) => {
      ingestMetrics.limitHits.inc({ limit: 'request-timeout' });
      logger.warn({ method, url, timeoutMs: config.ingest.requestTimeoutMs }, 'request cut off: not received within ingest.request-timeout');
    },
  });
  registerRequestGate(app, {
    verifier: keys,
    ingestAuth: config.auth.ingestionEnabled,
    queryAuth: config.auth.queryEnabled,
    multitenancy: config.multitenancyEnabled,
    registry,
    logger,
    clock,
  });
  registerIngestRoutes(app, {
    pipeline,
    metrics: ingestMetrics,
    clock,
    maxDecompressedBytes: config.ingest.maxDecompressedBytes,
    nameLimits: {
      maxAppNameLength: config.ingest.maxAppNameLength,
      maxTagKeyLength: config.ingest.maxTagKeyLength,
      maxTagValueBytes: config.ingest.maxTagValueBytes,
      maxTags: config.ingest.maxLabelsPerSeries,
    },
    isDraining: () => draining,
  });
  registerScrapeRoutes(app, { targets: () => scrape.targets(), reload: () => reloader.reload() });
  registerPushRoutes(app, {
    pipeline,
    metrics: ingestMetrics,
    clock,
    logger,
    limits: { maxDecompressedBytes: config.ingest.maxDecompressedBytes, maxSamplesPerPush: config.ingest.maxProfilesPerPush },
    isDraining: () => draining,
  });
  registerQueryRoutes(app, {
    store: tenantStores,
    clock,
    maxNodesRender: config.maxNodesRender,
  });
  registerAppRoutes(app, { store: tenantStores, allowUnauthenticatedDelete: config.api.allowUnauthenticatedDelete });
  registerQuerierRoutes(app, { store: tenantStores, clock, maxNodesRender: config.maxNodesRender, maxDecompressedBytes: config.ingest.maxDecompressedBytes });

  registerRemoteWriteRoutes(app, { status: remoteWriteStatus });
  registerWebRoutes(app, { dir: webAssetsDir(), logger });

  let stopping: Promise<void> | undefined;
  return {
    registry,
    reload: () => reloader.reload(),
    async start() {
      const address = await app.listen({ host: config.listen.host, port: config.listen.port });
      await scrape.apply(config.scrape);
      ready = true;
      logger.info(
        {
          address,
          storagePath: config.storagePath,
          remoteWrite: config.remoteWrite.enabled,
          auth: { ingestion: config.auth.ingestionEnabled, query: config.auth.queryEnabled, activeKeys: keys.activeCount() },
          multitenancy: config.multitenancyEnabled,
        },
        'pyrelay started',
      );
      return { url: address };
    },
    stop() {
      stopping ??= (async () => {
        draining = true;
        await scrape.stop();
        const deadline = deadlineIn(clock, config.shutdownTimeoutMs);
        // In-flight requests finish (they may still enqueue); new ones get 503 until the socket closes.
        await app.close();
        await decodePool.close();
        if (remoteWrite) await remoteWrite.stop(deadline);
        // Last: every target has closed (or destroyed) its pool in it by now.
        await sendThread?.close();
        ingester?.stop();
        await store.close();
        await log?.close();
        endRun(config.storagePath);
        logger.info('pyrelay stopped');
      })();
      return stopping;
    },
  };
}
