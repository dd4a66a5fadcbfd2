// One job's HTTP client for scraping: an undici Agent with the job's TLS settings, optional redirect
// following, auth headers built per request (files are re-read so rotated secrets apply), the scrape's
// abort signal as the deadline and a hard cap on body bytes. Secrets never enter an error message.
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { Agent, interceptors, type Dispatcher } from 'undici';
import type { AuthSetting, TlsSetting } from '../config/scrape-config.js';

export type ScrapeFailureReason = 'timeout' | 'connection' | 'http_status' | 'body_too_large' | 'auth_file' | 'stopped';

export class ScrapeError extends Error {
  constructor(
    readonly reason: ScrapeFailureReason,
    message: string,
  ) {
    super(message);
    this.name = 'ScrapeError';
  }
}

export interface FetchResult {
  body: Buffer;
  status: number;
}

export interface ScrapeHttpClient {
  /** GET `url`; rejects with a ScrapeError. `signal` carries the deadline (timeout) or shutdown. */
  get(url: string, signal: AbortSignal): Promise<FetchResult>;
  close(): Promise<void>;
}

export interface ScrapeHttpClientOptions {
  auth: AuthSetting;
  tls: TlsSetting;
  followRedirects: boolean;
  bodySizeLimitBytes: number;
  /** Idle connections are kept this long so each interval reuses them. */
  keepAliveMs: number;
  userAgent?: string;
}

function tlsConnectOptions(tls: TlsSetting) {
  // Files are read once per client (a reload rebuilds the client): a missing file is a clear start-up error.
  const read = (what: string, path: string | undefined) => {
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (e) {
      throw new Error(`tls-config: cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  };
  return {
    ca: read('ca-file', tls.caFile),
    cert: read('cert-file', tls.certFile),
    key: read('key-file', tls.keyFile),
    servername: tls.serverName,
    rejectUnauthorized: !tls.insecureSkipVerify,
  };
}

async function readSecretFile(path: string, what: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (e) {
    // The path is configuration, not a secret; the content never appears anywhere.
    throw new ScrapeError('auth_file', `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

export async function authHeader(auth: AuthSetting): Promise<string | undefined> {
  if (auth.kind === 'basic') {
    const password = auth.passwordFile !== undefined ? await readSecretFile(auth.passwordFile, 'password-file') : (auth.password ?? '');
    return `Basic ${Buffer.from(`${auth.username}:${password}`).toString('base64')}`;
  }
  if (auth.kind === 'authorization') {
    const cred = auth.credentialsFile !== undefined ? await readSecretFile(auth.credentialsFile, 'credentials file') : (auth.credentials ?? '');
    return `${auth.type} ${cred}`;
  }
  return undefined;
}

export function createScrapeHttpClient(o: ScrapeHttpClientOptions): ScrapeHttpClient {
  const agent = new Agent({ connect: tlsConnectOptions(o.tls), keepAliveTimeout: o.keepAliveMs, connections: 4 });
  const dispatcher: Dispatcher = o.followRedirects ? agent.compose(interceptors.redirect({ maxRedirections: 10 })) : agent;

  return {
    async get(url, signal) {
      const headers: Record<string, string> = { accept: 'application/octet-stream, */*' };
      const auth = await authHeader(o.auth);
      if (auth !== undefined) headers.authorization = auth;
      if (o.userAgent) headers['user-agent'] = o.userAgent;
      let res: Dispatcher.ResponseData;
      try {
        res = await dispatcher.request({ origin: new URL(url).origin, path: pathOf(url), method: 'GET', headers, signal });
      } catch (e) {
        throw classify(e, signal);
      }
      if (res.statusCode < 200 || res.statusCode > 299) {
        discard(res.body);
        // The original's text: `server returned HTTP status 500 Internal Server Error`.
        throw new ScrapeError('http_status', `server returned HTTP status ${res.statusCode} ${STATUS_CODES[res.statusCode] ?? ''}`.trimEnd());
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > o.bodySizeLimitBytes) {
        discard(res.body);
        throw new ScrapeError('body_too_large', `body of ${declared} bytes exceeds body-size-limit (${o.bodySizeLimitBytes} bytes)`);
      }
      const chunks: Buffer[] = [];
      let total = 0;
      try {
        for await (const chunk of res.body) {
          total += (chunk as Buffer).length;
          if (total > o.bodySizeLimitBytes) {
            discard(res.body);
            throw new ScrapeError('body_too_large', `body exceeds body-size-limit (${o.bodySizeLimitBytes} bytes)`);
          }
          chunks.push(chunk as Buffer);
        }
      } catch (e) {
        if (e instanceof ScrapeError) throw e;
        throw classify(e, signal);
      }
      return { body: Buffer.concat(chunks, total), status: res.statusCode };
    },
    async close() {
      await agent.close();
    },
  };
}

const pathOf = (url: string) => {
  const u = new URL(url);
  return u.pathname + u.search;
};

function classify(e: unknown, signal: AbortSignal): ScrapeError {
  if (e instanceof ScrapeError) return e;
  if (signal.aborted) {
    const r = signal.reason as { name?: string; message?: string } | undefined;
    if (r instanceof ScrapeError) return r;
    return new ScrapeError('timeout', r?.message ?? 'aborted');
  }
  const err = e as { code?: string; message?: string };
  // undici's messages name the failing step (connect ECONNREFUSED 127.0.0.1:1234, other side closed): no secrets.
  return new ScrapeError('connection', `${err.code ? err.code + ': ' : ''}${err.message ?? String(e)}`);
}

/** Drops a response body without reading it; the abort error this raises on the stream is expected. */
function discard(body: { on(event: 'error', fn: () => void): unknown; destroy(): unknown }): void {
  body.on('error', () => {});
  body.destroy();
}
