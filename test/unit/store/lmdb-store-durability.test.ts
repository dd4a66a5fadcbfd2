// What put() acknowledged survives: a SIGKILL of the writing process, and a batch that fails and is retried
// one by one (the in-memory path dictionary must not keep ids the aborted transaction never stored).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isPyrelayError } from '../../../src/model/errors.js';
import { childProfile } from './fixtures/crash-profiles.js';
import { T0, folded, profile, tempStore } from './helpers.js';

const child = fileURLToPath(new URL('./fixtures/put-child.ts', import.meta.url));
const root = path.resolve(path.dirname(child), '../../../..');
let cleanup: () => Promise<void> = async () => {};
afterEach(() => cleanup());

describe('lmdb store: durability', () => {
  it('every put acknowledged before SIGKILL is there, exactly, after reopening', async () => {
    const env = await tempStore();
    cleanup = env.cleanup;
    await env.store.close(); // the child owns the directory now
    const proc = spawn(process.execPath, ['--import', 'tsx', child, env.dir], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d) => (stderr += String(d)));
    const acked = new Set<number>();
    createInterface({ input: proc.stdout }).on('line', (l) => {
      acked.add((JSON.parse(l) as { acked: number }).acked);
      if (acked.size === 400) proc.kill('SIGKILL');
    });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => proc.on('close', (_c, s) => resolve(s)));
    expect(signal, stderr).toBe('SIGKILL');
    expect(acked.size).toBeGreaterThanOrEqual(400);

    const store = await env.openStore();
    const all = { appName: 'crash.cpu', matchers: [] };
    for (const i of acked) {
      const r = await store.select(all, { startMs: T0 + i * 10_000, endMs: T0 + (i + 1) * 10_000 });
      expect(folded(r.tree), `put ${i}`).toEqual(folded(childProfile(i).tree));
    }
    // unacknowledged puts may or may not have landed, but never partially: the whole range adds up
    const max = Math.max(...acked) + 16;
    const whole = await store.select(all, { startMs: T0, endMs: T0 + max * 10_000 });
    let expected = 0;
    for (let i = 0; i < max; i++) {
      const r = await store.select(all, { startMs: T0 + i * 10_000, endMs: T0 + (i + 1) * 10_000 });
      if (r.tree.total > 0) expect(folded(r.tree), `put ${i}`).toEqual(folded(childProfile(i).tree));
      expected += r.tree.total;
    }
    expect(whole.tree.total).toBe(expected);
    expect(whole.timeline.samples.reduce((a, b) => a + b, 0)).toBe(expected);
    // and writing on top of the recovered dictionary keeps old and new paths apart
    await store.put(profile('crash.cpu', { host: 'h0' }, { 'main;brand;new': 5 }, T0));
    const first = await store.select(all, { startMs: T0, endMs: T0 + 10_000 });
    expect(folded(first.tree)).toEqual({ ...folded(childProfile(0).tree), 'main;brand;new': 5 });
  }, 60_000);

  it('a failed batch is retried one by one; the survivor keeps its new stacks, across a reopen too', async () => {
    const env = await tempStore();
    cleanup = env.cleanup;
    const results = await Promise.allSettled([
      env.store.put(profile('b.cpu', {}, { 'x;y;z': 3, 'x;w': 1 }, T0)),
      env.store.put(profile('b.cpu', { bad: 'v'.repeat(3000) }, { 'q;r': 2 }, T0)),
      env.store.put(profile('b.cpu', {}, { 'x;y;k': 4 }, T0 + 10_000)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(isPyrelayError((results[1] as PromiseRejectedResult).reason)).toBe(true);
    const range = { startMs: T0, endMs: T0 + 100_000 };
    const want = { 'x;w': 1, 'x;y;k': 4, 'x;y;z': 3 };
    expect(folded((await env.store.select({ appName: 'b.cpu', matchers: [] }, range)).tree)).toEqual(want);
    await env.store.close();
    const again = await env.openStore();
    expect(folded((await again.select({ appName: 'b.cpu', matchers: [] }, range)).tree)).toEqual(want);
    await again.put(profile('b.cpu', {}, { 'q;r': 2 }, T0));
    expect(folded((await again.select({ appName: 'b.cpu', matchers: [] }, range)).tree)).toEqual({ ...want, 'q;r': 2 });
  });
});
