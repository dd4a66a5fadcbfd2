// Scenario 3: local store + 2 targets vs local store only (the remote-write tax), and vs nginx mirror.
import { join } from 'node:path';
import { foldedWorkload } from '../lib/bodies.js';
import type { Scenario } from '../lib/context.js';
import { describeLoad, measureIngest, nginxMirror, twoTargets, waitForCount } from '../lib/measure.js';
import { startPyrelay } from '../lib/pyrelay.js';
import { n0, type Row } from '../lib/report.js';
import { startSink } from '../lib/sink.js';

export const remoteWriteTax: Scenario = {
  name: 'rw-tax',
  title: 'local store + 2 targets vs local only',
  async run(ctx) {
    const w = foldedWorkload();
    const localServer = await startPyrelay({ dir: join(ctx.dir, 'tax-local'), cpuProfDir: ctx.cpuProfDir });
    let local;
    try {
      ctx.log('  pyrelay local only');
      local = await measureIngest(ctx, localServer.url, w);
    } finally {
      await localServer.stop();
    }
    const [a, b] = await Promise.all([startSink(), startSink()]);
    const server = await startPyrelay({
      dir: join(ctx.dir, 'tax-rw'),
      config: { 'remote-write': { enabled: true, targets: twoTargets(a, b) } },
      cpuProfDir: ctx.cpuProfDir,
    });
    let both;
    try {
      ctx.log('  pyrelay local + 2 targets');
      both = await measureIngest(ctx, server.url, w);
      const atEnd = await Promise.all([a.count(), b.count()]);
      const drainMs = await Promise.all([a, b].map((s) => waitForCount(s, both!.totalOk, ctx.smoke ? 10_000 : 120_000)));
      ctx.note(
        'rw-tax',
        `local + 2 targets acked ${n0(both.totalOk)} requests; at the end of the load the targets had ${n0(atEnd[0])} / ${n0(atEnd[1])}, ` +
          `all of them ${drainMs.map((d) => (d === undefined ? 'never (timeout)' : `${n0(d)} ms`)).join(' / ')} later.`,
      );
    } finally {
      await server.stop();
      await Promise.all([a.stop(), b.stop()]);
    }
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
