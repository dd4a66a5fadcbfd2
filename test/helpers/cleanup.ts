// Per-test teardown: what a test starts (servers, fake targets, temp dirs) is deferred here and undone after
// the test, last started first, pass or fail.
import { afterEach } from 'vitest';
import { startFakeTarget, type FakeTarget } from './fake-target.js';

export type Defer = (undo: () => unknown) => void;

/** Registers the afterEach hook (call once, at the top of a test file) and returns `defer`. */
export function cleanupAfterEach(): Defer {
  const undo: (() => unknown)[] = [];
  afterEach(async () => {
    for (const u of undo.splice(0).reverse()) await u();
  });
  return (u) => void undo.push(u);
}

/** A fake target on port 0, closed after the test. */
export async function fakeTarget(defer: Defer, ...args: Parameters<typeof startFakeTarget>): Promise<FakeTarget> {
  const t = await startFakeTarget(...args);
  defer(() => t.close());
  return t;
}
