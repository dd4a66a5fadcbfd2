// The body ring of the send thread: bytes land where hold() says, a body held by several attempts is copied
// once, places are reused oldest first, and a body that does not fit is refused instead of overwriting one in use.
import { describe, expect, it } from 'vitest';
import { createBodyArena } from '../../../src/remote-write/body-arena.js';

const body = (n: number, fill: number) => Buffer.alloc(n, fill);
const bytesAt = (buffer: SharedArrayBuffer, p: { at: number; length: number }) => Buffer.from(buffer, p.at, p.length);

describe('body arena', () => {
  it('copies a body once for every concurrent hold and frees it after the last release', () => {
    const arena = createBodyArena(100);
    const a = body(40, 1);
    const p1 = arena.hold(a)!;
    const p2 = arena.hold(a)!;
    expect(p2).toEqual(p1);
    expect(bytesAt(arena.buffer, p1).equals(a)).toBe(true);
    // A view into a larger buffer: only its own bytes are copied.
    const view = Buffer.from('xxHELLOyy').subarray(2, 7);
    const pv = arena.hold(view)!;
    expect(pv).toEqual({ at: 40, length: 5 });
    expect(bytesAt(arena.buffer, pv).toString()).toBe('HELLO');
    arena.release(a);
    // Still held once: the next body may not take its place.
    expect(arena.hold(body(60, 2))).toBeUndefined();
    arena.release(a);
    arena.release(view);
    expect(arena.hold(body(60, 2))).toEqual({ at: 0, length: 60 });
  });

  it('wraps around, reclaims oldest first, and refuses what does not fit without touching held bytes', () => {
    const arena = createBodyArena(100);
    const [a, b, c] = [body(40, 1), body(40, 2), body(30, 3)];
    expect(arena.hold(a)).toEqual({ at: 0, length: 40 });
    expect(arena.hold(b)).toEqual({ at: 40, length: 40 });
    expect(arena.hold(c)).toBeUndefined(); // 20 bytes left at the end, none at the start
    arena.release(b); // out of order: a still holds the start of the ring
    expect(arena.hold(c)).toBeUndefined();
    arena.release(a); // now both are free: the ring is empty and starts over
    const d = body(90, 4);
    expect(arena.hold(d)).toEqual({ at: 0, length: 90 });
    arena.release(d);
    expect(arena.hold(a)).toEqual({ at: 0, length: 40 });
    expect(arena.hold(b)).toEqual({ at: 40, length: 40 });
    arena.release(a);
    // b is held at 40..80: c (30) fits at the start, e (25) nowhere (20 at the end, 10 before b).
    expect(arena.hold(c)).toEqual({ at: 0, length: 30 });
    const e = body(25, 5);
    expect(arena.hold(e)).toBeUndefined();
    expect(arena.hold(body(10, 6))).toEqual({ at: 30, length: 10 });
    expect(bytesAt(arena.buffer, { at: 40, length: 40 }).equals(b)).toBe(true);
    expect(bytesAt(arena.buffer, { at: 0, length: 30 }).equals(c)).toBe(true);
  });

  it('a body larger than the ring is refused', () => {
    const arena = createBodyArena(64);
    expect(arena.hold(body(65, 1))).toBeUndefined();
    expect(arena.hold(body(64, 1))).toEqual({ at: 0, length: 64 });
  });
});
