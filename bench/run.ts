// `npm run bench [-- <scenario>...] [--smoke] [--cpu-prof]`: runs the scenarios, prints one table of
// measured vs baseline, and (full runs) writes bench/results/<date>.md and latest.md.
// --smoke runs each scenario for a second or two with tiny sizes: it checks that they run, not how fast.
// --send-thread=on|off sets remote-write.send-thread in the scenarios that forward (an A/B of one build).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './lib/child.js';
import type { BenchContext, Scenario } from './lib/context.js';
import { findNginx } from './lib/nginx.js';
import { markdownTable, textTable, verdict, type Row } from './lib/report.js';
import { acceptCluster } from './scenarios/accept-cluster.js';
import { ingest } from './scenarios/ingest.js';
import { pprofDecode } from './scenarios/pprof-decode.js';
import { pushReceive } from './scenarios/push-receive.js';
import { relay } from './scenarios/relay.js';
import { remoteWriteTax } from './scenarios/remote-write-tax.js';
import { render } from './scenarios/render.js';
import { storage } from './scenarios/storage.js';
import { targetDown } from './scenarios/target-down.js';
import { uiFirstRender } from './scenarios/ui-first-render.js';

const SCENARIOS: Scenario[] = [ingest, relay, remoteWriteTax, acceptCluster, targetDown, pprofDecode, render, storage, pushReceive, uiFirstRender];

const argv = process.argv.slice(2);
const smoke = argv.includes('--smoke');
const cpuProf = argv.includes('--cpu-prof');
const names = argv.filter((a) => !a.startsWith('--'));
const options = Object.fromEntries(argv.filter((a) => /^--[\w-]+=/.test(a)).map((a) => a.slice(2).split(/=(.*)/s, 2) as [string, string]));
const unknown = names.filter((n) => !SCENARIOS.some((s) => s.name === n));
if (unknown.length) {
  console.error(`unknown scenario(s): ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  process.exit(2);
}
const selected = names.length ? SCENARIOS.filter((s) => names.includes(s.name)) : SCENARIOS;

// The server runs from dist/ as `npm start` does: rebuild it when any source file is newer than the build.
ensureBuilt();

const dir = mkdtempSync(join(tmpdir(), 'pyrelay-bench-'));
const cpuProfDir = cpuProf ? join(repoRoot, 'bench/results/profiles') : undefined;
if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });
const memo = new Map<string, Promise<unknown>>();
const notes: { scenario: string; text: string }[] = [];
const ctx: BenchContext = {
  smoke,
  dir,
  durationSec: smoke ? 1 : 10,
  warmupSec: smoke ? 0 : 3,
  connections: smoke ? 4 : 16,
  cpuProfDir,
  options,
  log: (m) => console.log(m),
  note: (scenario, text) => notes.push({ scenario, text }),
  memo<T>(key: string, make: () => Promise<T>) {
    if (!memo.has(key)) memo.set(key, make());
    return memo.get(key) as Promise<T>;
  },
};

const rows: Row[] = [];
const failed: { name: string; error: string }[] = [];
const started = performance.now();
const loadAtStart = loadavg()
  .map((l) => l.toFixed(1))
  .join(' ');
for (const s of selected) {
  const t0 = performance.now();
  console.log(`== ${s.name}: ${s.title}`);
  try {
    rows.push(...(await s.run(ctx)));
    console.log(`   ${s.name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } catch (e) {
    const error = (e as Error).stack ?? String(e);
    failed.push({ name: s.name, error });
    console.error(`   ${s.name} FAILED: ${error}`);
  }
}
const totalSec = (performance.now() - started) / 1000;

console.log('\n' + textTable(rows));
for (const n of notes) console.log(`- ${n.scenario}: ${n.text}`);
for (const f of failed) console.log(`- ${f.name}: FAILED to run: ${f.error.split('\n')[0]}`);

if (!smoke) writeResults();
rmSync(dir, { recursive: true, force: true });

if (smoke) {
  console.log(`bench smoke: ${selected.length - failed.length} passed, ${failed.length} failed`);
} else {
  const misses = rows.filter((r) => verdict(r) === 'MISS').length;
  console.log(`bench: ${rows.length} rows, ${misses} missed goals, ${failed.length} scenarios failed, ${totalSec.toFixed(0)} s`);
}
process.exit(failed.length ? 1 : 0);

function writeResults() {
  const date = new Date().toISOString().slice(0, 10);
  const tryRun = (cmd: string, args: string[]) => {
    try {
      // nginx -v writes to stderr: take both.
      return execFileSync(cmd, args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim() || tryStderr(cmd, args);
    } catch (e) {
      return ((e as { stderr?: string }).stderr ?? '').trim() || 'unknown';
    }
  };
  const tryStderr = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' }).stderr.trim();
  const nginx = findNginx();
  const lines = [
    `# pyrelay benchmark results, ${date}`,
    '',
    `Commit \`${tryRun('git', ['rev-parse', '--short', 'HEAD'])}\`, Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ` +
      `load average at start ${loadAtStart} (other processes share the machine), ` +
      `nginx: ${nginx ? tryRun(nginx, ['-v']).replace(/^nginx version: /, '') : 'not installed'}. Total ${totalSec.toFixed(0)} s.`,
    '',
    `Command: \`npm run bench${names.length ? ` -- ${names.join(' ')}` : ''}\`. Load: autocannon in its own process, ${ctx.connections} connections, ` +
      `${ctx.warmupSec} s warm-up then ${ctx.durationSec} s measured; the server, the floor, nginx (1 worker) and the targets each run as their own process. ` +
      'Ratios compare numbers measured in this same run. Goals are from the issues (the ingest, relay, rw-tax and target-down ones from issue 10, the write path).',
    '',
    markdownTable(rows),
    '',
    '## Notes',
    '',
    ...notes.map((n) => `- **${n.scenario}**: ${n.text}`),
    ...failed.map((f) => `- **${f.name}**: failed to run: \`${f.error.split('\n')[0]}\``),
    '',
  ];
  const outDir = join(repoRoot, 'bench/results');
  mkdirSync(outDir, { recursive: true });
  const text = lines.join('\n');
  if (names.length) {
    writeFileSync(join(outDir, `${date}-${names.join('-')}.md`), text);
  } else {
    writeFileSync(join(outDir, `${date}.md`), text);
    writeFileSync(join(outDir, 'latest.md'), text);
  }
  console.log(`results written to bench/results/`);
}

function ensureBuilt(): void {
  const built = join(repoRoot, 'dist/cli.js');
  const newest = (d: string): number =>
    readdirSync(d, { withFileTypes: true }).reduce((m, e) => Math.max(m, e.isDirectory() ? newest(join(d, e.name)) : statSync(join(d, e.name)).mtimeMs), 0);
  if (existsSync(built) && statSync(built).mtimeMs >= newest(join(repoRoot, 'src'))) return;
  console.log('building the server (dist/ is older than src/)');
  execFileSync('npm', ['run', 'build:server'], { cwd: repoRoot, stdio: 'inherit' });
}
