// kubernetes-sd-configs, role pod: list the pods of the configured namespaces (all when none), then watch
// them over a streaming HTTP request, re-listing when the watch expires (410) and backing off on errors.
// Each pod is one target group with Prometheus' `__meta_kubernetes_pod_*` labels; each container port is a
// target (a container without ports is one target at the pod IP).
import { readFile } from 'node:fs/promises';
import { Agent, type Dispatcher } from 'undici';
import type { KubernetesSdSetting } from '../../config/scrape-config.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import { ADDRESS_LABEL, type LabelSet } from '../labels.js';
import type { TargetGroup } from '../targets.js';
import type { Discoverer } from './discoverer.js';
import { resolveKubeAccess, type KubeAccess } from './kube-access.js';

// A watch event line longer than this is a broken stream, not a pod.
const MAX_EVENT_BYTES = 16 * 1024 * 1024;
const WATCH_TIMEOUT_SECONDS = 300;
// A pod list larger than this is refused (and retried with backoff) rather than buffered.
export const MAX_LIST_BYTES = 256 * 1024 * 1024;

async function readBounded(body: AsyncIterable<unknown>, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const c of body) {
    total += (c as Buffer).length;
    if (total > limit) throw new Error(`pod list over ${limit} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

interface Pod {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind?: string; name?: string; controller?: boolean }[];
  };
  spec?: {
    nodeName?: string;
    containers?: Container[];
    initContainers?: Container[];
  };
  status?: {
    phase?: string;
    podIP?: string;
    hostIP?: string;
    conditions?: { type?: string; status?: string }[];
  };
}

interface Container {
  name?: string;
  image?: string;
  ports?: { name?: string; containerPort?: number; protocol?: string }[];
}

const sanitize = (s: string) => s.replace(/[^a-zA-Z0-9_]/g, '_');
const P = '__meta_kubernetes_';

/** One pod → one target group (Prometheus' pod role labels). Pure. */
export function podToGroup(pod: Pod): TargetGroup {
  const md = pod.metadata ?? {};
  const source = `pod/${md.namespace ?? ''}/${md.name ?? ''}`;
  const labels: LabelSet = {
    [`${P}namespace`]: md.namespace ?? '',
    [`${P}pod_name`]: md.name ?? '',
    [`${P}pod_ip`]: pod.status?.podIP ?? '',
    [`${P}pod_ready`]: String(pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false),
    [`${P}pod_phase`]: pod.status?.phase ?? '',
    [`${P}pod_node_name`]: pod.spec?.nodeName ?? '',
    [`${P}pod_host_ip`]: pod.status?.hostIP ?? '',
    [`${P}pod_uid`]: md.uid ?? '',
  };
  for (const [k, v] of Object.entries(md.labels ?? {})) {
    labels[`${P}pod_label_${sanitize(k)}`] = v;
    labels[`${P}pod_labelpresent_${sanitize(k)}`] = 'true';
  }
  for (const [k, v] of Object.entries(md.annotations ?? {})) {
    labels[`${P}pod_annotation_${sanitize(k)}`] = v;
    labels[`${P}pod_annotationpresent_${sanitize(k)}`] = 'true';
  }
  const owner = md.ownerReferences?.find((o) => o.controller) ?? undefined;
  if (owner) {
    labels[`${P}pod_controller_kind`] = owner.kind ?? '';
    labels[`${P}pod_controller_name`] = owner.name ?? '';
  }
  const ip = pod.status?.podIP;
  const targets: LabelSet[] = [];
  if (ip) {
    const host = ip.includes(':') ? `[${ip}]` : ip;
    const add = (c: Container, init: boolean) => {
      const base: LabelSet = {
        [`${P}pod_container_name`]: c.name ?? '',
        [`${P}pod_container_image`]: c.image ?? '',
        [`${P}pod_container_init`]: String(init),
      };
      if (!c.ports || c.ports.length === 0) {
        targets.push({ ...base, [ADDRESS_LABEL]: host });
        return;
      }
      for (const p of c.ports) {
        targets.push({
          ...base,
          [ADDRESS_LABEL]: `${host}:${p.containerPort ?? 0}`,
          [`${P}pod_container_port_name`]: p.name ?? '',
          [`${P}pod_container_port_number`]: String(p.containerPort ?? ''),
          [`${P}pod_container_port_protocol`]: p.protocol ?? 'TCP',
        });
      }
    };
    for (const c of pod.spec?.containers ?? []) add(c, false);
    for (const c of pod.spec?.initContainers ?? []) add(c, true);
  }
  return { source, targets, labels };
}

export interface KubernetesDiscovererDeps {
  setting: KubernetesSdSetting;
  clock: Clock;
  logger: Logger;
  onError?: () => void;
}

class HttpStatusError extends Error {
  constructor(readonly status: number) {
    super(`kubernetes API answered HTTP ${status}`);
  }
}

export function createKubernetesDiscoverer(deps: KubernetesDiscovererDeps): Discoverer {
  const stopCtl = new AbortController();
  const loops: Promise<void>[] = [];
  const pods = new Map<string, Map<string, TargetGroup>>(); // namespace selector ('' = all) -> pod key -> group
  let access: KubeAccess | undefined;
  let agent: Agent | undefined;
  let emit: () => void = () => {};

  async function authHeaders(): Promise<Record<string, string>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = access!.tokenFile !== undefined ? (await readFile(access!.tokenFile, 'utf8')).trim() : access!.token;
    if (token) headers.authorization = `Bearer ${token}`;
    else if (access!.basic) headers.authorization = `Basic ${Buffer.from(`${access!.basic.username}:${access!.basic.password}`).toString('base64')}`;
    return headers;
  }

  async function get(path: string): Promise<Dispatcher.ResponseData> {
    const url = new URL(path, access!.server);
    const res = await agent!.request({ origin: url.origin, path: url.pathname + url.search, method: 'GET', headers: await authHeaders(), signal: stopCtl.signal });
    if (res.statusCode !== 200) {
      discard(res.body);
      throw new HttpStatusError(res.statusCode);
    }
    return res;
  }

  const podsPath = (ns: string) => (ns === '' ? '/api/v1/pods' : `/api/v1/namespaces/${encodeURIComponent(ns)}/pods`);

  async function list(ns: string): Promise<string> {
    const res = await get(podsPath(ns));
    const body = JSON.parse(await readBounded(res.body, MAX_LIST_BYTES)) as { metadata?: { resourceVersion?: string }; items?: Pod[] };
    const m = new Map<string, TargetGroup>();
    for (const pod of body.items ?? []) m.set(podKey(pod), podToGroup(pod));
    pods.set(ns, m);
    emit();
    return body.metadata?.resourceVersion ?? '';
  }

  /** Streams watch events until the server ends the watch; returns the last resourceVersion, or undefined when a re-list is needed. */
  async function watch(ns: string, rv: string): Promise<string | undefined> {
    const q = new URLSearchParams({ watch: '1', resourceVersion: rv, allowWatchBookmarks: 'true', timeoutSeconds: String(WATCH_TIMEOUT_SECONDS) });
    const res = await get(`${podsPath(ns)}?${q}`);
    let buf = '';
    let last: string | undefined = rv;
    for await (const chunk of res.body) {
      buf += (chunk as Buffer).toString('utf8');
      if (buf.length > MAX_EVENT_BYTES) throw new Error(`watch event over ${MAX_EVENT_BYTES} bytes`);
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line === '') continue;
        const ev = JSON.parse(line) as { type?: string; object?: Pod & { code?: number } };
        if (ev.type === 'ERROR') {
          if (ev.object?.code === 410) return undefined; // too old: list again
          throw new Error(`watch error event: ${JSON.stringify(ev.object).slice(0, 200)}`);
        }
        const pod = ev.object ?? {};
        if (pod.metadata?.resourceVersion) last = pod.metadata.resourceVersion;
        if (ev.type === 'BOOKMARK') continue;
        const m = pods.get(ns)!;
        if (ev.type === 'DELETED') m.delete(podKey(pod));
        else if (ev.type === 'ADDED' || ev.type === 'MODIFIED') m.set(podKey(pod), podToGroup(pod));
        emit();
      }
    }
    return last;
  }

  async function run(ns: string) {
    let backoff = 1000;
    let rv: string | undefined;
    while (!stopCtl.signal.aborted) {
      try {
        if (rv === undefined) rv = await list(ns);
        rv = await watch(ns, rv);
        backoff = 1000;
      } catch (e) {
        if (stopCtl.signal.aborted) return;
        if (e instanceof HttpStatusError && e.status === 410) rv = undefined;
        deps.onError?.();
        deps.logger.warn({ namespace: ns || '(all)', err: (e as Error).message, retryInMs: backoff }, 'kubernetes discovery: list/watch failed');
        try {
          await deps.clock.sleep(backoff, stopCtl.signal);
        } catch {
          return;
        }
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
  }

  return {
    start(onUpdate) {
      emit = () => {
        if (stopCtl.signal.aborted) return;
        const groups: TargetGroup[] = [];
        for (const m of pods.values()) groups.push(...m.values());
        onUpdate(groups);
      };
      loops.push(
        (async () => {
          try {
            access = await resolveKubeAccess(deps.setting);
          } catch (e) {
            deps.onError?.();
            deps.logger.error({ err: (e as Error).message }, 'kubernetes discovery: cannot set up API access');
            return;
          }
          agent = new Agent({ connect: access.tls, headersTimeout: 30_000, bodyTimeout: (WATCH_TIMEOUT_SECONDS + 60) * 1000 });
          const namespaces = access.namespaces.length > 0 ? access.namespaces : [''];
          await Promise.all(namespaces.map(run));
        })(),
      );
    },
    async stop() {
      stopCtl.abort();
      await Promise.allSettled(loops);
      await agent?.destroy();
    },
  };
}

const podKey = (pod: Pod) => `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;

/** Drops a response body without reading it; the abort error this raises on the stream is expected. */
function discard(body: { on(event: 'error', fn: () => void): unknown; destroy(): unknown }): void {
  body.on('error', () => {});
  body.destroy();
}
