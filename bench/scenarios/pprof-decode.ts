// Scenario 5: our pprof decoder vs pprof-format on the same fixtures, same process (bench/pprof-decode.ts).
import type { Scenario } from '../lib/context.js';
import type { Row } from '../lib/report.js';

export const pprofDecode: Scenario = {
  name: 'pprof-decode',
  title: 'pprof decode to stacks vs pprof-format',
  async run(ctx) {
    const { run } = await import('../pprof-decode.js');
    const rows = await run({ smoke: ctx.smoke });
    ctx.note(
      'pprof-decode',
      '`stacks` rows: bytes to resolved stacks; `trees` rows: the full ingest decoder (trees per series) vs pprof-format plus the same tree building. MB/s of input as received.',
    );
    return rows.map((r): Row => ({
      scenario: 'pprof-decode',
      case: r.name,
      measured: `${r.ours.toFixed(1)} ${r.unit}`,
      baseline: `pprof-format ${r.baseline.toFixed(1)} ${r.unit}`,
      ratio: r.ratio,
    }));
  },
};
