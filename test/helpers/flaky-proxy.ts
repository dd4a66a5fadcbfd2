// An HTTP proxy on port 0 in front of a real server that fails some requests on purpose: it answers 503
// without forwarding, resets the connection before forwarding, or forwards and then resets the connection
// so the upstream stored the profile but the sender never hears it (the case the dedup header is for).
import { once } from 'node:events';
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type ProxyAction = 'forward' | 'fail503' | 'reset' | 'forwardThenReset';

export interface FlakyProxy {
  readonly url: string;
  /** Actions taken so far, in order. */
  readonly actions: ProxyAction[];
  /** Upstream 2xx answers passed back to the sender so far. */
  readonly delivered: number;
  /** Resolves once `n` upstream 2xx answers were passed back (rejects after `timeoutMs`, default 20 s). */
  waitForDelivered(n: number, timeoutMs?: number): Promise<void>;
  /** Decides the action of the n-th request (0-based). */
  decide(fn: (n: number) => ProxyAction): void;
  close(): Promise<void>;
}

export async function startFlakyProxy(upstream: string, decide: (n: number) => ProxyAction): Promise<FlakyProxy> {
  let decider = decide;
  const actions: ProxyAction[] = [];
  const sockets = new Set<Socket>();
  const target = new URL(upstream);
  let delivered = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  const passedBack = () => {
    delivered++;
    for (const w of waiters.filter((w) => delivered >= w.n)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };

  const forward = (req: IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>((resolve, reject) => {
      const out = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      out.on('error', reject);
      out.end(body);
    });

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const action = decider(actions.length);
      actions.push(action);
      if (action === 'fail503') return void res.writeHead(503).end('proxy: upstream flapping');
      if (action === 'reset') return void req.socket.destroy();
      forward(req, Buffer.concat(chunks)).then(
        (r) => {
          if (action === 'forwardThenReset') return void req.socket.destroy();
          res.writeHead(r.status, r.headers).end(r.body, () => {
            if (r.status >= 200 && r.status < 300) passedBack();
          });
        },
        () => res.writeHead(502).end('proxy: upstream unreachable'),
      );
    });
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
    actions,
    get delivered() {
      return delivered;
    },
    waitForDelivered(n, timeoutMs = 20_000) {
      if (delivered >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`flaky proxy: ${delivered} of ${n} deliveries after ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
    decide(fn) {
      decider = fn;
    },
    async close() {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
