// One row per measured case: what pyrelay did, what the baseline did in the same run, their ratio and the goal.
// Printed as an aligned table and written as markdown.

export interface Goal {
  op: '>=' | '<=';
  value: number;
}

export interface Row {
  scenario: string;
  /** What this row compares, e.g. `folded, 200 stacks`. */
  case: string;
  measured: string;
  baseline: string;
  /** measured / baseline in the unit the goal uses; undefined when skipped or informational. */
  ratio?: number;
  goal?: Goal;
  /** Set when the case did not run (e.g. nginx missing): the reason. */
  skipped?: string;
}

export const goalText = (g?: Goal) => (g ? `${g.op} ${g.value}x` : '');

export function verdict(r: Row): 'pass' | 'MISS' | 'skip' | 'info' {
  if (r.skipped) return 'skip';
  if (!r.goal || r.ratio === undefined || !Number.isFinite(r.ratio)) return 'info';
  return (r.goal.op === '>=' ? r.ratio >= r.goal.value : r.ratio <= r.goal.value) ? 'pass' : 'MISS';
}

const fmtRatio = (r: Row) => (r.skipped ? '-' : r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x`);
const cells = (r: Row) => [r.scenario, r.case, r.skipped ? `skipped: ${r.skipped}` : r.measured, r.baseline, fmtRatio(r), goalText(r.goal), verdict(r)];
const HEAD = ['scenario', 'case', 'measured', 'baseline', 'ratio', 'goal', 'result'];

export function textTable(rows: Row[]): string {
  const all = [HEAD, ...rows.map(cells)];
  const widths = HEAD.map((_, i) => Math.max(...all.map((c) => c[i].length)));
  const line = (c: string[]) =>
    c
      .map((s, i) => s.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(all[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

export function markdownTable(rows: Row[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [`| ${HEAD.join(' | ')} |`, `|${HEAD.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${cells(r).map(esc).join(' | ')} |`)].join('\n');
}

// Small formatting helpers shared by the scenarios.
export const n0 = (x: number) => Math.round(x).toLocaleString('en-US');
export const ms = (x: number) => `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ms`;
export const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
export const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
