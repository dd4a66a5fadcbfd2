// Starts a worker thread from a module next to the caller. Under tsx (development, tests) the module is
// TypeScript and workers do not inherit the loader, so a one-line bootstrap registers tsx in the worker first.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Worker, type WorkerOptions } from 'node:worker_threads';

let youngGenerationFlagCleared = false;

/**
 * `--max-semi-space-size` (npm start sets it for the main thread) is process-wide and overrides every worker's
 * `resourceLimits.maxYoungGenerationSizeMb`: each worker would grow a young generation as large as the main
 * thread's. The main thread's heap is sized when it starts, so the flag is cleared before the first worker.
 */
function workersOwnTheirYoungGeneration(): void {
  if (youngGenerationFlagCleared) return;
  youngGenerationFlagCleared = true;
  // Only when it was given: setting V8 flags at run time is best kept to what needs undoing.
  if (![...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => a.includes('--max-semi-space-size'))) return;
  setFlagsFromString('--max-semi-space-size=0');
}

export function startWorker(entry: URL, options: WorkerOptions = {}): Worker {
  workersOwnTheirYoungGeneration();
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  // The ESM build of tsx's API: `require.resolve('tsx/esm/api')` gives the CJS one, which fails under vitest.
  const tsxRoot = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const tsx = pathToFileURL(join(tsxRoot, 'dist/esm/api/index.mjs')).href;
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(code, { ...options, eval: true });
}
