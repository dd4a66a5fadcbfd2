// Shared by the format decoder tests: inputs, encoders for the binary formats, and error capture.
import { expect } from 'vitest';
import { PyrelayError } from '../../../../src/model/errors.js';
import type { DecodeInput, DecodeLimits, DecodedProfile } from '../../../../src/model/profile.js';
import { decodeInput } from '../../../helpers/decode-input.js';

/** Fuzz iterations per decoder; CI uses the default. For a longer run: FUZZ_RUNS=1000000 npx vitest run test/unit/ingest/formats */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);

export const LIMITS: DecodeLimits = { maxDecompressedBytes: 64 << 20, maxSeriesPerRequest: 100, maxLabelsPerSeries: 100 };

export function input(body: Uint8Array | string, limits: Partial<DecodeLimits> = {}): DecodeInput {
  return decodeInput(body, { key: { appName: 'app.cpu', labels: { env: 'test' } }, spyName: 'gospy', sampleRate: 99, aggregation: 'average', limits: { ...LIMITS, ...limits } });
}

export const utf8 = (s: string) => Buffer.from(s, 'utf8');

/** The only profile's stacks as `a;b;c` -> value. */
export function folded(profiles: DecodedProfile[]): Record<string, number> {
  expect(profiles).toHaveLength(1);
  return Object.fromEntries(profiles[0].tree.toFoldedMap());
}

export function errorOf(fn: () => unknown): PyrelayError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PyrelayError) return e;
    throw e;
  }
  throw new Error('expected a PyrelayError');
}

/** Runs `fn`, failing the test on anything thrown that is not a PyrelayError. */
export function onlyTypedErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof PyrelayError)) throw e;
    expect(e.status === 413 || e.status === 422).toBe(true);
  }
}

export function uvarint(n: number | bigint): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}

/** One serialized node: uvarint(len) bytes uvarint(value) uvarint(childCount). */
export function node(name: string | Uint8Array, value: number | bigint, childCount: number): number[] {
  const bytes = typeof name === 'string' ? utf8(name) : name;
  return [...uvarint(bytes.length), ...bytes, ...uvarint(value), ...uvarint(childCount)];
}

export interface EncNode {
  name: Uint8Array;
  value: number;
  children: EncNode[];
}

export function serialize(root: EncNode): Buffer {
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    out.push(...node(n.name, n.value, n.children.length));
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
  }
  return Buffer.from(out);
}

/** A tree-format encoding of `stacks` (frames joined by `;`). */
export function encodeTree(stacks: Record<string, number>, rootName = ''): Buffer {
  const root: EncNode = { name: utf8(rootName), value: 0, children: [] };
  for (const [key, value] of Object.entries(stacks)) {
    let n = root;
    for (const frame of key.split(';')) {
      let c = n.children.find((x) => Buffer.from(x.name).toString() === frame);
      if (c === undefined) n.children.push((c = { name: utf8(frame), value: 0, children: [] }));
      n = c;
    }
    n.value += value;
  }
  return serialize(root);
}

/** A trie-format encoding of `stacks`: one byte per node, then (if `radix`) single-child chains merged. */
export function encodeTrie(stacks: Record<string, number>, radix: boolean): Buffer {
  const root: EncNode = { name: new Uint8Array(0), value: 0, children: [] };
  for (const [key, value] of Object.entries(stacks)) {
    let n = root;
    for (const byte of utf8(key)) {
      let c = n.children.find((x) => x.name[0] === byte);
      if (c === undefined) n.children.push((c = { name: Uint8Array.of(byte), value: 0, children: [] }));
      n = c;
    }
    n.value += value;
  }
  if (radix) {
    const merge = (n: EncNode) => {
      for (const c of n.children) {
        while (c.value === 0 && c.children.length === 1) {
          const only = c.children[0];
          c.name = Buffer.concat([c.name, only.name]);
          c.value = only.value;
          c.children = only.children;
        }
        merge(c);
      }
    };
    merge(root);
  }
  return serialize(root);
}
