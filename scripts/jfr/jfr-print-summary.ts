// Summarises `jfr print --json` output (the JDK's own JFR reader) into the expected values our decoder
// tests compare against. Used by make-jfr-fixtures.sh and, when `jfr` is on PATH, live by the tests.
// Frames are `<class>.<method>`, class in `/` form as JFR stores it, root first (jfr prints leaf first).
import { readFileSync, writeFileSync } from 'node:fs';

export interface EventSummary {
  count: number;
  /** Sum of a numeric field (bytes, weight) or of `duration` in ns, when the event has one. */
  sums: Record<string, number>;
  byState?: Record<string, number>;
  /** Folded stacks `root;...;leaf` -> event count. */
  folded: Record<string, number>;
  /** Per summed field: folded stack -> sum (bytes, weight, duration ns), to compare value trees exactly. */
  foldedSums: Record<string, Record<string, number>>;
}

export interface JfrExpected {
  source: string;
  events: Record<string, EventSummary>;
  /** The first few ExecutionSample stacks in file order, root first, for frame-by-frame checks. */
  firstExecutionSampleStacks: string[][];
}

interface JsonFrame {
  method?: { name?: string; type?: { name?: string } | null } | null;
}
interface JsonEvent {
  type: string;
  values: Record<string, unknown>;
}

/** Parses an ISO-8601 duration as printed by `jfr` (e.g. `PT0.013407521S`, `PT1M2.5S`) to nanoseconds. */
export function isoDurationToNs(s: string): number {
  const m = /^(-)?PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:\.(\d{1,9}))?S)?$/.exec(s);
  if (!m) throw new Error(`unexpected duration ${s}`);
  const frac = (m[5] ?? '').padEnd(9, '0');
  const ns = ((Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) * 60 + Number(m[4] ?? 0)) * 1e9 + Number(frac || 0);
  return m[1] ? -ns : ns;
}

export function stackOf(values: Record<string, unknown>): string[] {
  const st = values.stackTrace as { frames?: JsonFrame[] } | null | undefined;
  const frames: string[] = [];
  for (const f of st?.frames ?? []) {
    const cls = f.method?.type?.name;
    const name = f.method?.name;
    if (name === undefined) continue;
    frames.push(cls ? `${cls}.${name}` : name);
  }
  return frames.reverse();
}

const SUM_FIELDS: Record<string, string[]> = {
  'jdk.ObjectAllocationInNewTLAB': ['tlabSize', 'allocationSize'],
  'jdk.ObjectAllocationOutsideTLAB': ['allocationSize'],
  'jdk.ObjectAllocationSample': ['weight'],
  'jdk.JavaMonitorEnter': ['duration'],
  'jdk.ThreadPark': ['duration'],
};

export function summarizeJfrPrint(json: unknown, source: string): JfrExpected {
  const events = (json as { recording: { events: JsonEvent[] } }).recording.events;
  const out: JfrExpected = { source, events: {}, firstExecutionSampleStacks: [] };
  for (const e of events) {
    const s = (out.events[e.type] ??= { count: 0, sums: {}, folded: {}, foldedSums: {} });
    s.count++;
    const key = stackOf(e.values).join(';');
    for (const f of SUM_FIELDS[e.type] ?? []) {
      const v = e.values[f];
      const n = typeof v === 'string' ? isoDurationToNs(v) : Number(v);
      s.sums[f] = (s.sums[f] ?? 0) + n;
      const fs = (s.foldedSums[f] ??= {});
      fs[key] = (fs[key] ?? 0) + n;
    }
    if (e.type === 'jdk.ExecutionSample') {
      const state = String(e.values.state);
      s.byState ??= {};
      s.byState[state] = (s.byState[state] ?? 0) + 1;
      if (out.firstExecutionSampleStacks.length < 8) out.firstExecutionSampleStacks.push(stackOf(e.values));
    }
    s.folded[key] = (s.folded[key] ?? 0) + 1;
  }
  return out;
}

// CLI: tsx jfr-print-summary.ts <jfr-print.json> <out.json> <source description>
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '\0')) {
  const [input, output, source] = process.argv.slice(2);
  if (!input || !output) throw new Error('usage: jfr-print-summary.ts <jfr-print.json> <out.json> [source]');
  const summary = summarizeJfrPrint(JSON.parse(readFileSync(input, 'utf8')), source ?? 'jfr print --json');
  writeFileSync(output, JSON.stringify(summary, null, 1) + '\n');
}
