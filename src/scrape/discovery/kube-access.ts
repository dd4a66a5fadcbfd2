// How to reach the Kubernetes API: an explicit api-server, a kubeconfig file (its current context), or the
// in-cluster service account. Returns the server URL, TLS options and credentials; the token file is kept
// as a path so a rotated service-account token is picked up on the next request.
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { KubernetesSdSetting } from '../../config/scrape-config.js';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeAccess {
  server: string;
  tls: { ca?: Buffer; cert?: Buffer; key?: Buffer; servername?: string; rejectUnauthorized: boolean };
  token?: string;
  tokenFile?: string;
  basic?: { username: string; password: string };
  namespaces: string[];
}

const readOpt = async (path: string | undefined) => (path === undefined ? undefined : readFile(path));
const b64 = (s: unknown) => (typeof s === 'string' ? Buffer.from(s, 'base64') : undefined);

export async function resolveKubeAccess(s: KubernetesSdSetting): Promise<KubeAccess> {
  const tls = {
    ca: await readOpt(s.tls.caFile),
    cert: await readOpt(s.tls.certFile),
    key: await readOpt(s.tls.keyFile),
    servername: s.tls.serverName,
    rejectUnauthorized: !s.tls.insecureSkipVerify,
  };
  const namespaces = [...s.namespaces];
  if (s.kubeconfigFile !== undefined) {
    const kc = await fromKubeconfig(s.kubeconfigFile);
    if (s.ownNamespace && kc.namespace) namespaces.push(kc.namespace);
    return { ...kc.access, server: s.apiServer ?? kc.access.server, namespaces };
  }
  if (s.inCluster) {
    if (s.ownNamespace) namespaces.push((await readFile(`${SERVICE_ACCOUNT_DIR}/namespace`, 'utf8')).trim());
    return {
      server: s.apiServer!,
      tls: { ...tls, ca: tls.ca ?? (await readFile(`${SERVICE_ACCOUNT_DIR}/ca.crt`)) },
      tokenFile: s.bearerTokenFile ?? `${SERVICE_ACCOUNT_DIR}/token`,
      namespaces,
    };
  }
  return { server: s.apiServer!, tls, tokenFile: s.bearerTokenFile, namespaces };
}

async function fromKubeconfig(path: string): Promise<{ access: Omit<KubeAccess, 'namespaces'>; namespace?: string }> {
  const doc = parseYaml(await readFile(path, 'utf8')) as Record<string, unknown>;
  const named = (list: unknown, name: unknown, what: string) => {
    const found = (Array.isArray(list) ? list : []).find((e: { name?: string }) => e?.name === name) as Record<string, unknown> | undefined;
    if (!found) throw new Error(`kubeconfig ${path}: ${what} ${JSON.stringify(name)} not found`);
    return found;
  };
  const ctxName = doc['current-context'];
  const ctx = named(doc.contexts, ctxName, 'context').context as Record<string, unknown>;
  const cluster = named(doc.clusters, ctx.cluster, 'cluster').cluster as Record<string, unknown>;
  const user = (ctx.user !== undefined ? named(doc.users, ctx.user, 'user').user : {}) as Record<string, unknown>;
  if (typeof cluster.server !== 'string') throw new Error(`kubeconfig ${path}: cluster has no server`);
  const access: Omit<KubeAccess, 'namespaces'> = {
    server: cluster.server,
    tls: {
      ca: b64(cluster['certificate-authority-data']) ?? (await readOpt(cluster['certificate-authority'] as string | undefined)),
      cert: b64(user['client-certificate-data']) ?? (await readOpt(user['client-certificate'] as string | undefined)),
      key: b64(user['client-key-data']) ?? (await readOpt(user['client-key'] as string | undefined)),
      servername: cluster['tls-server-name'] as string | undefined,
      rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true,
    },
    token: typeof user.token === 'string' ? user.token : undefined,
    tokenFile: typeof user.tokenFile === 'string' ? user.tokenFile : undefined,
    basic: typeof user.username === 'string' ? { username: user.username, password: String(user.password ?? '') } : undefined,
  };
  return { access, namespace: typeof ctx.namespace === 'string' ? ctx.namespace : undefined };
}
