// A fake pprof endpoint on port 0: serves prepared bodies per path (in order, the last one repeating), or
// answers with a status, or hangs. Records each request's path, query, headers and arrival time.
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type PprofBehaviour = { kind: 'serve' } | { kind: 'status'; status: number } | { kind: 'hang' };

export interface PprofRequest {
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  atMs: number;
}

export interface FakePprofServer {
  readonly url: string;
  /** host:port */
  readonly address: string;
  readonly requests: PprofRequest[];
  behave(b: PprofBehaviour): void;
  waitForRequests(n: number, timeoutMs?: number): Promise<PprofRequest[]>;
  close(): Promise<void>;
}

export async function startPprofServer(bodies: Record<string, Buffer[]>, opts: { now?: () => number } = {}): Promise<FakePprofServer> {
  let behaviour: PprofBehaviour = { kind: 'serve' };
  const served: Record<string, number> = {};
  const requests: PprofRequest[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const hung: ServerResponse[] = [];
  const sockets = new Set<Socket>();
  const now = opts.now ?? Date.now;
  const server = createServer((req, res) => {
    const [path, q = ''] = (req.url ?? '').split('?', 2);
    requests.push({ path, query: Object.fromEntries(new URLSearchParams(q)), headers: req.headers, atMs: now() });
    for (const w of waiters.filter((w) => requests.length >= w.n)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
    if (behaviour.kind === 'hang') return void hung.push(res);
    if (behaviour.kind === 'status') return void res.writeHead(behaviour.status).end('boom');
    const list = bodies[path];
    if (!list) return void res.writeHead(404).end('not found');
    const i = Math.min(served[path] ?? 0, list.length - 1);
    served[path] = (served[path] ?? 0) + 1;
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(list[i]);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    address: `127.0.0.1:${port}`,
    requests,
    behave(b) {
      behaviour = b;
    },
    waitForRequests(n, timeoutMs = 10_000) {
      if (requests.length >= n) return Promise.resolve(requests);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`pprof server: ${requests.length} of ${n} requests after ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve(requests);
          },
        });
      });
    },
    async close() {
      for (const r of hung) r.destroy();
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
