// GET /api/remote-write/targets: the live status of every remote-write target as JSON (documented in the
// README; the UI's remote-write page polls it). Read-only, no parameters, nothing secret in it.
import type { FastifyInstance } from 'fastify';
import type { RemoteWriteStatus } from '../../remote-write/target-status.js';

export interface RemoteWriteRouteDeps {
  /** Undefined when remote write is off: the endpoint still answers, with no targets. */
  status: RemoteWriteStatus | undefined;
}

export function registerRemoteWriteRoutes(app: FastifyInstance, deps: RemoteWriteRouteDeps): void {
  app.get('/api/remote-write/targets', async (_req, reply) => {
    const snapshot = deps.status?.snapshot() ?? { windowSeconds: 0, targets: [] };
    return reply
      .header('cache-control', 'no-store')
      .type('application/json; charset=utf-8')
      .send(JSON.stringify({ enabled: deps.status !== undefined, ...snapshot }));
  });
}
