// Spawns a bench helper or the server as a child process and waits for the JSON log line that says it is up,
// so the measured process owns its CPU and memory and the bench process never shares its event loop.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export const repoRoot = new URL('../..', import.meta.url).pathname;

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** Every stdout/stderr line so far. */
  output: string[];
  /** The first JSON record that `ready` accepted. */
  ready: Record<string, unknown>;
  /** SIGTERM (or `signal`), then waits for exit; SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  args: string[];
  env?: Record<string, string>;
  /** Returns true for the JSON log record that means "up". */
  ready: (rec: Record<string, unknown>) => boolean;
  timeoutMs?: number;
  command?: string;
}

/** Runs `node --import tsx <args>` (or `command`) from the repo root. */
export async function spawnChild(opts: SpawnOptions): Promise<Child> {
  const cmd = opts.command ?? process.execPath;
  const args = opts.command ? opts.args : ['--import', 'tsx', ...opts.args];
  const proc = spawn(cmd, args, { cwd: repoRoot, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')}: not up after ${opts.timeoutMs ?? 30000} ms:\n${output.slice(-20).join('\n')}`)), opts.timeoutMs ?? 30000);
    const onLine = (line: string) => {
      if (output.length < 5000) output.push(line);
      if (!line.startsWith('{')) return;
      try {
        const rec = JSON.parse(line) as Record<string, unknown>;
        if (opts.ready(rec)) {
          clearTimeout(timer);
          resolve(rec);
        }
      } catch {
        /* not JSON */
      }
    };
    createInterface({ input: proc.stdout! }).on('line', onLine);
    createInterface({ input: proc.stderr! }).on('line', onLine);
    proc.once('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited (${code ?? sig}) before it was up:\n${output.slice(-20).join('\n')}`));
    });
  });
  return {
    proc,
    pid: proc.pid!,
    output,
    ready,
    async stop(signal = 'SIGTERM', graceMs = 15000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = once(proc, 'exit');
      proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Peak resident set (VmHWM), current RSS and its anonymous (heap) and file-backed parts (mmapped files such
 * as lmdb's data file count here) of a live process, in bytes, from /proc (Linux only).
 */
export async function memoryOf(pid: number): Promise<{ peakRss: number; rss: number; rssAnon: number; rssFile: number } | undefined> {
  const { readFile } = await import('node:fs/promises');
  try {
    const text = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(/^(\w+):\s+(\d+) kB$/m.exec(text.split('\n').find((l) => l.startsWith(key + ':')) ?? '')?.[2] ?? NaN) * 1024;
    return { peakRss: kb('VmHWM'), rss: kb('VmRSS'), rssAnon: kb('RssAnon'), rssFile: kb('RssFile') + kb('RssShmem') };
  } catch {
    return undefined;
  }
}

/** Samples RSS every `everyMs` until stopped: the peaks of its anonymous and file-backed parts. */
export function sampleRss(pid: number, everyMs = 250): { stop(): { peakAnon: number; peakFile: number } } {
  let peakAnon = 0;
  let peakFile = 0;
  const tick = async () => {
    const m = await memoryOf(pid);
    if (m) {
      peakAnon = Math.max(peakAnon, m.rssAnon);
      peakFile = Math.max(peakFile, m.rssFile);
    }
  };
  const timer = setInterval(() => void tick(), everyMs);
  void tick();
  return {
    stop() {
      clearInterval(timer);
      return { peakAnon, peakFile };
    },
  };
}
