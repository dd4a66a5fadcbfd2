// Runs pyrelay as a child process exactly as a user does (`npm start -- <flags>`, the compiled dist/), so tests can SIGKILL it.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface ChildServer {
  url: string;
  proc: ChildProcess;
  /** Every stdout/stderr line so far (JSON logs). */
  output: string[];
  /** Signals the whole process group and resolves once every process of it has closed its output. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const root = new URL('../..', import.meta.url).pathname;

/** Starts the server with `args` (listen on 127.0.0.1:0 is added) and resolves once it logs its address. */
export async function startChildServer(args: string[], env: Record<string, string> = {}): Promise<ChildServer> {
  const proc = spawn('npm', ['start', '--silent', '--', '--api-bind-addr', '127.0.0.1:0', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group, so kill() reaches node under npm
  });
  const output: string[] = [];
  const url = await startedAddress(proc, output);
  return {
    url,
    proc,
    output,
    async kill(signal = 'SIGTERM') {
      // 'close' fires when every writer of stdout/stderr (npm, tsx and the server itself) has exited.
      const closed = once(proc, 'close');
      try {
        process.kill(-proc.pid!, signal);
      } catch {
        /* already gone */
      }
      await closed;
    },
  };
}

/** Runs the CLI to completion (for start-up failures) and returns its exit code and output. */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const proc = spawn(process.execPath, ['bin/pyrelay.mjs', ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout!.on('data', (d) => (output += d));
  proc.stderr!.on('data', (d) => (output += d));
  const [code] = (await once(proc, 'exit')) as [number | null];
  return { code, output };
}

/** Collects `proc`'s output lines into `output` and resolves with the address the server logs once it listens. */
export function startedAddress(proc: ChildProcess, output: string[]): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const onLine = (line: string) => {
      output.push(line);
      try {
        const rec = JSON.parse(line) as { msg?: string; address?: string };
        if (rec.msg === 'pyrelay started' && rec.address) resolve(rec.address);
      } catch {
        /* not JSON */
      }
    };
    createInterface({ input: proc.stdout! }).on('line', onLine);
    createInterface({ input: proc.stderr! }).on('line', onLine);
    proc.once('exit', (code, signal) => reject(new Error(`server exited (${code ?? signal}) before starting:\n${output.join('\n')}`)));
  });
}
