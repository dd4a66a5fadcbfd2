// Starts pyrelay exactly as a user does (`pyrelay server --config server.yml`), as a child process, so its
// RSS and CPU are its own. Listens on 127.0.0.1:0; the address comes from the `pyrelay started` log line.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { memoryOf, sampleRss, spawnChild, type Child } from './child.js';

/** What `npm start` passes in NODE_OPTIONS (package.json); the bench runs the server with the same. */
export const PRODUCTION_NODE_FLAGS = ['--max-semi-space-size=64'];

export interface PyrelayProcess {
  url: string;
  pid: number;
  storagePath: string;
  /** Peak resident set so far (VmHWM), bytes. */
  peakRss(): Promise<number>;
  /** Starts sampling the anonymous / file-backed split of RSS. */
  sampleRss(): ReturnType<typeof sampleRss>;
  metrics(): Promise<string>;
  /** Graceful stop (SIGTERM); the store is closed and flushed when this resolves. */
  stop(): Promise<void>;
}

export interface PyrelayOptions {
  /** Work dir: gets server.yml and (unless given in config) data/. */
  dir: string;
  /** Raw YAML config merged over the bench defaults. */
  config?: Record<string, unknown>;
  /** Write a V8 CPU profile of the server into this directory on exit. */
  cpuProfDir?: string;
  /**
   * More than 1: that many servers behind one port with node:cluster (bench/lib/cluster-pyrelay.mjs), each with its
   * own storage path. `pid` is then the cluster's primary, which does not serve requests.
   */
  processes?: number;
}

export async function startPyrelay(opts: PyrelayOptions): Promise<PyrelayProcess> {
  mkdirSync(opts.dir, { recursive: true });
  const raw: Record<string, unknown> = {
    'api-bind-addr': '127.0.0.1:0',
    'storage-path': join(opts.dir, 'data'),
    // info is needed for the `pyrelay started` line; fastify request logging is off in the server.
    'log-level': 'info',
    ...opts.config,
  };
  const file = join(opts.dir, 'server.yml');
  writeFileSync(file, stringify(raw));
  // The production flags (`npm start`): measuring another configuration than the one users run misleads.
  const nodeFlags = [...PRODUCTION_NODE_FLAGS, ...(opts.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', opts.cpuProfDir] : [])];
  const processes = opts.processes ?? 1;
  const clusterConfigs = Array.from({ length: processes > 1 ? processes : 0 }, (_, i) => {
    const f = join(opts.dir, `server-${i + 1}.yml`);
    writeFileSync(f, stringify({ ...raw, 'storage-path': `${raw['storage-path'] as string}-${i + 1}` }));
    return f;
  });
  const child: Child = await spawnChild({
    command: process.execPath,
    // The compiled server (`npm start` runs dist/, not tsx); bench/run.ts rebuilds it when src/ is newer.
    args: processes > 1 ? [...nodeFlags, 'bench/lib/cluster-pyrelay.mjs', ...clusterConfigs] : [...nodeFlags, 'dist/cli.js', 'server', '--config', file],
    ready: (r) => r.msg === 'pyrelay started' && typeof r.address === 'string' && (processes === 1 || r.processes === processes),
    timeoutMs: 60_000,
  });
  const url = child.ready.address as string;
  return {
    url,
    pid: child.pid,
    storagePath: raw['storage-path'] as string,
    sampleRss: () => sampleRss(child.pid),
    async peakRss() {
      return (await memoryOf(child.pid))?.peakRss ?? NaN;
    },
    async metrics() {
      return (await fetch(`${url}/metrics`)).text();
    },
    stop: () => child.stop('SIGTERM', 60_000),
  };
}

/** Sums every sample of `name` whose label set contains all of `labels` (e.g. `target_name="b"`). */
export function metricSum(text: string, name: string, labels: string[] = []): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    if (!labels.every((l) => line.includes(l))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
