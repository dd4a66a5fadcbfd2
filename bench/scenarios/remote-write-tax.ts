// Scenario 3: local store + 2 targets vs local store only (the remote-write tax), and vs nginx mirror.
import { join } from 'node:path';
import { foldedWorkload } from '../lib/bodies.js';
import type { Scenario } from '../lib/context.js';
import { describeLoad, localPlusTwoTargets, measureIngest, nginxMirror } from '../lib/measure.js';
import { startPyrelay } from '../lib/pyrelay.js';
import type { Row } from '../lib/report.js';

export const remoteWriteTax: Scenario = {
  name: 'rw-tax',
  title: 'local store + 2 targets vs local only',
  async run(ctx) {
    const w = foldedWorkload();
    const localServer = await startPyrelay({ dir: join(ctx.dir, 'tax-local'), cpuProfDir: ctx.cpuProfDir });
    let local;
    try {
      ctx.log('  pyrelay local only');
      local = await measureIngest(ctx, localServer, w);
    } finally {
      await localServer.stop();
    }
    const both = await localPlusTwoTargets(ctx, w);
    const base = await nginxMirror(ctx, w);
    const rows: Row[] = [
      {
        scenario: 'rw-tax',
        case: 'local + 2 targets vs local only',
        measured: describeLoad(both),
        baseline: `local only ${describeLoad(local)}`,
        ratio: both.rps / local.rps,
        goal: { op: '>=', value: 0.9 },
      },
      {
        scenario: 'rw-tax',
        case: 'local + 2 targets vs nginx mirror',
        measured: describeLoad(both),
        baseline: base.result ? `nginx mirror ${describeLoad(base.result)}` : '',
        ratio: base.result ? both.rps / base.result.rps : undefined,
        goal: { op: '>=', value: 0.5 },
        skipped: base.skipped,
      },
    ];
    return rows;
  },
};
