// The store's stack → call-path id cache: a byte range and the same text get the same id, stacks that share the
// hashed edges (same length, same first and last 64 bytes) stay apart, and the cache stays within its bound.
import { describe, expect, it } from 'vitest';
import { createStackCache } from '../../../src/store/stack-cache.js';

/** A resolver that numbers distinct texts and counts how often it was asked. */
const numbering = () => {
  const ids = new Map<string, number>();
  const r = { calls: 0, resolve: (t: string) => (r.calls++, ids.get(t) ?? (ids.set(t, ids.size + 1), ids.size)) };
  return r;
};

const bytesOf = (body: string, stack: string) => {
  const b = Buffer.from(body);
  const start = b.indexOf(stack);
  return [b, start, start + Buffer.byteLength(stack)] as const;
};

describe('stack cache', () => {
  it('answers a known stack from its bytes without resolving it again; text and bytes agree', () => {
    const r = numbering();
    const c = createStackCache(100).of('app');
    const body = 'x;y 1\na;b;c 2\n';
    const first = c.ofBytes(...bytesOf(body, 'a;b;c'), r.resolve);
    expect(c.ofBytes(...bytesOf('zz a;b;c 9', 'a;b;c'), r.resolve)).toBe(first);
    expect(r.calls).toBe(1);
    expect(c.ofText('a;b;c', r.resolve)).toBe(first);
    // Non-ASCII frames are decoded as the folded decoder decodes them (a leading BOM stays part of the frame).
    const bom = '\ufeffmain;caf\u00e9';
    expect(c.ofBytes(...bytesOf(bom, bom), r.resolve)).toBe(r.resolve(bom));
  });

  it('keeps apart stacks whose hashed edges are equal (only the middle differs)', () => {
    const r = numbering();
    const c = createStackCache(100).of('app');
    const root = 'runtime.goexit;' + 'main.serve;'.repeat(10);
    const leaf = ';net/http.(*conn).readLoop'.repeat(4);
    const stacks = ['alpha', 'bravo', 'delta', 'gamma'].map((m) => `${root}${m}${leaf}`);
    expect(new Set(stacks.map((s) => s.length)).size).toBe(1);
    const ids = stacks.map((s) => c.ofBytes(...bytesOf(`${s} 1\n`, s), r.resolve));
    expect(new Set(ids).size).toBe(4);
    expect(stacks.map((s) => c.ofBytes(...bytesOf(`q ${s}`, s), r.resolve))).toEqual(ids);
    expect(r.calls).toBe(4);
  });

  it('is bounded per app: past max entries it starts over; apps do not share entries', () => {
    const r = numbering();
    const cache = createStackCache(3);
    const a = cache.of('a');
    for (const s of ['s1', 's2', 's3']) a.ofBytes(...bytesOf(s, s), r.resolve);
    a.ofBytes(...bytesOf('s1', 's1'), r.resolve);
    expect(r.calls).toBe(3);
    a.ofBytes(...bytesOf('s4', 's4'), r.resolve); // full: emptied, then s4 kept
    a.ofBytes(...bytesOf('s1', 's1'), r.resolve);
    expect(r.calls).toBe(5);
    cache.of('b').ofBytes(...bytesOf('s4', 's4'), r.resolve);
    expect(r.calls).toBe(6);
    cache.delete('a');
    cache.of('a').ofBytes(...bytesOf('s4', 's4'), r.resolve);
    expect(r.calls).toBe(7);
  });

  it('keeps pprof location-stack hashes per app, bounded like the rest', () => {
    const cache = createStackCache(2);
    const a = cache.of('a');
    a.rememberHash(1, 10);
    a.rememberHash(2, 20);
    expect([a.ofHash(1), a.ofHash(2), a.ofHash(3), cache.of('b').ofHash(1)]).toEqual([10, 20, undefined, undefined]);
    a.rememberHash(3, 30); // full: emptied, then 3 kept
    expect([a.ofHash(1), a.ofHash(3)]).toEqual([undefined, 30]);
    cache.clear();
    expect(cache.of('a').ofHash(3)).toBeUndefined();
  });
});
