// A real pyrelay server as ONE child node process (no npm/tsx wrapper), so tests can read its memory in
// /proc/<pid>/status, reset its peak RSS, and see an exit code or signal as the server's own.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startedAddress } from './child-server.js';

const root = new URL('../..', import.meta.url).pathname;

export interface ServerProcess {
  url: string;
  pid: number;
  proc: ChildProcess;
  output: string[];
  /** SIGTERM, then resolves with how the process ended. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `pyrelay server <args>` on 127.0.0.1:0 (same NODE_OPTIONS as `npm start`) and resolves once it listens. */
export async function startServerProcess(args: string[]): Promise<ServerProcess> {
  const proc = spawn(process.execPath, ['--max-semi-space-size=64', '--import', 'tsx', join(root, 'src/cli.ts'), 'server', '--api-bind-addr', '127.0.0.1:0', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const url = await startedAddress(proc, output);
  let ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  return {
    url,
    pid: proc.pid!,
    proc,
    output,
    stop() {
      ended ??= (async () => {
        if (proc.exitCode !== null || proc.signalCode !== null) return { code: proc.exitCode, signal: proc.signalCode };
        const exit = once(proc, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
        proc.kill('SIGTERM');
        const [code, signal] = await exit;
        return { code, signal };
      })();
      return ended;
    },
  };
}

export interface Memory {
  /** Resident set size now, MiB. */
  rssMiB: number;
  /** Peak resident set size since start or the last resetPeak(), MiB. */
  peakMiB: number;
}

const kib = (status: string, key: string): number => {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!m) throw new Error(`${key} not in /proc status`);
  return Number(m[1]);
};

export function readMemory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rssMiB: kib(status, 'VmRSS') / 1024, peakMiB: kib(status, 'VmHWM') / 1024 };
}

/**
 * CPU time (user + system, ms) the process has used so far. The main thread cannot have been blocked by
 * its own work for longer than the CPU time used meanwhile, whatever the machine's load.
 */
export function cpuTimeMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start at state, field 3; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

/** Resets VmHWM to the current RSS (Linux clear_refs 5), so the next peak is this request's. */
export function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/**
 * Runs `work` while probing GET /healthz back to back (each probe waits for the previous answer); resolves
 * with work's result and every probe's latency in ms. At least one probe is sent.
 */
export async function withHealthProbe<T>(url: string, work: () => Promise<T>): Promise<{ result: T; latenciesMs: number[] }> {
  const latenciesMs: number[] = [];
  let done = false;
  const probing = (async () => {
    do {
      const t0 = performance.now();
      const res = await fetch(`${url}/healthz`);
      await res.text();
      latenciesMs.push(performance.now() - t0);
      if (res.status !== 200) throw new Error(`/healthz answered ${res.status}`);
      await new Promise((r) => setTimeout(r, 5));
    } while (!done);
  })();
  try {
    const result = await work();
    return { result, latenciesMs };
  } finally {
    done = true;
    await probing;
  }
}
