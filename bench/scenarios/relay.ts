// Scenario 2: relay mode (disable-local-writes) to 2 targets vs nginx `mirror` to the same 2 targets.
import { join } from 'node:path';
import { foldedWorkload } from '../lib/bodies.js';
import type { Scenario } from '../lib/context.js';
import { describeDrain, describeLoad, measureIngest, nginxMirror, sendThreadConfig, twoTargets, waitForDrain } from '../lib/measure.js';
import { metricSum, startPyrelay } from '../lib/pyrelay.js';
import { n0, type Row } from '../lib/report.js';
import { startSink } from '../lib/sink.js';

export const relay: Scenario = {
  name: 'relay',
  title: 'relay mode to 2 targets vs nginx mirror',
  async run(ctx) {
    const w = foldedWorkload();
    const base = await nginxMirror(ctx, w);
    const [a, b] = await Promise.all([startSink(), startSink()]);
    const server = await startPyrelay({
      dir: join(ctx.dir, 'relay'),
      config: { 'remote-write': { enabled: true, 'disable-local-writes': true, ...sendThreadConfig(ctx), targets: twoTargets(a, b) } },
      cpuProfDir: ctx.cpuProfDir,
    });
    try {
      ctx.log('  pyrelay relay');
      const r = await measureIngest(ctx, server, w);
      // pyrelay acks before it forwards: also say how far behind the targets were and how long they took to catch up.
      const atEnd = await Promise.all([a.count(), b.count()]);
      const drain = await waitForDrain(server, [a, b], r.totalOk, ctx.smoke ? 10_000 : 120_000);
      const dropped = metricSum(await server.metrics(), 'pyroscope_remote_write_queue_dropped');
      ctx.note(
        'relay',
        `pyrelay acked ${n0(r.totalOk)} requests (warm-up included); when the load ended the targets had ${n0(atEnd[0])} / ${n0(atEnd[1])}; ` +
          `${describeDrain(drain, r.totalOk)}. Queue drops (pyroscope_remote_write_queue_dropped): ${n0(dropped)}.`,
      );
      return [
        {
          scenario: 'relay',
          case: 'relay to 2 targets, folded',
          measured: describeLoad(r),
          baseline: base.result ? `nginx mirror ${describeLoad(base.result)}` : '',
          ratio: base.result ? r.rps / base.result.rps : undefined,
          goal: { op: '>=', value: 1.0 },
          skipped: base.skipped ? `${base.skipped} (pyrelay relay alone: ${describeLoad(r)})` : undefined,
        },
      ] satisfies Row[];
    } finally {
      await server.stop();
      await Promise.all([a.stop(), b.stop()]);
    }
  },
};
