import { describe, expect, it } from 'vitest';
import { createCumulativeBaselines, subtractTrees } from '../../../../../src/ingest/formats/pprof/cumulative.js';
import { FakeClock } from '../../../../../src/lib/clock.js';
import { Tree } from '../../../../../src/model/tree.js';

const tree = (stacks: [string, number][]) => Tree.fromStacks(stacks.map(([s, v]) => [s.split(';'), v] as const));

describe('subtractTrees', () => {
  it('subtracts per stack and recomputes totals', () => {
    const d = subtractTrees(
      tree([
        ['a;b', 10],
        ['a;c', 5],
        ['a', 2],
        ['d', 1],
      ]),
      tree([
        ['a;b', 4],
        ['a;c', 5],
        ['a', 1],
      ]),
    );
    expect(d.wentBackwards).toBe(false);
    expect(d.tree.toFoldedMap()).toEqual(
      new Map([
        ['a;b', 6],
        ['a', 1],
        ['d', 1],
      ]),
    );
    expect(d.tree.total).toBe(8);
    expect(d.tree.root.children.get('a')!.total).toBe(7);
  });

  it('flags a decrease or a vanished stack as going backwards', () => {
    expect(subtractTrees(tree([['a', 3]]), tree([['a', 4]])).wentBackwards).toBe(true);
    expect(
      subtractTrees(
        tree([['a', 3]]),
        tree([
          ['a', 3],
          ['b;c', 1],
        ]),
      ).wentBackwards,
    ).toBe(true);
    expect(subtractTrees(tree([['a;b', 3]]), tree([['a;b', 3]])).tree.total).toBe(0);
  });
});

describe('createCumulativeBaselines', () => {
  it('first upload is a skipped baseline; next gives the delta; window and reset re-baseline', async () => {
    const clock = new FakeClock();
    const reasons: string[] = [];
    const b = createCumulativeBaselines({ clock, windowMs: 1000, maxEntries: 10, onSkipped: (id, r) => reasons.push(`${id}:${r}`) });
    expect(b.delta('s', tree([['a', 5]]))).toBeUndefined();
    await clock.advance(500);
    expect(b.delta('s', tree([['a', 8]]))!.toFoldedMap()).toEqual(new Map([['a', 3]]));
    await clock.advance(1001);
    expect(b.delta('s', tree([['a', 9]]))).toBeUndefined();
    await clock.advance(10);
    expect(b.delta('s', tree([['a', 2]]))).toBeUndefined();
    await clock.advance(10);
    expect(b.delta('s', tree([['a', 4]]))!.total).toBe(2);
    expect(reasons).toEqual(['s:first', 's:first', 's:reset']);
    expect(b.skippedCount()).toBe(3);
  });

  it('evicts the least recently updated series past maxEntries', () => {
    const b = createCumulativeBaselines({ clock: new FakeClock(), windowMs: 1000, maxEntries: 2 });
    b.delta('x', tree([['a', 1]]));
    b.delta('y', tree([['a', 1]]));
    b.delta('x', tree([['a', 2]])); // x is now the most recent
    b.delta('z', tree([['a', 1]])); // evicts y
    expect(b.size()).toBe(2);
    expect(b.delta('x', tree([['a', 3]]))!.total).toBe(1);
    expect(b.delta('y', tree([['a', 5]]))).toBeUndefined();
  });

  it('maxEntries 0 keeps nothing: every upload is skipped', () => {
    const b = createCumulativeBaselines({ clock: new FakeClock(), windowMs: 1000, maxEntries: 0 });
    expect(b.delta('x', tree([['a', 1]]))).toBeUndefined();
    expect(b.delta('x', tree([['a', 2]]))).toBeUndefined();
    expect(b.size()).toBe(0);
    expect(b.skippedCount()).toBe(2);
  });
});
