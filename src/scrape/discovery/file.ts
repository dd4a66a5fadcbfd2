// file-sd-configs: JSON or YAML files of target groups, as Prometheus writes them (`targets`, `labels`),
// plus the original's `application` and `spy-name` shorthands. Files are matched by glob (wildcards in the
// last path element only) and re-read every refresh-interval; a file that fails to parse keeps its last
// good groups and the error is logged once per distinct message.
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { FileSdSetting } from '../../config/scrape-config.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import { ADDRESS_LABEL, APP_NAME_LABEL, SPY_NAME_LABEL, type LabelSet } from '../labels.js';
import type { TargetGroup } from '../targets.js';
import type { Discoverer } from './discoverer.js';

export const FILE_PATH_LABEL = '__meta_filepath';
// A target file larger than this is refused (a runaway generator must not exhaust memory).
export const MAX_TARGET_FILE_BYTES = 16 * 1024 * 1024;

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        const body = glob
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

async function expand(pattern: string): Promise<string[]> {
  const dir = dirname(pattern);
  const base = basename(pattern);
  if (!/[*?[]/.test(base)) return [pattern];
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const re = globToRegExp(base);
  return names
    .filter((n) => re.test(n))
    .sort()
    .map((n) => join(dir, n));
}

/** Parses one target file's text into groups; throws with a message naming the file and the entry. */
export function parseTargetFile(path: string, text: string): TargetGroup[] {
  const ext = extname(path).toLowerCase();
  let data: unknown;
  try {
    data = ext === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new Error(`${path}: not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${(e as Error).message}`);
  }
  if (data === null || data === undefined) return [];
  if (!Array.isArray(data)) throw new Error(`${path}: expected a list of target groups`);
  return data.map((raw, i) => {
    const where = `${path}: group ${i}`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${where}: expected an object`);
    const g = raw as Record<string, unknown>;
    for (const k of Object.keys(g)) {
      if (!['targets', 'labels', 'application', 'spy-name'].includes(k)) throw new Error(`${where}: unknown key ${JSON.stringify(k)}`);
    }
    const targets = g.targets ?? [];
    if (!Array.isArray(targets) || targets.some((t) => typeof t !== 'string')) throw new Error(`${where}: targets must be a list of host:port strings`);
    const labels: LabelSet = {};
    if (g.labels !== undefined && g.labels !== null) {
      if (typeof g.labels !== 'object' || Array.isArray(g.labels)) throw new Error(`${where}: labels must be a map`);
      for (const [k, v] of Object.entries(g.labels as Record<string, unknown>)) {
        if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw new Error(`${where}: label ${k} must be a string`);
        labels[k] = String(v);
      }
    }
    if (typeof g.application === 'string') labels[APP_NAME_LABEL] = g.application;
    if (typeof g['spy-name'] === 'string') labels[SPY_NAME_LABEL] = g['spy-name'];
    labels[FILE_PATH_LABEL] = path;
    return { source: `file/${path}/${i}`, targets: (targets as string[]).map((t) => ({ [ADDRESS_LABEL]: t })), labels };
  });
}

export interface FileDiscovererDeps {
  setting: FileSdSetting;
  clock: Clock;
  logger: Logger;
  onReadError?: () => void;
}

export function createFileDiscoverer(deps: FileDiscovererDeps): Discoverer {
  const stopCtl = new AbortController();
  const lastGood = new Map<string, TargetGroup[]>();
  const lastError = new Map<string, string>();
  let lastReported = '';
  let loop: Promise<void> | undefined;

  async function refresh(onUpdate: (groups: TargetGroup[]) => void) {
    const files = new Set<string>();
    for (const pattern of deps.setting.files) for (const f of await expand(pattern)) files.add(f);
    for (const f of [...lastGood.keys()]) if (!files.has(f)) lastGood.delete(f);
    for (const f of files) {
      try {
        const text = await readFile(f, 'utf8');
        if (Buffer.byteLength(text) > MAX_TARGET_FILE_BYTES) throw new Error(`${f}: larger than ${MAX_TARGET_FILE_BYTES} bytes`);
        lastGood.set(f, parseTargetFile(f, text));
        lastError.delete(f);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          lastGood.delete(f); // a file that went away takes its targets with it
          continue;
        }
        const msg = (e as Error).message;
        deps.onReadError?.();
        if (lastError.get(f) !== msg) deps.logger.warn({ file: f, err: msg }, 'file discovery: cannot use target file; keeping its last good targets');
        lastError.set(f, msg);
      }
    }
    const groups = [...lastGood.values()].flat();
    const fingerprint = JSON.stringify(groups);
    if (stopCtl.signal.aborted || fingerprint === lastReported) return;
    lastReported = fingerprint;
    onUpdate(groups);
  }

  return {
    start(onUpdate) {
      loop ??= (async () => {
        while (!stopCtl.signal.aborted) {
          await refresh(onUpdate);
          try {
            await deps.clock.sleep(deps.setting.refreshIntervalMs, stopCtl.signal);
          } catch {
            return;
          }
        }
      })();
    },
    async stop() {
      stopCtl.abort();
      await loop;
    },
  };
}
