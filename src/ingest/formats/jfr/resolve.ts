// Follows constant-pool references from event fields to text: stack traces to frame names, thread
// states to their names. Results are cached per chunk; a dangling reference resolves to nothing
// (the original readers tolerate them) rather than failing the whole request.
import type { ConstantPools } from './constant-pools.js';
import { frameName } from './frames.js';
import type { ClassDef, Metadata } from './metadata.js';
import type { Value } from './values.js';

// Symbol -> String -> ... chains are 2-3 long; the cap only stops reference cycles in corrupt pools.
const MAX_HOPS = 8;

export interface Resolver {
  /** Frames of a stack trace, root first; `undefined` when the trace cannot be resolved. */
  stack(traceKey: number): string[] | undefined;
  /** Text of a pool constant or inline value of class `cls` (a symbol, a thread state, a string). */
  text(cls: ClassDef, v: Value): string | undefined;
  /** Text of the pool constant `key` of class `cls`. */
  constantText(cls: ClassDef, key: number): string | undefined;
}

export function createResolver(md: Metadata, pools: ConstantPools): Resolver {
  const stacks = new Map<number, string[] | undefined>();
  const methods = new Map<number, string | undefined>();
  const stringClass = md.byName.get('java.lang.String');

  /** The value behind field `name` of struct `v` (following a pool reference), with its class. */
  const field = (cls: ClassDef, v: Value, name: string): [ClassDef, Value] | undefined => {
    const i = cls.fieldIndex.get(name);
    if (i === undefined || !Array.isArray(v)) return undefined;
    const f = cls.fields[i];
    const fcls = md.classes.get(f.typeId)!;
    const raw = v[i];
    if (!f.constantPool) return [fcls, raw];
    if (typeof raw !== 'number') return undefined;
    const target = pools.get(f.typeId)?.get(raw);
    return target === undefined ? undefined : [fcls, target];
  };

  const text = (cls: ClassDef, v: Value, hops = 0): string | undefined => {
    if (hops > MAX_HOPS || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'object' && !Array.isArray(v)) {
      // A string encoded as a reference into the java.lang.String pool.
      const s = stringClass && pools.get(stringClass.id)?.get(v.ref);
      return typeof s === 'string' ? s : undefined;
    }
    if (!Array.isArray(v)) return undefined;
    const next = field(cls, v, 'string') ?? field(cls, v, 'name') ?? (cls.fields.length === 1 ? field(cls, v, cls.fields[0].name) : undefined);
    return next && text(next[0], next[1], hops + 1);
  };

  const methodClass = md.byName.get('jdk.types.Method');
  const method = (key: number): string | undefined => {
    if (methods.has(key)) return methods.get(key);
    let out: string | undefined;
    const m = methodClass && pools.get(methodClass.id)?.get(key);
    if (methodClass && m !== undefined) {
      const name = field(methodClass, m, 'name');
      const type = field(methodClass, m, 'type');
      const methodName = name && text(name[0], name[1]);
      const className = type && text(type[0], type[1]);
      if (methodName !== undefined) out = frameName(className, methodName);
    }
    methods.set(key, out);
    return out;
  };

  const traceClass = md.byName.get('jdk.types.StackTrace');
  const frameClass = md.byName.get('jdk.types.StackFrame');
  const stack = (key: number): string[] | undefined => {
    if (stacks.has(key)) return stacks.get(key);
    let out: string[] | undefined;
    const t = traceClass && pools.get(traceClass.id)?.get(key);
    const framesAt = traceClass?.fieldIndex.get('frames');
    const methodAt = frameClass?.fieldIndex.get('method');
    if (t !== undefined && Array.isArray(t) && framesAt !== undefined && methodAt !== undefined && frameClass) {
      const frames = t[framesAt];
      const methodIsRef = frameClass.fields[methodAt].constantPool;
      if (Array.isArray(frames)) {
        out = [];
        // JFR stores the leaf first; trees want the root first.
        for (let i = frames.length - 1; i >= 0; i--) {
          const f = frames[i];
          const ref = Array.isArray(f) ? f[methodAt] : undefined;
          const name = methodIsRef && typeof ref === 'number' ? method(ref) : undefined;
          if (name !== undefined) out.push(name);
        }
      }
    }
    stacks.set(key, out);
    return out;
  };

  const constantText = (cls: ClassDef, key: number): string | undefined => {
    const v = pools.get(cls.id)?.get(key);
    return v === undefined ? undefined : text(cls, v);
  };

  return { stack, text: (cls, v) => text(cls, v), constantText };
}
