// The scrape HTTP client against real servers on port 0: auth headers (files re-read for rotation), TLS with
// a CA, client certificates and server-name, redirects, and the body-size limit.
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { AuthSetting, TlsSetting } from '../../../src/config/scrape-config.js';
import { createScrapeHttpClient, ScrapeError, type ScrapeHttpClient } from '../../../src/scrape/http-client.js';

const tlsDir = new URL('../../fixtures/tls/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'pyrelay-http-client-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const open: (Server | ScrapeHttpClient)[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    if ('get' in o) await o.close();
    else {
      o.closeAllConnections();
      o.close();
    }
  }
});

async function serve(handler: RequestListener, tls?: Parameters<typeof createHttpsServer>[0]): Promise<string> {
  const server = tls ? createHttpsServer(tls, handler) : createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  open.push(server);
  return `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function client(o: { auth?: AuthSetting; tls?: Partial<TlsSetting>; followRedirects?: boolean; limit?: number } = {}) {
  const c = createScrapeHttpClient({
    auth: o.auth ?? { kind: 'none' },
    tls: { insecureSkipVerify: false, ...o.tls },
    followRedirects: o.followRedirects ?? true,
    bodySizeLimitBytes: o.limit ?? 1024 * 1024,
    keepAliveMs: 1000,
  });
  open.push(c);
  return c;
}

const get = (c: ScrapeHttpClient, url: string) => c.get(url, AbortSignal.timeout(5000));
const failure = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ScrapeError);
    return e as ScrapeError;
  }
  throw new Error('expected a ScrapeError');
};

describe('scrape HTTP client', () => {
  it('sends basic auth, bearer and custom authorization; credential files are re-read on every scrape', async () => {
    const seen: (string | undefined)[] = [];
    const url = await serve((req, res) => {
      seen.push(req.headers.authorization);
      res.end('ok');
    });
    const pwFile = join(dir, 'pw');
    writeFileSync(pwFile, 'from-file\n');
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'tok-1\n');
    await get(client({ auth: { kind: 'basic', username: 'u', password: 'p' } }), url);
    await get(client({ auth: { kind: 'basic', username: 'u', passwordFile: pwFile } }), url);
    const rotating = client({ auth: { kind: 'authorization', type: 'Bearer', credentialsFile: tokenFile } });
    await get(rotating, url);
    writeFileSync(tokenFile, 'tok-2\n');
    await get(rotating, url);
    await get(client({ auth: { kind: 'authorization', type: 'Custom', credentials: 'xyz' } }), url);
    expect(seen).toEqual([
      `Basic ${Buffer.from('u:p').toString('base64')}`,
      `Basic ${Buffer.from('u:from-file').toString('base64')}`,
      'Bearer tok-1',
      'Bearer tok-2',
      'Custom xyz',
    ]);
  });

  it('a missing credentials file fails the scrape naming the path, never a secret', async () => {
    const url = await serve((_req, res) => res.end('ok'));
    const e = await failure(get(client({ auth: { kind: 'basic', username: 'u', passwordFile: join(dir, 'nope') } }), url));
    expect(e.reason).toBe('auth_file');
    expect(e.message).toBe(`cannot read password-file ${join(dir, 'nope')}: ENOENT`);
  });

  it('verifies the server against ca-file and server-name and presents a client certificate', async () => {
    const clientNames: string[] = [];
    const url = await serve(
      (req: IncomingMessage, res) => {
        clientNames.push(String((req.socket as TLSSocket).getPeerCertificate().subject?.CN ?? ''));
        res.end('secure');
      },
      {
        cert: readFileSync(join(tlsDir, 'server.crt')),
        key: readFileSync(join(tlsDir, 'server.key')),
        ca: readFileSync(join(tlsDir, 'ca.crt')),
        requestCert: true,
        rejectUnauthorized: true,
      },
    );
    const certs = { certFile: join(tlsDir, 'client.crt'), keyFile: join(tlsDir, 'client.key') };
    const ok = await get(client({ tls: { caFile: join(tlsDir, 'ca.crt'), serverName: 'pprof.test', ...certs } }), url);
    expect(ok.body.toString()).toBe('secure');
    expect(clientNames).toEqual(['pyrelay scraper']);
    // The certificate is for pprof.test, not 127.0.0.1: without server-name verification fails.
    expect((await failure(get(client({ tls: { caFile: join(tlsDir, 'ca.crt'), ...certs } }), url))).reason).toBe('connection');
    // An unknown CA fails; insecure-skip-verify accepts it.
    expect((await failure(get(client({ tls: { serverName: 'pprof.test', ...certs } }), url))).reason).toBe('connection');
    expect((await get(client({ tls: { insecureSkipVerify: true, ...certs } }), url)).body.toString()).toBe('secure');
  });

  it('follows redirects unless follow-redirects is false', async () => {
    const url = await serve((req, res) => {
      if (req.url === '/old') return void res.writeHead(302, { location: '/debug/pprof/heap' }).end();
      res.end('heap');
    });
    expect((await get(client(), `${url}/old`)).body.toString()).toBe('heap');
    const e = await failure(get(client({ followRedirects: false }), `${url}/old`));
    expect(e).toMatchObject({ reason: 'http_status', message: 'server returned HTTP status 302 Found' });
  });

  it('fails a body over body-size-limit, declared or streamed', async () => {
    const big = Buffer.alloc(5000, 1);
    const url = await serve((req, res) => {
      if (req.url === '/declared') return void res.writeHead(200, { 'content-length': big.length }).end(big);
      res.write(big.subarray(0, 2500));
      setTimeout(() => res.end(big.subarray(2500)), 10);
    });
    const c = client({ limit: 4096 });
    expect(await failure(get(c, `${url}/declared`))).toMatchObject({ reason: 'body_too_large' });
    expect(await failure(get(c, `${url}/streamed`))).toMatchObject({ reason: 'body_too_large' });
    expect((await get(client({ limit: 5000 }), `${url}/declared`)).body.length).toBe(5000);
  });

  it('a deadline ends a hung request as a timeout', async () => {
    const url = await serve(() => {});
    const ctl = new AbortController();
    const p = client().get(url, ctl.signal);
    ctl.abort(new ScrapeError('timeout', 'scrape timed out after 5 ms'));
    expect(await failure(p)).toMatchObject({ reason: 'timeout', message: 'scrape timed out after 5 ms' });
  });
});
