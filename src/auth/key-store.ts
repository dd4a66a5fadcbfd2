// API keys: a small JSON file (`<storage-path>/auth/keys.json` by default) written by `pyrelay keys` and
// read by the server. Only a SHA-256 of each key's 32 random bytes is stored; a presented key is found by
// its public id and its secret compared in constant time. The server re-reads the file when it changes
// (checked at most once per `reloadIntervalMs`), so a revocation takes effect without a restart.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from '../lib/clock.js';
import { PyrelayError } from '../model/errors.js';
import { tenantIdProblem } from '../model/tenant.js';

/** ingest: may write profiles; read: may query; admin: both, plus deleting apps. */
export type KeyRole = 'ingest' | 'read' | 'admin';
export const KEY_ROLES: readonly KeyRole[] = ['ingest', 'read', 'admin'];

export interface ApiKeyRecord {
  /** Public part of the key (also in the key text): finds the record without scanning. */
  id: string;
  name: string;
  role: KeyRole;
  /** The tenant every request made with this key belongs to (multi-tenancy on). */
  tenant?: string;
  /** Hex SHA-256 of the secret part. */
  hash: string;
  createdAt: string;
  revokedAt?: string;
}

interface KeyFile {
  version: 1;
  keys: ApiKeyRecord[];
}

/** `pyr_<12 hex id>_<43 base64url chars>`: 256 random bits of secret, so a fast hash is enough. */
const KEY_TEXT = /^pyr_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const MAX_NAME_LENGTH = 128;
/** Bounds the file the server reads on every change. */
export const MAX_KEYS = 10_000;

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();
// Compared against when the id is unknown, so a miss costs the same as a wrong secret.
const DUMMY_HASH = sha256('pyrelay-no-such-key');

export type VerifyResult = { ok: true; key: ApiKeyRecord } | { ok: false; reason: 'invalid_key' | 'revoked_key' };

export function readKeyFile(path: string): ApiKeyRecord[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new PyrelayError('invalid_config', `cannot read API key file ${path}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new PyrelayError('invalid_config', `API key file ${path} is not valid JSON`);
  }
  const keys = (parsed as Partial<KeyFile> | null)?.keys;
  if (!Array.isArray(keys)) throw new PyrelayError('invalid_config', `API key file ${path} has no "keys" list`);
  return keys.filter((k): k is ApiKeyRecord => typeof k?.id === 'string' && typeof k.hash === 'string' && /^[0-9a-f]{64}$/.test(k.hash) && KEY_ROLES.includes(k.role));
}

function writeKeyFile(path: string, keys: ApiKeyRecord[]): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ version: 1, keys } satisfies KeyFile, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, path); // readers see the old or the new file, never half of one
}

export interface CreatedKey {
  record: ApiKeyRecord;
  /** The key itself: shown once, never stored. */
  key: string;
}

/** Management used by `pyrelay keys`: read, change, write back. */
export function createKey(path: string, opts: { name: string; role: KeyRole; tenant?: string; now: Date }): CreatedKey {
  const name = opts.name.trim();
  if (name === '' || name.length > MAX_NAME_LENGTH) throw new PyrelayError('invalid_parameter', `key name must be 1 to ${MAX_NAME_LENGTH} characters`);
  if (!KEY_ROLES.includes(opts.role)) throw new PyrelayError('invalid_parameter', `role must be one of ${KEY_ROLES.join(', ')}`);
  if (opts.tenant !== undefined) {
    const problem = tenantIdProblem(opts.tenant);
    if (problem) throw new PyrelayError('invalid_parameter', problem);
  }
  const keys = readKeyFile(path);
  if (keys.length >= MAX_KEYS) throw new PyrelayError('invalid_parameter', `at most ${MAX_KEYS} keys can exist; revoke and prune some first`);
  if (keys.some((k) => k.name === name && !k.revokedAt)) throw new PyrelayError('invalid_parameter', `an active key named ${JSON.stringify(name)} exists`);
  let id: string;
  do id = randomBytes(6).toString('hex');
  while (keys.some((k) => k.id === id));
  const secret = randomBytes(32).toString('base64url');
  const record: ApiKeyRecord = {
    id,
    name,
    role: opts.role,
    ...(opts.tenant !== undefined ? { tenant: opts.tenant } : {}),
    hash: sha256(secret).toString('hex'),
    createdAt: opts.now.toISOString(),
  };
  writeKeyFile(path, [...keys, record]);
  return { record, key: `pyr_${id}_${secret}` };
}

/** Marks a key (by id or name) revoked. Returns the record, or undefined when no active key matches. */
export function revokeKey(path: string, idOrName: string, now: Date): ApiKeyRecord | undefined {
  const keys = readKeyFile(path);
  const target = keys.find((k) => !k.revokedAt && (k.id === idOrName || k.name === idOrName));
  if (target === undefined) return undefined;
  target.revokedAt = now.toISOString();
  writeKeyFile(path, keys);
  return target;
}

export interface KeyVerifier {
  verify(key: string): VerifyResult;
  /** Active keys (for tests and the start-up log line). */
  activeCount(): number;
}

export interface KeyVerifierOptions {
  path: string;
  clock: Clock;
  /** How often the file's size and mtime are checked for changes (0 = on every verify). */
  reloadIntervalMs: number;
  onReloadError?: (e: Error) => void;
}

export function createKeyVerifier(opts: KeyVerifierOptions): KeyVerifier {
  let byId = new Map<string, ApiKeyRecord>();
  let signature = '';
  let checkedAt = -Infinity;

  const fileSignature = (): string => {
    try {
      const s = statSync(opts.path);
      return `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch {
      return 'absent';
    }
  };

  const reloadIfChanged = () => {
    const now = opts.clock.now();
    if (now - checkedAt < opts.reloadIntervalMs) return;
    checkedAt = now;
    const sig = fileSignature();
    if (sig === signature) return;
    try {
      byId = new Map(readKeyFile(opts.path).map((k) => [k.id, k]));
      signature = sig;
    } catch (e) {
      // Keep the last good set: a half-edited file must not lock everyone out (or let anyone in).
      opts.onReloadError?.(e as Error);
    }
  };
  reloadIfChanged();

  return {
    verify(key) {
      reloadIfChanged();
      const m = KEY_TEXT.exec(key);
      const record = m ? byId.get(m[1]) : undefined;
      const presented = sha256(m ? m[2] : key);
      const stored = record ? Buffer.from(record.hash, 'hex') : DUMMY_HASH;
      const equal = timingSafeEqual(presented, stored);
      if (!record || !equal) return { ok: false, reason: 'invalid_key' };
      if (record.revokedAt) return { ok: false, reason: 'revoked_key' };
      return { ok: true, key: record };
    },
    activeCount() {
      reloadIfChanged();
      let n = 0;
      for (const k of byId.values()) if (!k.revokedAt) n++;
      return n;
    },
  };
}
