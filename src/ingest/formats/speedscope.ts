// Speedscope JSON (docs/compatibility.md#21): evented and sampled profiles, time units scaled ×100 on every
// path, frame indexes bounds-checked, 64-bit default rates, and `sampleRate` replaced only when absent.
import { malformedBody } from '../../model/errors.js';
import type { DecodedProfile, ProfileDecoder } from '../../model/profile.js';
import type { NodeBudget } from '../../model/node-budget.js';
import { Tree } from '../../model/tree.js';

export const SPEEDSCOPE_SCHEMA = 'https://www.speedscope.app/file-format-schema.json';
const FORMAT = 'speedscope';

// Keeps two decimals of fractional time units when values become integers.
const TIME_PRECISION = 100;

const UNITS: Record<string, { multiplier: number; units: string; defaultRate: number }> = {
  none: { multiplier: TIME_PRECISION, units: 'samples', defaultRate: TIME_PRECISION * 100 },
  nanoseconds: { multiplier: TIME_PRECISION, units: 'samples', defaultRate: TIME_PRECISION * 1e9 },
  microseconds: { multiplier: TIME_PRECISION, units: 'samples', defaultRate: TIME_PRECISION * 1e6 },
  milliseconds: { multiplier: TIME_PRECISION, units: 'samples', defaultRate: TIME_PRECISION * 1e3 },
  seconds: { multiplier: TIME_PRECISION, units: 'samples', defaultRate: TIME_PRECISION },
  bytes: { multiplier: 1, units: 'bytes', defaultRate: 0 },
};

const fail = (where: string, what: string) => malformedBody(FORMAT, where, what);
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function array(v: unknown, where: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw fail(where, 'must be an array');
  return v;
}

function num(v: unknown, where: string, fallback?: number): number {
  if ((v === undefined || v === null) && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw fail(where, 'must be a finite number');
  return v;
}

/**
 * Scaled integer value; past 2^53 the sums stop being exact, so such input is rejected. A negative
 * weight is rejected too (422 naming it), as folded rejects a negative count: it used to vanish silently.
 */
function scaled(v: number, multiplier: number, where: string): number {
  if (v < 0) throw fail(where, `negative value ${v}`);
  const out = Math.round(v * multiplier);
  if (!(Math.abs(out) <= Number.MAX_SAFE_INTEGER)) throw fail(where, `value ${v} is out of range`);
  return out;
}

function frameIndex(v: unknown, frameCount: number, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= frameCount) {
    throw fail(where, `invalid frame index ${JSON.stringify(v)} (${frameCount} frames)`);
  }
  return v;
}

export const decodeSpeedscope: ProfileDecoder = (input) => {
  if (input.body.length === 0) return [];
  let file: unknown;
  try {
    file = JSON.parse(new TextDecoder('utf-8').decode(input.body));
  } catch (e) {
    throw fail('body', `invalid JSON: ${(e as Error).message}`);
  }
  if (!isObject(file)) throw fail('body', 'must be a JSON object');
  if (file.$schema !== SPEEDSCOPE_SCHEMA) throw fail('$schema', `Unknown schema: ${String(file.$schema ?? '')}`);
  const shared = file.shared ?? {};
  if (!isObject(shared)) throw fail('shared', 'must be an object');
  const frames = array(shared.frames, 'shared.frames').map((f, i) => {
    if (!isObject(f)) throw fail(`shared.frames[${i}]`, 'must be an object');
    if (f.name !== undefined && typeof f.name !== 'string') throw fail(`shared.frames[${i}].name`, 'must be a string');
    return (f.name as string | undefined) ?? '';
  });
  const profiles = array(file.profiles, 'profiles');
  if (profiles.length > input.limits.maxSeriesPerRequest) {
    throw fail('profiles', `${profiles.length} profiles, more than the limit of ${input.limits.maxSeriesPerRequest} series`);
  }
  const multi = profiles.length > 1;
  return profiles.map((p, i): DecodedProfile => {
    const where = `profiles[${i}]`;
    if (!isObject(p)) throw fail(where, 'must be an object');
    const unitName = p.unit;
    const unit = typeof unitName === 'string' && Object.hasOwn(UNITS, unitName) ? UNITS[unitName] : undefined;
    if (unit === undefined) throw fail(`${where}.unit`, `unknown unit ${JSON.stringify(unitName)}`);
    let tree: Tree;
    if (p.type === 'evented') tree = evented(p, frames, unit.multiplier, where, input.limits.nodeBudget);
    else if (p.type === 'sampled') tree = sampled(p, frames, unit.multiplier, where, input.limits.nodeBudget);
    else throw fail(`${where}.type`, `Profile type ${String(p.type)} not supported`);
    if (!Number.isSafeInteger(tree.total)) throw fail(where, 'sum of sample values exceeds 2^53-1');
    return {
      // With several profiles each gets its own series named after its unit (OG behaviour).
      key: multi ? { appName: `${input.key.appName}.${unitName}`, labels: input.key.labels } : input.key,
      tree,
      metadata: {
        spyName: input.spyName,
        sampleRate: input.sampleRateGiven ? input.sampleRate : unit.defaultRate,
        units: unit.units,
        aggregation: 'sum',
      },
    };
  });
};

function evented(p: Record<string, unknown>, frames: string[], multiplier: number, where: string, budget?: NodeBudget): Tree {
  const tree = new Tree(budget);
  let last = num(p.startValue, `${where}.startValue`, 0);
  const openIdx: number[] = [];
  const names: string[] = [];
  array(p.events, `${where}.events`).forEach((ev, j) => {
    const at = `${where}.events[${j}]`;
    if (!isObject(ev)) throw fail(at, 'must be an object');
    const t = num(ev.at, `${at}.at`);
    if (t < last) throw fail(at, `Events out of order, ${t} < ${last}`);
    const frame = frameIndex(ev.frame, frames.length, `${at}.frame`);
    const value = scaled(t - last, multiplier, `${at}.at`);
    if (ev.type === 'O') {
      // Time up to now belongs to the stack that was open until now.
      if (names.length > 0) tree.insertStack(names, value);
      openIdx.push(frame);
      names.push(frames[frame]);
    } else if (ev.type === 'C') {
      if (openIdx.length === 0) throw fail(at, `No stack to close at ${t}`);
      if (openIdx[openIdx.length - 1] !== frame) throw fail(at, `Closing non-open frame ${frame}`);
      tree.insertStack(names, value);
      openIdx.pop();
      names.pop();
    } else {
      throw fail(`${at}.type`, `Unknown event type ${JSON.stringify(ev.type)}`);
    }
    last = t;
  });
  return tree;
}

function sampled(p: Record<string, unknown>, frames: string[], multiplier: number, where: string, budget?: NodeBudget): Tree {
  const tree = new Tree(budget);
  const samples = array(p.samples, `${where}.samples`);
  const weights = array(p.weights, `${where}.weights`);
  if (weights.length !== samples.length) {
    throw fail(`${where}.weights`, `has ${weights.length} entries but samples has ${samples.length}`);
  }
  const stack: string[] = [];
  samples.forEach((s, j) => {
    const at = `${where}.samples[${j}]`;
    stack.length = 0;
    for (const [k, idx] of array(s, at).entries()) stack.push(frames[frameIndex(idx, frames.length, `${at}[${k}]`)]);
    tree.insertStack(stack, scaled(num(weights[j], `${where}.weights[${j}]`), multiplier, `${where}.weights[${j}]`));
  });
  return tree;
}
