// `pyrelay store check|quarantine`: what an operator runs when the local store is suspected damaged. The
// quick check reads the meta pages (store-check.ts); the deep one reads every entry in a child process,
// since damage inside data pages can crash lmdb instead of raising an error.
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { checkStoreFiles } from './store-check.js';

export interface WalkVerdict {
  ok: boolean;
  detail: string;
}

export interface StoreCheckReport {
  ok: boolean;
  /** Lines for the operator. */
  lines: string[];
}

/** Checks `<storagePath>/store`; `deepWalk` (when given) reads every entry in a child process. */
export async function checkStore(storagePath: string, deepWalk?: (dir: string) => Promise<WalkVerdict>): Promise<StoreCheckReport> {
  const dir = join(storagePath, 'store');
  const quick = checkStoreFiles(dir);
  if (!quick.ok) return { ok: false, lines: [`DAMAGED ${quick.file}: ${quick.problem}`] };
  const lines = [`ok ${quick.file}: ${quick.detail}${quick.hadData ? '' : ' (no data written yet)'}`];
  if (deepWalk === undefined || quick.state !== 'valid') return { ok: true, lines };
  const walk = await deepWalk(dir);
  if (!walk.ok) return { ok: false, lines: [`DAMAGED ${quick.file}: reading every entry failed: ${walk.detail}`] };
  lines.push(`ok every entry read: ${walk.detail}`);
  return { ok: true, lines };
}

/**
 * Moves `<storagePath>/store` to `<storagePath>/store.damaged-<time>` so the server starts with an empty
 * store. Refuses a store that checks fine unless `force`. The remote-write backlog is not touched.
 */
export async function quarantineStore(storagePath: string, opts: { force: boolean; nowMs: number; deepWalk?: (dir: string) => Promise<WalkVerdict> }): Promise<StoreCheckReport> {
  const dir = join(storagePath, 'store');
  if (!existsSync(dir)) return { ok: false, lines: [`nothing to quarantine: ${dir} does not exist`] };
  const report = await checkStore(storagePath, opts.deepWalk);
  if (report.ok && !opts.force) {
    return { ok: false, lines: [...report.lines, 'the store is not damaged: nothing moved (use --force to move it aside anyway)'] };
  }
  const stamp = new Date(opts.nowMs).toISOString().replace(/[:.]/g, '-');
  const target = join(storagePath, `store.damaged-${stamp}`);
  renameSync(dir, target);
  return { ok: true, lines: [...report.lines, `moved ${dir} to ${target}; pyrelay will start with an empty store`] };
}
