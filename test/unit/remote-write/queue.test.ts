import { describe, expect, it } from 'vitest';
import { createMemoryQueue } from '../../../src/remote-write/queue.js';
import { item } from './fixtures.js';

describe('memory queue', () => {
  it('holds at most capacity waiting items, FIFO; a waiting taker gets an item directly', async () => {
    const q = createMemoryQueue(2);
    const taken = q.take();
    expect(q.push(item({ profileId: 'a' }))).toBe('accepted');
    expect((await taken)?.item.profileId).toBe('a');
    expect(q.push(item({ profileId: 'b' }))).toBe('accepted');
    expect(q.push(item({ profileId: 'c' }))).toBe('accepted');
    expect(q.push(item({ profileId: 'd' }))).toBe('full');
    expect(q.pending).toBe(3); // b and c wait, a is taken
    expect((await q.take())?.item.profileId).toBe('b');
    expect(q.push(item({ profileId: 'e' }))).toBe('accepted');
    q.close();
    expect(q.push(item())).toBe('closed');
    expect((await q.take())?.item.profileId).toBe('c');
    expect(q.drain().map((i) => i.profileId)).toEqual(['e']);
    expect(await q.take()).toBeUndefined();
  });

  it('close wakes waiting takers with undefined', async () => {
    const q = createMemoryQueue(1);
    const t = q.take();
    q.close();
    expect(await t).toBeUndefined();
  });
});
