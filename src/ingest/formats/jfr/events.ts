// Event -> series mapping (docs/compatibility.md#22) and the per-chunk event scan.
//
//  JFR event                          suffix(es)                                          value(s)          units / aggregation
//  jdk.ExecutionSample, RUNNABLE      .cpu (event=cpu|wall|missing), .itimer (itimer),    1                 samples, sum
//                                     .unknown (any other event setting, as the original)
//  jdk.ExecutionSample, any state     .wall, only when event=wall                         1                 samples, sum
//  jdk.ObjectAllocationInNewTLAB      .alloc_in_new_tlab_objects / _bytes                 1 / tlabSize      objects / bytes, sum
//  jdk.ObjectAllocationOutsideTLAB    .alloc_outside_tlab_objects / _bytes                1 / allocationSize objects / bytes, sum
//  jdk.ObjectAllocationSample         .alloc_sample_objects / .alloc_sample_bytes         1 / weight        objects / bytes, sum
//  jdk.JavaMonitorEnter, ThreadPark   .lock_count / .lock_duration                        1 / duration (ns) lock_samples / lock_nanoseconds, sum
//  profiler.LiveObject (no context)   .live                                               1                 objects, average
//
// jdk.ObjectAllocationSample is what the JDK's own `profile` settings record instead of the TLAB events;
// `alloc_sample_*` follows the naming Grafana's JFR converter uses for it (the original server ignored it):
// `weight` is the JDK's estimate of the bytes allocated since the previous sample.
import type { Aggregation } from '../../../model/profile.js';
import { CHUNK_HEADER_SIZE, type ChunkHeader } from './chunk.js';
import { readCheckpoint, type ConstantPools } from './constant-pools.js';
import type { ClassDef, Metadata } from './metadata.js';
import { JfrReader } from './reader.js';
import { createResolver, type Resolver } from './resolve.js';
import type { Value, ValueDecoder } from './values.js';
import { createValueDecoder } from './values.js';

export interface SeriesSpec {
  suffix: string;
  units: string;
  aggregation: Aggregation;
}

const spec = (suffix: string, units: string, aggregation: Aggregation = 'sum'): SeriesSpec => ({ suffix, units, aggregation });

type Kind = 'sample' | 'tlab' | 'outside' | 'allocSample' | 'lock' | 'live';

interface Rule {
  kind: Kind;
  /** Field whose value is the second series' value (bytes, duration); undefined for count-only series. */
  valueField?: string;
  series: SeriesSpec[];
  usesContext: boolean;
}

const RULES: Record<string, Rule> = {
  'jdk.ExecutionSample': { kind: 'sample', series: [], usesContext: true },
  'jdk.ObjectAllocationInNewTLAB': {
    kind: 'tlab',
    valueField: 'tlabSize',
    series: [spec('alloc_in_new_tlab_objects', 'objects'), spec('alloc_in_new_tlab_bytes', 'bytes')],
    usesContext: true,
  },
  'jdk.ObjectAllocationOutsideTLAB': {
    kind: 'outside',
    valueField: 'allocationSize',
    series: [spec('alloc_outside_tlab_objects', 'objects'), spec('alloc_outside_tlab_bytes', 'bytes')],
    usesContext: true,
  },
  'jdk.ObjectAllocationSample': {
    kind: 'allocSample',
    valueField: 'weight',
    series: [spec('alloc_sample_objects', 'objects'), spec('alloc_sample_bytes', 'bytes')],
    usesContext: true,
  },
  'jdk.JavaMonitorEnter': {
    kind: 'lock',
    valueField: 'duration',
    series: [spec('lock_count', 'lock_samples'), spec('lock_duration', 'lock_nanoseconds')],
    usesContext: true,
  },
  'jdk.ThreadPark': {
    kind: 'lock',
    valueField: 'duration',
    series: [spec('lock_count', 'lock_samples'), spec('lock_duration', 'lock_nanoseconds')],
    usesContext: true,
  },
  'profiler.LiveObject': { kind: 'live', series: [spec('live', 'objects', 'average')], usesContext: false },
};

const CPU = spec('cpu', 'samples');
const ITIMER = spec('itimer', 'samples');
const WALL = spec('wall', 'samples');
const UNKNOWN = spec('unknown', 'samples');

/** Samples of one chunk, summed per (series, context, stack). */
export interface ChunkSample {
  series: SeriesSpec;
  contextId: number;
  frames: string[];
  value: number;
}

interface Compiled {
  rule: Rule;
  cls: ClassDef;
  stackAt: number | undefined;
  contextAt: number | undefined;
  stateAt: number | undefined;
  valueAt: number | undefined;
}

interface Acc {
  rule: Rule;
  cls: ClassDef;
  stateAt: number | undefined;
  contextId: number;
  stackKey: number;
  state: Value;
  count: number;
  value: number;
}

/**
 * Decodes one chunk: scans every event linearly (checkpoints fill the pools, mapped events are summed
 * per context, stack and state), then resolves stacks and names the series from the chunk's own
 * `event` setting, so each chunk is processed on its own.
 */
export function decodeChunk(buf: Uint8Array, h: ChunkHeader, md: Metadata): ChunkSample[] {
  const chunkEnd = h.start + h.size;
  const r = new JfrReader(buf, h.index, h.start + CHUNK_HEADER_SIZE, chunkEnd);
  r.compressed = h.compressedInts;
  const dec: ValueDecoder = createValueDecoder(md, 2 * h.size + 1024);
  const pools: ConstantPools = new Map();
  const handlers = compile(md);
  const setting = md.byName.get('jdk.ActiveSetting');
  const settings: Value[][] = [];
  const accs = new Map<string, Acc>();
  const ticksToNs = h.ticksPerSecond > 0 ? 1e9 / h.ticksPerSecond : 1;

  // Each iteration consumes at least one byte (size > 0), so the loop ends within the chunk size.
  while (r.pos < chunkEnd) {
    const start = r.pos;
    r.end = chunkEnd;
    const size = r.varCount('event size');
    if (size === 0 || start + size > chunkEnd) throw r.fail(`event size ${size} exceeds the chunk (ends at ${chunkEnd})`, start);
    r.end = start + size;
    const type = r.varLong();
    if (type === 1) readCheckpoint(r, dec, pools);
    else if (type !== 0) {
      const hnd = handlers.get(type);
      if (hnd !== undefined) add(accs, hnd, dec.read(r, hnd.cls) as Value[], ticksToNs);
      else if (setting !== undefined && type === setting.id) settings.push(dec.read(r, setting) as Value[]);
    }
    r.pos = start + size;
  }

  const res = createResolver(md, pools);
  const eventSetting = setting && activeEventSetting(res, md, setting, settings);
  const out: ChunkSample[] = [];
  for (const acc of accs.values()) {
    const frames = acc.stackKey < 0 ? undefined : res.stack(acc.stackKey);
    // Events without a resolvable stack carry nothing to show; the original drops them too.
    if (frames === undefined || frames.length === 0) continue;
    const push = (series: SeriesSpec, value: number) => out.push({ series, contextId: acc.contextId, frames, value });
    if (acc.rule.kind === 'sample') {
      const state = acc.stateAt === undefined ? undefined : fieldText(res, md, acc.cls, acc.stateAt, acc.state);
      if (state === 'STATE_RUNNABLE') push(cpuSeries(eventSetting), acc.count);
      if (eventSetting === 'wall') push(WALL, acc.count);
    } else {
      push(acc.rule.series[0], acc.count);
      if (acc.rule.series[1] !== undefined) push(acc.rule.series[1], acc.value);
    }
  }
  return out;
}

/** docs/compatibility.md#22: a missing `event` setting means cpu (the original named it `.unknown`). */
function cpuSeries(eventSetting: string | undefined): SeriesSpec {
  if (eventSetting === undefined || eventSetting === 'cpu' || eventSetting === 'wall') return CPU;
  if (eventSetting === 'itimer') return ITIMER;
  return UNKNOWN;
}

/** The value of the last `jdk.ActiveSetting` named `event` (async-profiler records cpu/itimer/wall/...). */
function activeEventSetting(res: Resolver, md: Metadata, cls: ClassDef, settings: Value[][]): string | undefined {
  const nameAt = cls.fieldIndex.get('name');
  const valueAt = cls.fieldIndex.get('value');
  if (nameAt === undefined || valueAt === undefined) return undefined;
  let found: string | undefined;
  for (const s of settings) {
    if (fieldText(res, md, cls, nameAt, s[nameAt]) === 'event') found = fieldText(res, md, cls, valueAt, s[valueAt]) ?? found;
  }
  return found;
}

/** Text of field `at` of an event of class `cls`, following a pool reference when the field is one. */
function fieldText(res: Resolver, md: Metadata, cls: ClassDef, at: number, raw: Value): string | undefined {
  const f = cls.fields[at];
  const fcls = md.classes.get(f.typeId)!;
  if (!f.constantPool) return res.text(fcls, raw);
  return typeof raw === 'number' ? res.constantText(fcls, raw) : undefined;
}

function compile(md: Metadata): Map<number, Compiled> {
  const out = new Map<number, Compiled>();
  for (const [name, rule] of Object.entries(RULES)) {
    const cls = md.byName.get(name);
    if (cls === undefined) continue;
    out.set(cls.id, {
      rule,
      cls,
      stackAt: cls.fieldIndex.get('stackTrace'),
      contextAt: rule.usesContext ? cls.fieldIndex.get('contextId') : undefined,
      stateAt: rule.kind === 'sample' ? cls.fieldIndex.get('state') : undefined,
      valueAt: rule.valueField === undefined ? undefined : cls.fieldIndex.get(rule.valueField),
    });
  }
  return out;
}

const num = (v: Value | undefined): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function add(accs: Map<string, Acc>, h: Compiled, v: Value[], ticksToNs: number): void {
  const contextId = h.contextAt === undefined ? 0 : num(v[h.contextAt]);
  const stackKey = h.stackAt === undefined ? -1 : num(v[h.stackAt]);
  const state = h.stateAt === undefined ? null : v[h.stateAt];
  let value = h.valueAt === undefined ? 0 : num(v[h.valueAt]);
  if (h.rule.valueField === 'duration') value = Math.round(value * ticksToNs);
  const stateKey = typeof state === 'number' ? state : JSON.stringify(state);
  const key = `${h.cls.id}:${contextId}:${stackKey}:${stateKey}`;
  const acc = accs.get(key);
  if (acc === undefined) accs.set(key, { rule: h.rule, cls: h.cls, stateAt: h.stateAt, contextId, stackKey, state, count: 1, value });
  else {
    acc.count++;
    acc.value += value;
  }
}
