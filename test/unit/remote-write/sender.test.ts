// The sender against a real local HTTP server: success bodies are discarded (large or never-ending ones
// included) without hanging the attempt, error bodies are kept as an excerpt.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BODY_EXCERPT_BYTES, createSender, type Sender } from '../../../src/remote-write/sender.js';

let server: Server | undefined;
let sender: Sender | undefined;
afterEach(async () => {
  await sender?.destroy();
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
  sender = undefined;
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const req = (origin: string) => ({ url: `${origin}/ingest?name=x`, path: '/ingest?name=x', headers: {}, body: Buffer.from('a;b 1\n') });

describe('sender', () => {
  it('discards a large success body and reuses the connection; keeps an excerpt of an error body', async () => {
    let calls = 0;
    const origin = await serve((r, res) => {
      r.resume();
      r.on('end', () => {
        calls++;
        if (calls <= 2) res.writeHead(200).end(Buffer.alloc(200_000, 'x'));
        else res.writeHead(500).end('y'.repeat(1000));
      });
    });
    sender = createSender({ origin, connections: 1, timeoutMs: 5000, now: Date.now });
    const first = await sender.send(req(origin));
    expect(first).toMatchObject({ status: 200, bodyExcerpt: '', outcome: { kind: 'success' } });
    expect((await sender.send(req(origin))).status).toBe(200);
    const failed = await sender.send(req(origin));
    expect(failed.status).toBe(500);
    expect(failed.bodyExcerpt).toBe('y'.repeat(BODY_EXCERPT_BYTES));
  });

  it('a success whose body never ends settles at the timeout, as a success', async () => {
    const origin = await serve((r, res) => {
      r.resume();
      r.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).write('partial'));
    });
    sender = createSender({ origin, connections: 1, timeoutMs: 300, now: Date.now });
    const t0 = performance.now();
    const r = await sender.send(req(origin));
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(r).toMatchObject({ status: 200, outcome: { kind: 'success' } });
  });
});
