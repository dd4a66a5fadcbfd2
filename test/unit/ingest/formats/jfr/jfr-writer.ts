// A tiny JFR chunk writer for tests: just enough metadata, pools and events to exercise what real
// JDK recordings do not contain (contextId, async-profiler's `event` setting, LiveObject, every string
// encoding, unknown events, uncompressed integers).

export interface StackSpec {
  frames: string[]; // `class.method`, root first
}

export interface SyntheticChunk {
  eventSetting?: string;
  samples?: { frames: string[]; state?: string; ctx?: number; n?: number }[];
  tlab?: { frames: string[]; size: number; ctx?: number }[];
  park?: { frames: string[]; ticks: number; ctx?: number }[];
  live?: { frames: string[]; ctx?: number }[];
  unknownEvents?: number;
  ticksPerSecond?: number;
  /** How Symbol strings are written: 3 UTF-8, 4 char array, 5 Latin-1, 2 reference into the String pool. */
  stringEncoding?: 2 | 3 | 4 | 5;
  compressed?: boolean;
}

const T = {
  long: 1,
  int: 2,
  string: 3,
  boolean: 4,
  symbol: 10,
  clazz: 11,
  method: 12,
  frame: 13,
  trace: 14,
  state: 15,
  sample: 20,
  setting: 21,
  tlab: 22,
  park: 23,
  live: 24,
  unknown: 25,
};

type F = [name: string, type: number, cp?: boolean, array?: boolean];
const CLASSES: [number, string, F[]][] = [
  [T.long, 'long', []],
  [T.int, 'int', []],
  [T.string, 'java.lang.String', []],
  [T.boolean, 'boolean', []],
  [T.symbol, 'jdk.types.Symbol', [['string', T.string]]],
  [T.clazz, 'java.lang.Class', [['name', T.symbol, true]]],
  [
    T.method,
    'jdk.types.Method',
    [
      ['type', T.clazz, true],
      ['name', T.symbol, true],
    ],
  ],
  [
    T.frame,
    'jdk.types.StackFrame',
    [
      ['method', T.method, true],
      ['lineNumber', T.int],
    ],
  ],
  [
    T.trace,
    'jdk.types.StackTrace',
    [
      ['truncated', T.boolean],
      ['frames', T.frame, false, true],
    ],
  ],
  [T.state, 'jdk.types.ThreadState', [['name', T.string]]],
  [
    T.sample,
    'jdk.ExecutionSample',
    [
      ['startTime', T.long],
      ['stackTrace', T.trace, true],
      ['state', T.state, true],
      ['contextId', T.long],
    ],
  ],
  [
    T.setting,
    'jdk.ActiveSetting',
    [
      ['startTime', T.long],
      ['id', T.long],
      ['name', T.string],
      ['value', T.string],
    ],
  ],
  [
    T.tlab,
    'jdk.ObjectAllocationInNewTLAB',
    [
      ['startTime', T.long],
      ['stackTrace', T.trace, true],
      ['tlabSize', T.long],
      ['contextId', T.long],
    ],
  ],
  [
    T.park,
    'jdk.ThreadPark',
    [
      ['startTime', T.long],
      ['duration', T.long],
      ['stackTrace', T.trace, true],
      ['contextId', T.long],
    ],
  ],
  [
    T.live,
    'profiler.LiveObject',
    [
      ['startTime', T.long],
      ['stackTrace', T.trace, true],
    ],
  ],
  [
    T.unknown,
    'custom.Unknown',
    [
      ['startTime', T.long],
      ['payload', T.string],
    ],
  ],
];

class Out {
  bytes: number[] = [];
  constructor(readonly compressed = true) {}
  u8(v: number) {
    this.bytes.push(v & 0xff);
  }
  varLong(v: number) {
    if (!this.compressed) return this.fixed(v, 8);
    let x = BigInt(v);
    for (let i = 0; i < 8; i++) {
      const b = Number(x & 0x7fn);
      x >>= 7n;
      if (x === 0n) return this.u8(b);
      this.u8(b | 0x80);
    }
    this.u8(Number(x & 0xffn));
  }
  int(v: number) {
    if (this.compressed) this.varLong(v);
    else this.fixed(v, 4);
  }
  fixed(v: number, n: number) {
    for (let i = n - 1; i >= 0; i--) this.u8(Number((BigInt(v) >> BigInt(8 * i)) & 0xffn));
  }
  string(s: string, enc: number, ref?: number) {
    this.u8(enc);
    if (enc === 2) return this.varLong(ref!);
    if (enc === 4) {
      this.int(s.length);
      for (const c of s) {
        if (this.compressed) this.varLong(c.charCodeAt(0));
        else this.fixed(c.charCodeAt(0), 2);
      }
      return;
    }
    const b = enc === 5 ? Buffer.from(s, 'latin1') : Buffer.from(s, 'utf8');
    this.int(b.length);
    for (const x of b) this.u8(x);
  }
}

/** Wraps an event payload with its size (compressed: a 4-byte padded varint, as the JDK writes it). */
function event(o: Out, type: number, body: (e: Out) => void) {
  const e = new Out(o.compressed);
  e.varLong(type);
  body(e);
  const size = e.bytes.length + 4;
  if (o.compressed) {
    o.u8((size & 0x7f) | 0x80);
    o.u8(((size >> 7) & 0x7f) | 0x80);
    o.u8(((size >> 14) & 0x7f) | 0x80);
    o.u8((size >> 21) & 0x7f);
  } else o.fixed(size, 4);
  o.bytes.push(...e.bytes);
}

export function buildChunk(c: SyntheticChunk): Uint8Array {
  const compressed = c.compressed ?? true;
  const enc = c.stringEncoding ?? 3;
  const o = new Out(compressed);
  for (let i = 0; i < 68; i++) o.u8(0);

  // Interning: symbols, classes, methods, traces, states.
  const symbols = new Map<string, number>();
  const classes = new Map<string, number>();
  const methods = new Map<string, [number, number]>();
  const methodIds = new Map<string, number>();
  const traces = new Map<string, number>();
  const states = new Map<string, number>();
  const sym = (s: string) => symbols.get(s) ?? (symbols.set(s, symbols.size + 1), symbols.size);
  const trace = (frames: string[]) => {
    const k = frames.join(';');
    if (!traces.has(k)) {
      for (const f of frames) {
        const dot = f.lastIndexOf('.');
        const cls = f.slice(0, dot);
        if (!classes.has(cls)) classes.set(cls, sym(cls));
        if (!methodIds.has(f)) {
          methodIds.set(f, methodIds.size + 100);
          methods.set(f, [classes.size, sym(f.slice(dot + 1))]);
        }
      }
      traces.set(k, traces.size + 1000);
    }
    return traces.get(k)!;
  };
  const state = (s: string) => states.get(s) ?? (states.set(s, states.size + 1), states.size);
  const classIdOf = (cls: string) => [...classes.keys()].indexOf(cls) + 1;

  if (c.eventSetting !== undefined) {
    event(o, T.setting, (e) => {
      e.varLong(1);
      e.varLong(T.sample);
      e.string('event', 3);
      e.string(c.eventSetting!, 3);
    });
    event(o, T.setting, (e) => {
      e.varLong(1);
      e.varLong(T.sample);
      e.string('period', 3);
      e.string('10 ms', 3);
    });
  }
  for (const s of c.samples ?? []) {
    const tr = trace(s.frames);
    const st = state(s.state ?? 'STATE_RUNNABLE');
    for (let i = 0; i < (s.n ?? 1); i++)
      event(o, T.sample, (e) => {
        e.varLong(5);
        e.varLong(tr);
        e.varLong(st);
        e.varLong(s.ctx ?? 0);
      });
  }
  for (const s of c.tlab ?? []) {
    const tr = trace(s.frames);
    event(o, T.tlab, (e) => {
      e.varLong(5);
      e.varLong(tr);
      e.varLong(s.size);
      e.varLong(s.ctx ?? 0);
    });
  }
  for (const s of c.park ?? []) {
    const tr = trace(s.frames);
    event(o, T.park, (e) => {
      e.varLong(5);
      e.varLong(s.ticks);
      e.varLong(tr);
      e.varLong(s.ctx ?? 0);
    });
  }
  for (const s of c.live ?? []) {
    const tr = trace(s.frames);
    event(o, T.live, (e) => {
      e.varLong(5);
      e.varLong(tr);
    });
  }
  for (let i = 0; i < (c.unknownEvents ?? 0); i++)
    event(o, T.unknown, (e) => {
      e.varLong(5);
      e.string('x'.repeat(i), 3);
    });

  const cpOffset = o.bytes.length;
  event(o, 1, (e) => {
    e.varLong(0);
    e.varLong(0);
    e.varLong(0);
    e.u8(0);
    const pools: [number, [number, (x: Out) => void][]][] = [
      [T.symbol, [...symbols].map(([s, id]) => [id, (x: Out) => x.string(s, enc, id)])],
      [T.clazz, [...classes].map(([, symId], i) => [i + 1, (x: Out) => x.varLong(symId)])],
      [
        T.method,
        [...methods].map(([f, [, nameSym]]) => [
          methodIds.get(f)!,
          (x: Out) => {
            x.varLong(classIdOf(f.slice(0, f.lastIndexOf('.'))));
            x.varLong(nameSym);
          },
        ]),
      ],
      [
        T.trace,
        [...traces].map(([k, id]) => [
          id,
          (x: Out) => {
            const frames = k === '' ? [] : k.split(';').reverse(); // leaf first on the wire
            x.u8(0);
            x.int(frames.length);
            for (const f of frames) {
              x.varLong(methodIds.get(f)!);
              x.int(7);
            }
          },
        ]),
      ],
      [T.state, [...states].map(([s, id]) => [id, (x: Out) => x.string(s, 3)])],
    ];
    if (enc === 2) pools.push([T.string, [...symbols].map(([s, id]) => [id, (x: Out) => x.string(s, 3)])]);
    e.int(pools.length);
    for (const [type, entries] of pools) {
      e.varLong(type);
      e.int(entries.length);
      for (const [key, write] of entries) {
        e.varLong(key);
        write(e);
      }
    }
  });

  const mdOffset = o.bytes.length;
  event(o, 0, (e) => {
    e.varLong(0);
    e.varLong(0);
    e.varLong(1);
    const strings: string[] = [];
    const si = (s: string) => (strings.includes(s) ? strings.indexOf(s) : strings.push(s) - 1);
    const el = new Out(compressed);
    const element = (name: string, attrs: [string, string][], children: (() => void)[]) => {
      el.int(si(name));
      el.int(attrs.length);
      for (const [k, v] of attrs) {
        el.int(si(k));
        el.int(si(v));
      }
      el.int(children.length);
      for (const ch of children) ch();
    };
    element(
      'root',
      [],
      [
        () =>
          element(
            'metadata',
            [],
            CLASSES.map(
              ([id, name, fields]) =>
                () =>
                  element(
                    'class',
                    [
                      ['id', String(id)],
                      ['name', name],
                    ],
                    fields.map(
                      ([fname, ftype, cp, arr]) =>
                        () =>
                          element(
                            'field',
                            [
                              ['name', fname],
                              ['class', String(ftype)],
                              ...(cp ? [['constantPool', 'true'] as [string, string]] : []),
                              ...(arr ? [['dimension', '1'] as [string, string]] : []),
                            ],
                            [],
                          ),
                    ),
                  ),
            ),
          ),
        () => element('region', [['locale', 'en_US']], []),
      ],
    );
    e.int(strings.length);
    for (const s of strings) e.string(s, 3);
    e.bytes.push(...el.bytes);
  });

  const size = o.bytes.length;
  const h = new Out(false);
  for (const b of [0x46, 0x4c, 0x52, 0x00]) h.u8(b);
  h.fixed(2, 2);
  h.fixed(1, 2);
  h.fixed(size, 8);
  h.fixed(cpOffset, 8);
  h.fixed(mdOffset, 8);
  h.fixed(0, 8);
  h.fixed(1e9, 8);
  h.fixed(0, 8);
  h.fixed(c.ticksPerSecond ?? 1e9, 8);
  h.fixed(compressed ? 1 : 0, 4);
  o.bytes.splice(0, 68, ...h.bytes);
  return Uint8Array.from(o.bytes);
}
