// Reads every entry of every database in an lmdb environment, so damage anywhere in the file shows up.
// A damaged page can make lmdb crash the process (SIGSEGV/SIGBUS) instead of throwing: run this in a
// child process (`pyrelay store check`), where a signal is a verdict and not an outage.
import { open } from 'lmdb';

export interface WalkResult {
  databases: number;
  entries: number;
  bytes: number;
}

export async function walkStore(path: string): Promise<WalkResult> {
  const root = open({ path, readOnly: true, maxDbs: 64, encoding: 'binary', keyEncoding: 'binary' });
  try {
    const result: WalkResult = { databases: 0, entries: 0, bytes: 0 };
    // Named databases are the keys of the main database.
    const names: string[] = [];
    for (const { key, value } of root.getRange({})) {
      names.push(Buffer.from(key as Buffer).toString('utf8'));
      result.bytes += (value as Buffer).length;
    }
    for (const name of names) {
      const db = root.openDB({ name, encoding: 'binary', keyEncoding: 'binary' });
      result.databases++;
      for (const { key, value } of db.getRange({})) {
        result.entries++;
        result.bytes += (key as Buffer).length + (value as Buffer).length;
      }
    }
    return result;
  } finally {
    await root.close();
  }
}
