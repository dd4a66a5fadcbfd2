// A sink (floor server or fake target) in its own process, with its request count readable over HTTP.
import { spawnChild, type Child } from './child.js';

export interface Sink {
  url: string;
  port: number;
  pid: number;
  /** Requests with a body read so far (since this process started). */
  count(): Promise<number>;
  stop(): Promise<void>;
}

export async function startSink(port = 0): Promise<Sink> {
  const child: Child = await spawnChild({ command: process.execPath, args: ['bench/lib/sink-server.mjs', String(port)], ready: (r) => r.msg === 'sink up' });
  const p = child.ready.port as number;
  const url = `http://127.0.0.1:${p}`;
  return {
    url,
    port: p,
    pid: child.pid,
    async count() {
      const res = await fetch(`${url}/__count`);
      return ((await res.json()) as { count: number }).count;
    },
    stop: () => child.stop(),
  };
}
