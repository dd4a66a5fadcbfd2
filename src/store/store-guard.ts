// Start-up guard of the local store: refuses a damaged data.mdb with a message that names the file and the
// recovery, and remembers (a marker file) that the store once held data, so an empty or missing data.mdb
// later is refused loudly instead of silently starting over.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PyrelayError } from '../model/errors.js';
import { DATA_MARKER, checkStoreFiles } from './store-check.js';
import type { ProfileStore } from './types.js';

/** The recovery an operator can run, spelled out in every damage message. */
export const recoveryHint = (storagePath: string) =>
  `stop pyrelay and run "pyrelay store quarantine --storage-path ${storagePath}" to move the damaged store aside ` +
  `(pyrelay then starts with an empty store; the remote-write backlog is kept), or restore it from a backup`;

/** Throws a 'store_damaged' error (exit 1) when `<storagePath>/store` is damaged; returns what it found otherwise. */
export function guardStore(storagePath: string): ReturnType<typeof checkStoreFiles> {
  const check = checkStoreFiles(join(storagePath, 'store'));
  if (!check.ok) {
    throw new PyrelayError('store_damaged', `local store is damaged: ${check.file}: ${check.problem}. To recover, ${recoveryHint(storagePath)}`);
  }
  return check;
}

/**
 * The remote-write backlog is an lmdb file too: the same pre-open check, so damage there is a message and
 * not a crash. Its recovery is manual (moving it aside gives up its undelivered items).
 */
export function guardBacklog(storagePath: string): void {
  const dir = join(storagePath, 'remote-write');
  const check = checkStoreFiles(dir);
  if (!check.ok) {
    throw new PyrelayError(
      'store_damaged',
      `remote-write backlog is damaged: ${check.file}: ${check.problem}. To recover, stop pyrelay and move ${dir} aside ` +
        '(its undelivered items are given up; the targets keep what they already received), or restore it from a backup',
    );
  }
}

/** Present while a server has the store open; left behind by a crash (kill -9, power loss, SIGBUS). */
export const RUNNING_MARKER = 'pyrelay-running';

export interface DeepWalk {
  (dir: string): Promise<{ ok: boolean; detail: string }>;
}

/**
 * After a run that did not stop cleanly, reads every entry (in a child process, `deepWalk`) before lmdb
 * opens the store here, so damage that crashed the last run is reported instead of crashing this one.
 * Then marks the store as in use. Returns whether the deep check ran.
 */
export async function beginRun(storagePath: string, deepWalk: DeepWalk | undefined, onDeepCheck: () => void): Promise<boolean> {
  const dir = join(storagePath, 'store');
  const marker = join(dir, RUNNING_MARKER);
  let ran = false;
  if (deepWalk !== undefined && existsSync(marker) && existsSync(join(dir, 'data.mdb'))) {
    onDeepCheck();
    const verdict = await deepWalk(dir);
    ran = true;
    if (!verdict.ok) {
      throw new PyrelayError(
        'store_damaged',
        `local store is damaged: ${join(dir, 'data.mdb')}: reading every entry after an unclean stop failed: ${verdict.detail}. To recover, ${recoveryHint(storagePath)}`,
      );
    }
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(marker, `${process.pid}\n`);
  return ran;
}

/** A clean stop: the next start need not read the whole store. */
export function endRun(storagePath: string): void {
  rmSync(join(storagePath, 'store', RUNNING_MARKER), { force: true });
}

/**
 * Writes the has-data marker once the store holds data: at once when it already does, else after the first
 * direct put or the first checkpoint of ingested log records (the ingester's path).
 */
export function markWhenWritten<S extends ProfileStore & { onCheckpoint?(fn: (seq: number) => void): void }>(store: S, dir: string, alreadyHasData: boolean): S {
  const marker = join(dir, DATA_MARKER);
  let marked = existsSync(marker);
  const mark = () => {
    if (marked) return;
    marked = true;
    writeFileSync(marker, 'this store has held data: an empty or missing data.mdb beside this file means data was lost\n');
  };
  if (alreadyHasData) mark();
  const wrapped: S = {
    ...store,
    async put(profile) {
      await store.put(profile);
      mark();
    },
  };
  if (store.onCheckpoint !== undefined) {
    const onCheckpoint = store.onCheckpoint.bind(store);
    wrapped.onCheckpoint = (fn) =>
      onCheckpoint((seq) => {
        if (seq > 0) mark();
        fn(seq);
      });
  }
  return wrapped;
}
