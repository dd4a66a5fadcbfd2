// Serves the web UI that `npm run build:web` bundles into dist/web: hashed assets under /assets/ (cached
// for a year, immutable), index.html for each UI page (revalidated every time), precompressed brotli or
// gzip bytes picked by Accept-Encoding. Everything is read once at start-up (a few MB at most).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../lib/logger.js';

/** The UI's pages (the original's URL scheme plus ours). Only these serve index.html: API routes stay unshadowed. */
export const UI_PAGES = ['/', '/comparison', '/comparison-diff', '/remote-write', '/scrape-targets'] as const;

export interface WebRouteOptions {
  /** The build output: index.html and assets/ (see webAssetsDir). */
  dir: string;
  logger: Logger;
}

interface StaticFile {
  type: string;
  etag: string;
  raw: Buffer;
  gzip?: Buffer;
  br?: Buffer;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

const IMMUTABLE = 'public, max-age=31536000, immutable';

/** dist/web of the package this file belongs to (the same from src/ under tsx and from a compiled dist/). */
export function webAssetsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'web');
    const up = dirname(dir);
    if (up === dir) return join(process.cwd(), 'dist', 'web');
    dir = up;
  }
}

function load(path: string): StaticFile {
  const raw = readFileSync(path);
  const variant = (suffix: string) => (existsSync(path + suffix) ? readFileSync(path + suffix) : undefined);
  return {
    type: TYPES[extname(path)] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(raw).digest('base64url').slice(0, 22)}"`,
    raw,
    gzip: variant('.gz'),
    br: variant('.br'),
  };
}

/** Which codings the client accepts (q=0 means refused). */
function accepted(header: string | string[] | undefined): Set<string> {
  const out = new Set<string>();
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  for (const part of text.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (name && !(q !== undefined && Number(q.slice(2)) === 0)) out.add(name);
  }
  return out;
}

function send(req: FastifyRequest, reply: FastifyReply, f: StaticFile, cacheControl: string) {
  reply.header('cache-control', cacheControl).header('etag', f.etag).header('vary', 'accept-encoding').header('x-content-type-options', 'nosniff');
  if (req.headers['if-none-match'] === f.etag) return reply.code(304).send();
  const codings = accepted(req.headers['accept-encoding']);
  reply.type(f.type);
  if (f.br && codings.has('br')) return reply.header('content-encoding', 'br').send(f.br);
  if (f.gzip && (codings.has('gzip') || codings.has('*'))) return reply.header('content-encoding', 'gzip').send(f.gzip);
  return reply.send(f.raw);
}

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>pyrelay</title>
<body style="font-family:system-ui,sans-serif;margin:2em"><h1>pyrelay's web UI is not built</h1>
<p>Run <code>npm run build:web</code> (<code>npm ci</code> runs it) and restart the server. The API works without it.</p></body></html>\n`;

export function registerWebRoutes(app: FastifyInstance, opts: WebRouteOptions): void {
  const indexPath = join(opts.dir, 'index.html');
  const assetsDir = join(opts.dir, 'assets');
  let index: StaticFile | undefined;
  const assets = new Map<string, StaticFile>();
  try {
    if (existsSync(indexPath)) {
      index = load(indexPath);
      for (const name of readdirSync(assetsDir)) {
        if (/\.(gz|br)$/.test(name) || !statSync(join(assetsDir, name)).isFile()) continue;
        assets.set(name, load(join(assetsDir, name)));
      }
    }
  } catch (err) {
    // A build being replaced right now, or unreadable files: the UI is off, the server still starts.
    opts.logger.warn({ dir: opts.dir, err: String(err) }, 'web UI could not be read');
    index = undefined;
  }
  if (index === undefined) {
    // A clear page instead of a 404 or a blank: the API still works.
    opts.logger.warn({ dir: opts.dir }, 'web UI not built: run npm run build:web');
    for (const page of UI_PAGES) {
      app.get(page, async (_req, reply) => reply.code(503).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(NOT_BUILT));
    }
    return;
  }
  const page = index;

  for (const path of UI_PAGES) {
    // no-cache: the browser revalidates (ETag, 304) so a new build's asset names are picked up at once.
    app.get(path, async (req, reply) => send(req, reply, page, 'no-cache'));
  }
  app.get('/assets/:name', async (req, reply) => {
    const f = assets.get((req.params as { name: string }).name);
    if (f === undefined) return reply.code(404).header('cache-control', 'no-store').type('text/plain; charset=utf-8').send('not found\n');
    // Names carry a content hash: a given URL never changes, so it may be cached for good.
    return send(req, reply, f, IMMUTABLE);
  });
}
