// Shared test helpers: a DecodeInput with sane limits, a multipart body builder, folded views.
import type { DecodedProfile, DecodeInput } from '../../../../../src/model/profile.js';
import { isPyrelayError } from '../../../../../src/model/errors.js';
import { decodeInput } from '../../../../helpers/decode-input.js';

export function input(body: Uint8Array, over: Partial<DecodeInput> = {}): DecodeInput {
  return decodeInput(body, { key: { appName: 'app', labels: { env: 'test' } }, spyName: 'javaspy', units: '', ...over, limits: { maxLabelsPerSeries: 30, ...over.limits } });
}

export { buildMultipart as multipart } from '../../../../helpers/multipart.js';

/** `app.cpu{env=test}` -> folded map, for whole-result comparisons. */
export function byName(out: DecodedProfile[]): Map<string, DecodedProfile> {
  const m = new Map<string, DecodedProfile>();
  for (const p of out) {
    const tags = Object.keys(p.key.labels)
      .sort()
      .map((k) => `${k}=${p.key.labels[k]}`)
      .join(',');
    m.set(`${p.key.appName}{${tags}}`, p);
  }
  return m;
}

export const folded = (p: DecodedProfile | undefined) => Object.fromEntries(p?.tree.toFoldedMap() ?? []);

/** Runs `f` and returns the PyrelayError it throws (fails the test on any other outcome). */
export function pyrelayErrorOf(f: () => unknown): { code: string; status: number; message: string } {
  try {
    f();
  } catch (e) {
    if (isPyrelayError(e)) return e;
    throw e;
  }
  throw new Error('expected a PyrelayError, nothing was thrown');
}

/** Encodes a LabelsSnapshot the way pyroscope-java does, for multipart tests. */
export function encodeLabelsSnapshot(contexts: Record<number, Record<number, number>>, strings: Record<number, string>): Uint8Array {
  const varint = (v: number) => {
    const o: number[] = [];
    let x = BigInt.asUintN(64, BigInt(v));
    do {
      const b = Number(x & 0x7fn);
      x >>= 7n;
      o.push(x ? b | 0x80 : b);
    } while (x);
    return o;
  };
  const ld = (field: number, body: number[]) => [(field << 3) | 2, ...varint(body.length), ...body];
  const out: number[] = [];
  for (const [id, labels] of Object.entries(contexts)) {
    const ctx: number[] = [];
    for (const [k, v] of Object.entries(labels)) ctx.push(...ld(1, [0x08, ...varint(Number(k)), 0x10, ...varint(v)]));
    out.push(...ld(1, [0x08, ...varint(Number(id)), ...ld(2, ctx)]));
  }
  for (const [id, s] of Object.entries(strings)) out.push(...ld(2, [0x08, ...varint(Number(id)), ...ld(2, [...Buffer.from(s)])]));
  return Uint8Array.from(out);
}
