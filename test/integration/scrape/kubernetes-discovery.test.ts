// Kubernetes discovery against a fake API server over real HTTP: list, then a watch stream that adds and
// deletes pods; the original's `pyroscope.io/*` annotation conventions are applied through relabeling.
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startPprofServer, type FakePprofServer } from '../../helpers/pprof-server.js';
import { startScrapeServer, type ScrapeTestServer } from '../../helpers/scrape-server.js';
import { tinyProfile } from '../../unit/ingest/formats/pprof/reference.js';

const heap = Buffer.from(tinyProfile({ types: [['inuse_space', 'bytes']], samples: [{ stack: ['alloc', 'main'], values: [64] }] }));

/** The relabeling the original's Kubernetes examples use for `pyroscope.io/*` pod annotations. */
const ANNOTATION_RELABELING = [
  { 'source-labels': ['__meta_kubernetes_pod_annotation_pyroscope_io_scrape'], action: 'keep', regex: 'true' },
  { 'source-labels': ['__meta_kubernetes_pod_annotation_pyroscope_io_application_name'], action: 'replace', 'target-label': '__name__' },
  { 'source-labels': ['__meta_kubernetes_pod_annotation_pyroscope_io_spy_name'], action: 'replace', 'target-label': '__spy_name__' },
  { 'source-labels': ['__meta_kubernetes_pod_annotation_pyroscope_io_scheme'], action: 'replace', regex: '(https?)', 'target-label': '__scheme__' },
  {
    'source-labels': ['__address__', '__meta_kubernetes_pod_annotation_pyroscope_io_port'],
    action: 'replace',
    regex: '([^:]+)(?::\\d+)?;(\\d+)',
    replacement: '$1:$2',
    'target-label': '__address__',
  },
  { action: 'labelmap', regex: '__meta_kubernetes_pod_label_(.+)' },
  { 'source-labels': ['__meta_kubernetes_namespace'], action: 'replace', 'target-label': 'kubernetes_namespace' },
  { 'source-labels': ['__meta_kubernetes_pod_name'], action: 'replace', 'target-label': 'kubernetes_pod_name' },
  { 'source-labels': ['__meta_kubernetes_pod_phase'], regex: 'Pending|Succeeded|Failed|Completed', action: 'drop' },
  { action: 'labelmap', regex: '__meta_kubernetes_pod_annotation_pyroscope_io_profile_(.+)', replacement: '__profile_$1' },
];

const pod = (name: string, rv: string, annotations: Record<string, string>, labels: Record<string, string> = {}) => ({
  metadata: { name, namespace: 'shop', uid: `uid-${name}`, resourceVersion: rv, labels, annotations },
  spec: { nodeName: 'node-1', containers: [{ name: 'app', image: 'app:1', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }] },
  status: { phase: 'Running', podIP: '127.0.0.1', hostIP: '10.0.0.1', conditions: [{ type: 'Ready', status: 'True' }] },
});

interface FakeApi {
  url: string;
  requests: { path: string; headers: IncomingHttpHeaders }[];
  lists: number;
  /** Sends one watch event to the open watch stream (waits for one to be open). */
  send(type: string, object: unknown): Promise<void>;
  close(): Promise<void>;
}

async function startFakeApi(initialPods: unknown[], tls?: { cert: Buffer; key: Buffer }): Promise<FakeApi> {
  const requests: FakeApi['requests'] = [];
  let watch: ServerResponse | undefined;
  let watchWaiter: (() => void) | undefined;
  let lists = 0;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push({ path: url.pathname + url.search, headers: req.headers });
    if (url.pathname !== '/api/v1/namespaces/shop/pods') return void res.writeHead(404).end();
    if (url.searchParams.get('watch') === '1') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      watch = res;
      watchWaiter?.();
      return;
    }
    lists++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'PodList', metadata: { resourceVersion: '100' }, items: initialPods }));
  };
  const server = tls ? createHttpsServer(tls, handler) : createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    get lists() {
      return lists;
    },
    async send(type, object) {
      if (!watch || watch.writableEnded) await new Promise<void>((r) => (watchWaiter = r));
      watch!.write(JSON.stringify({ type, object }) + '\n');
      if (type === 'ERROR') {
        watch!.end();
        watch = undefined;
      }
    },
    async close() {
      watch?.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

async function waitFor<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 8000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('kubernetes discovery (role pod)', () => {
  let a: FakePprofServer;
  let c: FakePprofServer;
  let api: FakeApi;
  let server: ScrapeTestServer;

  it('lists and watches pods, follows annotations through relabeling, and stops a deleted pod', async () => {
    a = await startPprofServer({ '/debug/pprof/heap': [heap] });
    c = await startPprofServer({ '/debug/pprof/heap': [heap] });
    const portOf = (s: FakePprofServer) => s.address.split(':')[1];
    api = await startFakeApi([
      pod(
        'api-1',
        '90',
        {
          'pyroscope.io/scrape': 'true',
          'pyroscope.io/application-name': 'shop-api',
          'pyroscope.io/spy-name': 'gospy',
          'pyroscope.io/port': portOf(a),
          'pyroscope.io/profile-cpu-enabled': 'false',
        },
        { app: 'shop-api', 'app.kubernetes.io/version': '1.2' },
      ),
      pod('sidecar-1', '91', { 'pyroscope.io/scrape': 'false' }),
    ]);
    cleanup.push(
      () => a.close(),
      () => c.close(),
      () => api.close(),
    );

    server = await startScrapeServer({});
    cleanup.push(() => server.stop());
    const kubeconfig = join(server.dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1
kind: Config
current-context: test
contexts: [{ name: test, context: { cluster: fake, user: robot, namespace: shop } }]
clusters: [{ name: fake, cluster: { server: '${api.url}' } }]
users: [{ name: robot, user: { token: kube-token-123 } }]
`,
    );
    server.writeConfig({
      'scrape-configs': [
        {
          'job-name': 'kubernetes-pods',
          'scrape-interval': '200ms',
          'scrape-timeout': '1s',
          'enabled-profiles': ['cpu', 'mem'],
          'kubernetes-sd-configs': [{ role: 'pod', 'kubeconfig-file': kubeconfig, namespaces: { 'own-namespace': true } }],
          'relabel-configs': ANNOTATION_RELABELING,
        },
      ],
    });
    expect(await server.pyrelay.reload()).toEqual({ ok: true });

    // The annotated pod is scraped at its annotated port; cpu is off by annotation; the other pod is dropped.
    await a.waitForRequests(1, 8000);
    const t1 = await waitFor(
      () => server.targets(),
      (ts) => ts.length === 1,
      'one target',
    );
    expect(t1[0].url).toBe(`http://${a.address}/debug/pprof/heap`);
    expect(t1[0].labels).toEqual({
      __name__: 'shop-api',
      app: 'shop-api',
      app_kubernetes_io_version: '1.2',
      instance: a.address,
      job: 'kubernetes-pods',
      kubernetes_namespace: 'shop',
      kubernetes_pod_name: 'api-1',
    });
    expect(t1[0].discoveredLabels.__meta_kubernetes_pod_container_port_name).toBe('http');
    expect(a.requests.every((r) => r.path === '/debug/pprof/heap')).toBe(true);
    // Auth from the kubeconfig, namespace from its context.
    expect(api.requests[0].headers.authorization).toBe('Bearer kube-token-123');
    expect(api.requests[0].path).toBe('/api/v1/namespaces/shop/pods');

    // Watch: a new annotated pod appears and is scraped.
    await api.send('ADDED', pod('billing-1', '101', { 'pyroscope.io/scrape': 'true', 'pyroscope.io/application-name': 'billing', 'pyroscope.io/port': portOf(c) }));
    await c.waitForRequests(1, 8000);
    // billing has no profile annotation: both enabled profiles (cpu and mem) become targets.
    const t2 = await waitFor(
      () => server.targets(),
      (ts) => ts.length === 3,
      'three targets',
    );
    expect(t2.map((t) => `${t.labels.__name__} ${new URL(t.url).pathname}`).sort()).toEqual([
      'billing /debug/pprof/heap',
      'billing /debug/pprof/profile',
      'shop-api /debug/pprof/heap',
    ]);

    // Watch: the first pod is deleted; its target goes and it is no longer scraped.
    await api.send('DELETED', pod('api-1', '102', {}));
    await waitFor(
      () => server.targets(),
      (ts) => ts.length === 2 && ts.every((t) => t.labels.__name__ === 'billing'),
      'api-1 removed',
    );
    const aCount = a.requests.length;
    await new Promise((r) => setTimeout(r, 600));
    expect(a.requests.length).toBeLessThanOrEqual(aCount + 1);

    // An expired watch (410) makes the discoverer list again, then watch from the new version.
    await api.send('ERROR', { kind: 'Status', code: 410, reason: 'Expired' });
    await waitFor(
      async () => api.lists,
      (n) => n >= 2,
      'a second list',
    );
    const watches = api.requests.filter((r) => r.path.includes('watch=1'));
    expect(watches[0].path).toContain('resourceVersion=100');
    // After the re-list the pod set is the list's again (api-1 is back, billing is gone).
    await waitFor(
      () => server.targets(),
      (ts) => ts.length === 1 && ts[0].labels.__name__ === 'shop-api',
      'state of the second list',
    );
  });

  it('reaches an https api-server with ca-file, server-name and a bearer-token-file', async () => {
    const tlsDir = new URL('../../fixtures/tls/', import.meta.url).pathname;
    a = await startPprofServer({ '/debug/pprof/heap': [heap] });
    api = await startFakeApi([pod('api-1', '90', { 'pyroscope.io/scrape': 'true', 'pyroscope.io/application-name': 'shop-api', 'pyroscope.io/port': a.address.split(':')[1] })], {
      cert: readFileSync(join(tlsDir, 'server.crt')),
      key: readFileSync(join(tlsDir, 'server.key')),
    });
    cleanup.push(
      () => a.close(),
      () => api.close(),
    );
    server = await startScrapeServer({});
    cleanup.push(() => server.stop());
    const tokenFile = join(server.dir, 'token');
    writeFileSync(tokenFile, 'sa-token\n');
    server.writeConfig({
      'scrape-configs': [
        {
          'job-name': 'pods',
          'scrape-interval': '200ms',
          'scrape-timeout': '1s',
          'enabled-profiles': ['mem'],
          'kubernetes-sd-configs': [
            {
              role: 'pod',
              'api-server': api.url,
              'bearer-token-file': tokenFile,
              namespaces: { names: ['shop'] },
              'tls-config': { 'ca-file': join(tlsDir, 'ca.crt'), 'server-name': 'pprof.test' },
            },
          ],
          'relabel-configs': ANNOTATION_RELABELING,
        },
      ],
    });
    expect(await server.pyrelay.reload()).toEqual({ ok: true });
    await a.waitForRequests(1, 8000);
    expect(api.requests[0].headers.authorization).toBe('Bearer sa-token');
    expect((await server.targets()).map((t) => t.labels.__name__)).toEqual(['shop-api']);
  });
});
