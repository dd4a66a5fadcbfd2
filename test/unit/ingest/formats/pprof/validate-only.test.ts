// The validate-only pprof path (what a decode worker runs before the log append) must accept and reject
// exactly what the full decode does, with the same error code, and report the same series, while building
// no trees for non-cumulative types. The node budget is the one allowed difference: validate-only charges
// distinct stacks, a lower bound of the nodes the trees would have, so it never rejects what the full
// decode accepts. FUZZ_RUNS scales the case counts as in fuzz.test.ts.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createCumulativeBaselines } from '../../../../../src/ingest/formats/pprof/cumulative.js';
import { createPprofDecoder } from '../../../../../src/ingest/formats/pprof/decode.js';
import { FakeClock } from '../../../../../src/lib/clock.js';
import { PyrelayError } from '../../../../../src/model/errors.js';
import { createNodeBudget } from '../../../../../src/model/node-budget.js';
import type { DecodeInput } from '../../../../../src/model/profile.js';
import { normalizeKey } from '../../../../../src/model/series-key.js';
import { bases, gzBases, multipartBase, mutated, randomProfile, SAMPLE_TYPE_CONFIG } from './fuzz-inputs.js';
import { input, multipart } from './reference.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const limits = { maxDecompressedBytes: 1 << 20, maxSeriesPerRequest: 6, maxLabelsPerSeries: 4 };
const fixture = (f: string) => new Uint8Array(readFileSync(join(__dirname, '../../../../fixtures/pprof', f)));

/** A fresh decoder per side, so cumulative baselines evolve identically on both. */
const newDecoder = () => {
  let skipped = 0;
  const decode = createPprofDecoder({
    baselines: createCumulativeBaselines({ clock: new FakeClock(), windowMs: 60_000, maxEntries: 50, onSkipped: () => skipped++ }),
  });
  return { decode, skipped: () => skipped };
};

type Outcome = { error: string } | { series: string[]; skipped: number };

function run(d: ReturnType<typeof newDecoder>, inp: DecodeInput, validateOnly: boolean, budget?: number): Outcome & { nodes?: number } {
  const nodeBudget = budget === undefined ? undefined : createNodeBudget(budget);
  try {
    const out = d.decode({ ...inp, limits: { ...inp.limits, nodeBudget }, validateOnly });
    return { series: out.map((p) => `${normalizeKey(p.key)} ${p.metadata.units} ${p.metadata.sampleRate}`).sort(), skipped: d.skipped(), nodes: nodeBudget?.used };
  } catch (e) {
    if (!(e instanceof PyrelayError)) throw e;
    return { error: e.code };
  }
}

/** Decodes the body twice on each side (the second upload meets the first as cumulative baseline). */
function sameOutcome(body: Uint8Array, contentType = 'application/octet-stream'): void {
  const inp = input(body, { contentType, limits });
  const full = newDecoder();
  const fast = newDecoder();
  for (let i = 0; i < 2; i++) {
    const { nodes: _a, ...f } = run(full, inp, false);
    const { nodes: _b, ...v } = run(fast, inp, true);
    expect(v).toEqual(f);
  }
}

/** With a node budget: validate-only rejects for nodes only when the full decode does, and never charges more. */
function budgetLowerBound(body: Uint8Array, budget: number, contentType = 'application/octet-stream'): void {
  const inp = input(body, { contentType, limits });
  const f = run(newDecoder(), inp, false, budget);
  const v = run(newDecoder(), inp, true, budget);
  if ('error' in v && v.error === 'too_many_nodes') expect(f).toEqual({ error: 'too_many_nodes' });
  if (!('error' in f)) {
    expect('error' in v ? v.error : undefined).toBeUndefined();
    expect((v as { nodes: number }).nodes).toBeLessThanOrEqual(f.nodes!);
    const { nodes: _a, ...fs } = f;
    const { nodes: _b, ...vs } = v;
    expect(vs).toEqual(fs);
  }
  if ('error' in f && f.error !== 'too_many_nodes') expect(v).toEqual(f);
}

describe('pprof validate-only equals the full decode', () => {
  it('random well-formed profiles (values, labels, series and label limits)', () => {
    fc.assert(
      fc.property(randomProfile, (b) => sameOutcome(b)),
      { numRuns: Math.ceil(RUNS * 0.2) },
    );
  });

  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (b) => sameOutcome(b)),
      { numRuns: Math.ceil(RUNS * 0.1) },
    );
  });

  it('mutated valid profiles (raw and gzipped)', () => {
    fc.assert(
      fc.property(mutated([...bases, ...gzBases]), (b) => sameOutcome(b)),
      { numRuns: Math.ceil(RUNS * 0.3) },
    );
  });

  it('mutated multipart bodies with prev_profile and sample_type_config', () => {
    const mp = multipartBase();
    fc.assert(
      fc.property(mutated([mp.body]), (b) => sameOutcome(b, mp.contentType)),
      { numRuns: Math.ceil(RUNS * 0.2) },
    );
  });

  it('multipart with random profile and prev_profile', () => {
    fc.assert(
      fc.property(randomProfile, randomProfile, fc.boolean(), (cur, prev, withConfig) => {
        const parts = [
          { name: 'profile', data: cur },
          { name: 'prev_profile', data: new Uint8Array(gzipSync(prev)) },
          ...(withConfig ? [{ name: 'sample_type_config', data: SAMPLE_TYPE_CONFIG }] : []),
        ];
        const mp = multipart(parts);
        sameOutcome(mp.body, mp.contentType);
      }),
      { numRuns: Math.ceil(RUNS * 0.1) },
    );
  });

  it('the committed fixtures (Go CPU, Go heap with prev_profile, Node)', () => {
    const big = { ...limits, maxSeriesPerRequest: 10_000, maxLabelsPerSeries: 64 };
    const cases: [Uint8Array, string?][] = [
      [fixture('go-cpu.pb.gz')],
      [gunzipSync(fixture('go-cpu.pb.gz'))],
      [fixture('go-heap.pb')],
      [fixture('node-wall.pb.gz')],
      [fixture('node-heap.pb.gz')],
    ];
    const mp = multipart([
      { name: 'profile', data: fixture('go-heap-cur.pb.gz') },
      { name: 'prev_profile', data: fixture('go-heap-prev.pb.gz') },
    ]);
    cases.push([mp.body, mp.contentType]);
    for (const [body, ct] of cases) {
      const inp = input(body, { contentType: ct ?? 'application/octet-stream', limits: big });
      const f = run(newDecoder(), inp, false);
      const v = run(newDecoder(), inp, true);
      expect('series' in f && f.series.length).toBeGreaterThan(0);
      expect(v).toEqual(f);
      // Tight budgets: the full decode rejects; validate-only rejects too once the distinct stacks exceed it.
      const n = run(newDecoder(), inp, false, 1 << 30).nodes!;
      const stacks = run(newDecoder(), inp, true, 1 << 30).nodes!;
      expect(stacks).toBeGreaterThan(0);
      expect(stacks).toBeLessThanOrEqual(n);
      expect(run(newDecoder(), inp, true, stacks - 1)).toEqual({ error: 'too_many_nodes' });
      expect(run(newDecoder(), inp, false, stacks - 1)).toEqual({ error: 'too_many_nodes' });
      expect('series' in run(newDecoder(), inp, true, stacks)).toBe(true);
    }
  });

  it('validate-only builds no tree for non-cumulative series', () => {
    const out = newDecoder().decode({ ...input(fixture('go-cpu.pb.gz'), { limits: { ...limits, maxSeriesPerRequest: 10_000, maxLabelsPerSeries: 64 } }), validateOnly: true });
    expect(out.length).toBeGreaterThan(0);
    for (const p of out) expect(p.tree.root.children.size).toBe(0);
  });

  it('with a node budget, validate-only is a lower bound of the full decode', () => {
    fc.assert(
      fc.property(fc.oneof(randomProfile, mutated([...bases, ...gzBases])), fc.integer({ min: 0, max: 12 }), (b, budget) => budgetLowerBound(b, budget)),
      { numRuns: Math.ceil(RUNS * 0.2) },
    );
  });
});
