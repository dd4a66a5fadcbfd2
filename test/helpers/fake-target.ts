// A fake remote-write target on port 0 built on node:http. It records every request and answers as told:
// a status (with body and delay), hang (never answer), or hold (answer once released). Tests await
// "n requests received" instead of sleeping.
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Raw query string (without `?`), keys in the order sent. */
  rawQuery: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type Behaviour =
  | { kind: 'status'; status: number; body?: string; delayMs?: number; headers?: Record<string, string> }
  /** Read the request, never answer (until the test closes the target). */
  | { kind: 'hang' }
  /** Read the request, answer `status` when release() is called. */
  | { kind: 'hold'; status?: number }
  /** Read the request, then destroy the connection without answering (a reset). */
  | { kind: 'reset' };

export interface FakeTarget {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Requests currently held open (hold and hang). */
  readonly open: number;
  /** Sockets accepted so far. */
  readonly connections: number;
  behave(b: Behaviour): void;
  /** Resolves with the requests once at least `n` were received (rejects after `timeoutMs`, default 5 s). */
  waitForRequests(n: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  /** Answers every held request (and future ones if `andFuture`) with its status. */
  release(andFuture?: boolean): void;
  close(): Promise<void>;
}

/** `port` re-opens a target on a port an earlier one had (a target coming back); default 0. */
export async function startFakeTarget(initial: Behaviour = { kind: 'status', status: 200 }, opts: { port?: number } = {}): Promise<FakeTarget> {
  let behaviour = initial;
  const requests: RecordedRequest[] = [];
  const held: { res: ServerResponse; status: number }[] = [];
  const hung: ServerResponse[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const [path, rawQuery = ''] = (req.url ?? '').split(/\?(.*)/s, 2);
      requests.push({
        method: req.method ?? '',
        path,
        rawQuery,
        query: Object.fromEntries(new URLSearchParams(rawQuery)),
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      for (const w of waiters.filter((w) => requests.length >= w.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      const b = behaviour;
      if (b.kind === 'hang') hung.push(res);
      else if (b.kind === 'reset') req.socket.destroy();
      else if (b.kind === 'hold') held.push({ res, status: b.status ?? 200 });
      else {
        const answer = () => {
          res.writeHead(b.status, b.headers);
          res.end(b.body ?? '');
        };
        if (b.delayMs) setTimeout(answer, b.delayMs);
        else answer();
      }
    });
  });
  server.on('connection', (s: Socket) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(opts.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get open() {
      return held.length + hung.length;
    },
    get connections() {
      return connections;
    },
    behave(b) {
      behaviour = b;
    },
    waitForRequests(n, timeoutMs = 5000) {
      if (requests.length >= n) return Promise.resolve(requests);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`fake target: ${requests.length} of ${n} requests after ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve(requests);
          },
        });
      });
    },
    release(andFuture = false) {
      for (const h of held.splice(0)) h.res.writeHead(h.status).end();
      if (andFuture) behaviour = { kind: 'status', status: 200 };
    },
    async close() {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** Accepts TCP connections and never reads or writes: the worst kind of hung target. */
export async function startSilentTcpServer(): Promise<{ url: string; connections: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createTcpServer((s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    async close() {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
