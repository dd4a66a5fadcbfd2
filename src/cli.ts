// `pyrelay server --config server.yml [--flags]`: flags are generated from the config schema's scalar keys.
import { spawn } from 'node:child_process';
import { Command, Option } from 'commander';
import { loadConfig, scalarSettings } from './config/load.js';
import { Registry } from 'prom-client';
import { createLogger } from './lib/logger.js';
import { guardUnhandledRejections } from './lib/rejection-guard.js';
import { isPyrelayError } from './model/errors.js';
import { createPyrelay } from './main.js';
import { keysCommand } from './keys-cli.js';
import { checkStore, quarantineStore, type WalkVerdict } from './store/store-admin.js';
import { walkStore } from './store/store-walk.js';

const program = new Command('pyrelay').description('Pyroscope-compatible profiling server with reliable remote write');

const server = program
  .command('server')
  .description('run the server')
  .addOption(new Option('--config <file>', 'path to the YAML config file (original Pyroscope server keys)').env('PYROSCOPE_CONFIG'));
for (const s of scalarSettings()) {
  const def = s.defaultValue === undefined ? '' : ` (default ${JSON.stringify(s.defaultValue)}, env ${s.env})`;
  server.addOption(new Option(`--${s.path} <value>`, `${s.description}${def}`));
}

server.action(async (opts: Record<string, string | undefined>) => {
  const flags: Record<string, string | undefined> = {};
  for (const s of scalarSettings()) {
    // commander camel-cases option names: `remote-write.enabled` -> `remoteWrite.enabled`.
    const attr = s.path.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
    if (opts[attr] !== undefined) flags[s.path] = opts[attr];
  }
  let loaded;
  try {
    loaded = loadConfig({ file: opts.config, env: process.env, flags });
  } catch (e) {
    process.stderr.write(`pyrelay: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const logger = createLogger(loaded.config.logLevel);
  for (const w of loaded.warnings) logger.warn(w);
  // Before anything can reject: a stray rejection during start-up must not end the process either.
  const registry = new Registry();
  guardUnhandledRejections(process, { logger, registry });
  try {
    const relay = await createPyrelay(loaded.config, {
      logger,
      registry,
      deepWalk,
      loadConfig: () => loadConfig({ file: opts.config, env: process.env, flags }).config,
    });
    await relay.start();
    let signals = 0;
    let firstAt = 0;
    const onSignal = (sig: string) => {
      // Under `npm start` the process group's signal also arrives relayed by tsx a moment later: only a second
      // signal sent on purpose (over a second after the first) cuts the orderly shutdown short.
      if (signals > 0 && Date.now() - firstAt < 1000) return;
      firstAt ||= Date.now();
      if (++signals > 1) {
        logger.warn({ signal: sig }, 'second signal: exiting now');
        process.exit(1);
      }
      logger.info({ signal: sig }, 'shutting down');
      relay.stop().then(
        () => process.exit(0),
        (e) => {
          logger.error({ err: e }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    // SIGHUP re-reads the config file (pull-mode changes apply live; an invalid file is refused and logged).
    process.on('SIGHUP', () => void relay.reload());
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  } catch (e) {
    logger.fatal({ err: e }, isPyrelayError(e) ? e.message : 'start-up failed');
    process.exit(1);
  }
});

program.addCommand(keysCommand());
// `pyrelay store check|quarantine`: offline checks of the local store (see README, "Damaged store").
const storeCmd = program.command('store').description('check the local store, or move a damaged one aside');
const storagePathOption = () => new Option('--storage-path <dir>', "the server's storage-path").default('./data');
/** The deep walk runs in a child process of this same CLI: damage can crash lmdb, and a crash is then a verdict. */
const deepWalk = (dir: string): Promise<WalkVerdict> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1], 'store', 'walk', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code, signal) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0) resolve({ ok: true, detail: last });
      else resolve({ ok: false, detail: signal ? `the reader was killed by ${signal}` : `the reader failed (exit ${code}): ${last.slice(0, 300)}` });
    });
  });
storeCmd
  .command('check')
  .description('check the store: meta pages and size (quick), and with --deep read every entry in a child process')
  .addOption(storagePathOption())
  .option('--deep', 'also read every entry (takes as long as reading the whole file)')
  .action(async (opts: { storagePath: string; deep?: boolean }) => {
    const report = await checkStore(opts.storagePath, opts.deep ? deepWalk : undefined);
    for (const line of report.lines) process.stdout.write(`${line}\n`);
    if (!report.ok) process.stdout.write(`to recover: pyrelay store quarantine --storage-path ${opts.storagePath}\n`);
    process.exit(report.ok ? 0 : 1);
  });
storeCmd
  .command('quarantine')
  .description('move a damaged store aside (to <storage-path>/store.damaged-<time>) so the server starts empty')
  .addOption(storagePathOption())
  .option('--deep', 'decide with the deep check')
  .option('--force', 'move the store aside even when it checks fine')
  .action(async (opts: { storagePath: string; deep?: boolean; force?: boolean }) => {
    const report = await quarantineStore(opts.storagePath, { force: opts.force === true, nowMs: Date.now(), deepWalk: opts.deep ? deepWalk : undefined });
    for (const line of report.lines) process.stdout.write(`${line}\n`);
    process.exit(report.ok ? 0 : 1);
  });
storeCmd
  .command('walk <dir>', { hidden: true })
  .description('internal: read every entry of the lmdb environment in <dir>')
  .action(async (dir: string) => {
    const r = await walkStore(dir);
    process.stdout.write(`${r.databases} databases, ${r.entries} entries, ${r.bytes} bytes\n`);
    process.exit(0);
  });

await program.parseAsync(process.argv);
