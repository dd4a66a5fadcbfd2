// The decoder against the JDK's own reader: a recording made by scripts/make-jfr-fixtures.sh and the
// values `jfr print --json` reports for it (committed, and recomputed live when `jfr` is on PATH).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { summarizeJfrPrint, type JfrExpected } from '../../../../../scripts/jfr/jfr-print-summary.js';
import { decodeJfr } from '../../../../../src/ingest/formats/jfr/decode.js';
import { normalizeName } from '../../../../../src/ingest/formats/jfr/frames.js';
import { byName, folded, input, multipart } from './helpers.js';

const FIXTURE = new URL('../../../../fixtures/jfr/workload.jfr', import.meta.url);
const jfr = new Uint8Array(readFileSync(FIXTURE));
const expected: JfrExpected = JSON.parse(readFileSync(new URL('../../../../fixtures/jfr/workload.expected.json', import.meta.url), 'utf8'));

/** jfr prints raw names; the decoder normalises generated ones, so compare like with like. */
const norm = (stack: string) =>
  stack
    .split(';')
    .map((f) => {
      const dot = f.lastIndexOf('.');
      return `${normalizeName(f.slice(0, dot))}.${normalizeName(f.slice(dot + 1))}`;
    })
    .join(';');

/** Expected folded map of one event type (count or a summed field), without stackless events (dropped, as OG). */
function expectedFolded(e: JfrExpected, event: string, field?: string): Record<string, number> {
  const src = field === undefined ? e.events[event]?.folded : e.events[event]?.foldedSums[field];
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(src ?? {})) if (k !== '' && v > 0) out[norm(k)] = (out[norm(k)] ?? 0) + v;
  return out;
}

function sumOf(m: Record<string, number>): number {
  return Object.values(m).reduce((a, b) => a + b, 0);
}

function checkAgainst(e: JfrExpected, out = decodeJfr(input(jfr))) {
  const s = byName(out);
  const samples = e.events['jdk.ExecutionSample'];
  expect(samples.count).toBeGreaterThan(50);
  // JDK recordings have no `event` setting: docs/compatibility.md#22 names RUNNABLE samples `.cpu`.
  const cpu = s.get('app.cpu{env=test}');
  expect(cpu?.tree.total).toBe(samples.byState?.STATE_RUNNABLE);
  expect(cpu?.tree.total).toBe(samples.count);
  expect(folded(cpu)).toEqual(expectedFolded(e, 'jdk.ExecutionSample'));
  expect(cpu?.metadata).toEqual({ spyName: 'javaspy', sampleRate: 100, units: 'samples', aggregation: 'sum' });
  // Frame for frame: each of the first samples' stacks is a path of the tree.
  const stacks = new Set(cpu!.tree.toFoldedMap().keys());
  for (const st of e.firstExecutionSampleStacks) expect(stacks).toContain(norm(st.join(';')));

  const series: [string, string, string | undefined, string][] = [
    ['alloc_in_new_tlab_objects', 'jdk.ObjectAllocationInNewTLAB', undefined, 'objects'],
    ['alloc_in_new_tlab_bytes', 'jdk.ObjectAllocationInNewTLAB', 'tlabSize', 'bytes'],
    ['alloc_outside_tlab_objects', 'jdk.ObjectAllocationOutsideTLAB', undefined, 'objects'],
    ['alloc_outside_tlab_bytes', 'jdk.ObjectAllocationOutsideTLAB', 'allocationSize', 'bytes'],
    ['alloc_sample_objects', 'jdk.ObjectAllocationSample', undefined, 'objects'],
    ['alloc_sample_bytes', 'jdk.ObjectAllocationSample', 'weight', 'bytes'],
  ];
  for (const [suffix, event, field, units] of series) {
    const p = s.get(`app.${suffix}{env=test}`);
    const want = expectedFolded(e, event, field);
    expect(sumOf(want), suffix).toBeGreaterThan(0);
    expect(folded(p), suffix).toEqual(want);
    expect(p?.metadata.units).toBe(units);
  }
  // Monitor enter and park events share the lock series; durations in ns (jfr prints them as ISO durations).
  const addUp = (a: Record<string, number>, b: Record<string, number>) => {
    const o = { ...a };
    for (const [k, v] of Object.entries(b)) o[k] = (o[k] ?? 0) + v;
    return o;
  };
  const lockCount = addUp(expectedFolded(e, 'jdk.JavaMonitorEnter'), expectedFolded(e, 'jdk.ThreadPark'));
  const lockNs = addUp(expectedFolded(e, 'jdk.JavaMonitorEnter', 'duration'), expectedFolded(e, 'jdk.ThreadPark', 'duration'));
  expect(sumOf(lockCount)).toBeGreaterThan(10);
  expect(folded(s.get('app.lock_count{env=test}'))).toEqual(lockCount);
  expect(folded(s.get('app.lock_duration{env=test}'))).toEqual(lockNs);
  expect(s.get('app.lock_duration{env=test}')?.metadata.units).toBe('lock_nanoseconds');
  expect([...s.keys()].sort()).toEqual(['cpu', 'lock_count', 'lock_duration', ...series.map((x) => x[0])].map((x) => `app.${x}{env=test}`).sort());
}

describe('decodeJfr on a JDK 17 recording', () => {
  it('matches the committed jfr print values: cpu count, every stack, allocation and lock totals', () => {
    checkAgainst(expected);
  });

  const hasJfr = (() => {
    try {
      execFileSync('jfr', ['version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  it.runIf(hasJfr)(
    'matches jfr print --json recomputed live from the fixture',
    () => {
      const events = 'jdk.ExecutionSample,jdk.ObjectAllocationInNewTLAB,jdk.ObjectAllocationOutsideTLAB,jdk.ObjectAllocationSample,jdk.JavaMonitorEnter,jdk.ThreadPark';
      const printed = execFileSync('jfr', ['print', '--json', '--stack-depth', '2048', '--events', events, FIXTURE.pathname], {
        maxBuffer: 512 << 20,
        encoding: 'utf8',
      });
      const live = summarizeJfrPrint(JSON.parse(printed), 'live');
      expect(live.events['jdk.ExecutionSample'].count).toBe(expected.events['jdk.ExecutionSample'].count);
      checkAgainst(live);
    },
    60_000,
  );

  it('processes every chunk of a multi-chunk file (values add up)', () => {
    const twice = new Uint8Array(jfr.length * 2);
    twice.set(jfr, 0);
    twice.set(jfr, jfr.length);
    const one = byName(decodeJfr(input(jfr)));
    const two = byName(decodeJfr(input(twice)));
    expect([...two.keys()].sort()).toEqual([...one.keys()].sort());
    for (const [k, p] of one) expect(two.get(k)?.tree.total, k).toBe(2 * p.tree.total);
  });

  it('accepts a gzipped raw body and a multipart body with gzipped parts', () => {
    const plain = byName(decodeJfr(input(jfr)));
    const gz = byName(decodeJfr(input(gzipSync(jfr))));
    const mp = multipart([{ name: 'jfr', filename: 'jfr', data: gzipSync(jfr) }]);
    const viaForm = byName(decodeJfr(input(mp.body, { contentType: mp.contentType })));
    for (const m of [gz, viaForm]) {
      expect([...m.keys()].sort()).toEqual([...plain.keys()].sort());
      for (const [k, p] of plain) expect(folded(m.get(k))).toEqual(folded(p));
    }
  });
});
