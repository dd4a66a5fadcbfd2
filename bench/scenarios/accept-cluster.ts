// Experiment for issue 10 ("use more than one core for the accept path"): relay mode to 2 targets served by
// one process vs by N processes behind one port (node:cluster, each with its own write-ahead log). Only relay
// mode can be split this way: the local store has one writer. Info rows, no goal: the answer is what this
// machine says.
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { foldedWorkload } from '../lib/bodies.js';
import type { Scenario } from '../lib/context.js';
import { describeLoad, measureIngest, sendThreadConfig, twoTargets, waitForDrain } from '../lib/measure.js';
import { startPyrelay } from '../lib/pyrelay.js';
import { n0, type Row } from '../lib/report.js';
import { startSink } from '../lib/sink.js';

export const acceptCluster: Scenario = {
  name: 'accept-cluster',
  title: 'relay to 2 targets: 1 process vs N behind one port (node:cluster)',
  async run(ctx) {
    const w = foldedWorkload();
    const counts = [1, Math.max(2, availableParallelism())];
    const results = [];
    for (const processes of counts) {
      const [a, b] = await Promise.all([startSink(), startSink()]);
      const server = await startPyrelay({
        dir: join(ctx.dir, `cluster-${processes}`),
        config: { 'remote-write': { enabled: true, 'disable-local-writes': true, ...sendThreadConfig(ctx), targets: twoTargets(a, b) } },
        processes,
      });
      try {
        ctx.log(`  pyrelay relay, ${processes} process(es)`);
        // A cluster's CPU is its primary's and its servers' (children, counted by measureIngest).
        const r = await measureIngest(ctx, server, w);
        const drain = await waitForDrain(server, [a, b], r.totalOk, ctx.smoke ? 10_000 : 120_000);
        if (!drain.complete) ctx.note('accept-cluster', `${processes} process(es): only ${drain.counts.map(n0).join(' / ')} of ${n0(r.totalOk)} delivered`);
        results.push({ processes, r });
      } finally {
        await server.stop();
        await Promise.all([a.stop(), b.stop()]);
      }
    }
    const [one, many] = results;
    return [
      {
        scenario: 'accept-cluster',
        case: `relay to 2 targets, folded: ${many.processes} processes (cluster) vs 1`,
        measured: describeLoad(many.r),
        baseline: `1 process ${describeLoad(one.r)}`,
        ratio: many.r.rps / one.r.rps,
      },
    ] satisfies Row[];
  },
};
