// ingest.request-timeout, enforced exactly: a request whose body has not fully arrived within the limit
// gets 408 and its connection is closed. Node's own requestTimeout is only checked every 30 s, so a body
// trickled one byte per 5 s held a slot for over a minute.
import type { FastifyInstance } from 'fastify';

export interface RequestDeadlineOptions {
  timeoutMs: number;
  /** Called once per request cut off (count it, log it). */
  onTimeout?: (info: { method: string; url: string }) => void;
}

export function registerRequestDeadline(app: FastifyInstance, opts: RequestDeadlineOptions): void {
  if (!(opts.timeoutMs > 0)) return;
  app.addHook('onRequest', async (req, reply) => {
    const raw = req.raw;
    const timer = setTimeout(() => {
      done();
      // Fully received (a body-less GET is at once): a slow handler is not a slow client.
      if (raw.complete || reply.raw.headersSent || reply.raw.writableEnded) return;
      opts.onTimeout?.({ method: req.method, url: req.routeOptions.url ?? 'unknown' });
      // Fastify must not answer a second time when the body parser then fails on the closed socket.
      reply.hijack();
      const text = `request not received within ${opts.timeoutMs} ms (ingest.request-timeout)\n`;
      reply.raw.writeHead(408, { 'content-type': 'text/plain; charset=utf-8', connection: 'close', 'content-length': Buffer.byteLength(text) });
      reply.raw.end(text, () => raw.destroy());
    }, opts.timeoutMs);
    timer.unref();
    const done = () => {
      clearTimeout(timer);
      raw.off('end', done);
      reply.raw.off('close', done);
    };
    // 'end' (body fully read) or the response closing ends the deadline; a 'data' listener is never
    // added here, since it would start the stream flowing before fastify's body parser reads it.
    raw.once('end', done);
    reply.raw.once('close', done);
  });
}
