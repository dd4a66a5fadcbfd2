import { afterEach, describe, expect, it } from 'vitest';
import { T0, folded, profile, tempStore } from './helpers.js';

let cleanup: () => Promise<void> = async () => {};
afterEach(() => cleanup());

const p = (i: number) => profile('app.cpu', { host: 'a' }, { 'main;work': 1 }, T0 + i * 10_000);
const nextTurn = () => new Promise<void>((r) => setImmediate(r));

describe('lmdb store: group commit window', () => {
  it('gathers puts that arrive apart into one commit once writers are concurrent', async () => {
    const env = await tempStore({ batchWindowMs: 10_000 });
    cleanup = env.cleanup;
    const { store } = env;
    await store.put(p(0)); // a lone writer never waits
    expect(store.stats().commits).toBe(1);
    await Promise.all([store.put(p(1)), store.put(p(2))]);
    expect(store.stats().commits).toBe(2);
    // The last commit held two puts, so the next one waits: puts a turn apart share a commit.
    let resolved = false;
    const first = store.put(p(3)).then(() => (resolved = true));
    await nextTurn();
    await nextTurn();
    const second = store.put(p(4));
    expect(resolved).toBe(false); // durable only once committed, and the commit is still gathering
    const closed = store.close(); // closing drains at once: the window is a wait, never a loss
    await Promise.all([first, second, closed]);
    expect(resolved).toBe(true);
    expect(store.stats()).toMatchObject({ puts: 5, commits: 3 });
    const again = await env.openStore();
    const all = await again.select({ appName: 'app.cpu', matchers: [] }, { startMs: T0, endMs: T0 + 60_000 });
    expect(folded(all.tree)).toEqual({ 'main;work': 5 });
  });

  it('commits at once when the gathered batch is full', async () => {
    const env = await tempStore({ batchWindowMs: 60_000, maxBatch: 2 });
    cleanup = env.cleanup;
    const { store } = env;
    await Promise.all([store.put(p(0)), store.put(p(1))]);
    const a = store.put(p(2));
    await nextTurn();
    await Promise.all([a, store.put(p(3))]); // would hang for the 60 s window without the early flush
    expect(store.stats()).toMatchObject({ puts: 4, commits: 2 });
  });

  it('commits each turn when the window is 0', async () => {
    const env = await tempStore({ batchWindowMs: 0 });
    cleanup = env.cleanup;
    const { store } = env;
    await Promise.all([store.put(p(0)), store.put(p(1))]);
    // The last commit held two puts, yet a lone put commits without waiting for company (the store runs on a
    // worker thread, so "a turn apart" on this thread is not a turn apart there: each put is awaited instead).
    await store.put(p(2));
    expect(store.stats().commits).toBe(2);
    await store.put(p(3));
    expect(store.stats().commits).toBe(3);
  });
});
