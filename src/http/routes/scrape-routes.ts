// GET /targets (pull-mode targets, the original's JSON shape) and POST /-/reload (re-read the config file).
import type { FastifyInstance } from 'fastify';

export interface ScrapeRouteDeps {
  targets: () => unknown[];
  /** Re-reads the config; resolves with the reason when the new config was refused. */
  reload: () => Promise<{ ok: true } | { ok: false; error: string }>;
}

export function registerScrapeRoutes(app: FastifyInstance, deps: ScrapeRouteDeps): void {
  app.get('/targets', async (_req, reply) => reply.type('application/json').send(JSON.stringify(deps.targets())));
  app.post('/-/reload', async (_req, reply) => {
    const r = await deps.reload();
    // Like Prometheus: 200 when applied, 500 with the reason when the running config stays.
    return r.ok
      ? reply.code(200).type('text/plain; charset=utf-8').send('config reloaded\n')
      : reply.code(500).type('text/plain; charset=utf-8').send(`failed to reload config: ${r.error}\n`);
  });
}
