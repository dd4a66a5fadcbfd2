// A few lines of protobuf writing for hand-made wire-level cases (unpacked fields, unknown fields, broken
// bytes) that pprof-format's encoder never produces.

export type Field =
  | { f: number; varint: number | bigint }
  | { f: number; bytes: Uint8Array | Field[] | string }
  | { f: number; i64: true }
  | { f: number; i32: true }
  | { f: number; packed: number[] };

export function varint(v: number | bigint): number[] {
  let x = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return out;
}

export function encode(fields: Field[]): Uint8Array {
  const out: number[] = [];
  for (const fl of fields) {
    if ('varint' in fl) out.push(...varint(fl.f * 8), ...varint(fl.varint));
    else if ('i64' in fl) out.push(...varint(fl.f * 8 + 1), 1, 2, 3, 4, 5, 6, 7, 8);
    else if ('i32' in fl) out.push(...varint(fl.f * 8 + 5), 1, 2, 3, 4);
    else {
      const payload =
        'packed' in fl
          ? Uint8Array.from(fl.packed.flatMap((v) => varint(v)))
          : typeof fl.bytes === 'string'
            ? new TextEncoder().encode(fl.bytes)
            : Array.isArray(fl.bytes)
              ? encode(fl.bytes)
              : fl.bytes;
      out.push(...varint(fl.f * 8 + 2), ...varint(payload.length), ...payload);
    }
  }
  return Uint8Array.from(out);
}

/** Profile with two sample types, one function `main` (id 1) at location 1, `f` (2) at location 2. */
export function handProfile(opts: { packed: boolean; extra?: Field[]; sampleExtra?: Field[]; firstValue?: number }): Uint8Array {
  const strings = ['', 'samples', 'count', 'cpu', 'nanoseconds', 'main', 'f', 'k', 'v'];
  const repeated = (f: number, vals: number[]): Field[] => (opts.packed ? [{ f, packed: vals }] : vals.map((v) => ({ f, varint: v })));
  return encode([
    ...(opts.extra ?? []),
    {
      f: 1,
      bytes: [
        { f: 1, varint: 1 },
        { f: 2, varint: 2 },
      ],
    },
    {
      f: 1,
      bytes: [
        { f: 1, varint: 3 },
        { f: 2, varint: 4 },
      ],
    },
    {
      f: 2,
      bytes: [
        ...repeated(1, [2, 1]),
        ...repeated(2, [7, 70]),
        {
          f: 3,
          bytes: [
            { f: 1, varint: 7 },
            { f: 2, varint: 8 },
          ],
        },
        ...(opts.sampleExtra ?? []),
      ],
    },
    { f: 2, bytes: [...repeated(1, [1]), ...repeated(2, [opts.firstValue ?? 0, 5])] },
    {
      f: 4,
      bytes: [
        { f: 1, varint: 1 },
        {
          f: 4,
          bytes: [
            { f: 1, varint: 1 },
            { f: 2, varint: 3 },
          ],
        },
      ],
    },
    {
      f: 4,
      bytes: [
        { f: 1, varint: 2 },
        { f: 99, varint: 5 },
        { f: 4, bytes: [{ f: 1, varint: 2 }] },
      ],
    },
    {
      f: 5,
      bytes: [
        { f: 1, varint: 1 },
        { f: 2, varint: 5 },
      ],
    },
    {
      f: 5,
      bytes: [
        { f: 1, varint: 2 },
        { f: 2, varint: 6 },
        { f: 42, i32: true },
      ],
    },
    ...strings.map((s) => ({ f: 6, bytes: s })),
    {
      f: 11,
      bytes: [
        { f: 1, varint: 3 },
        { f: 2, varint: 4 },
      ],
    },
    { f: 12, varint: 10_000_000 },
  ]);
}
