// Scenario 1: ingest into the local store vs the floor (a node:http server that only reads the body).
import { join } from 'node:path';
import { foldedWorkload, goPprofWorkload, nodePprofWorkload } from '../lib/bodies.js';
import type { Scenario } from '../lib/context.js';
import { describeLoad, floor, measureIngest } from '../lib/measure.js';
import { startPyrelay } from '../lib/pyrelay.js';
import type { Row } from '../lib/report.js';

export const ingest: Scenario = {
  name: 'ingest',
  title: 'ingest, local store only, vs the floor',
  async run(ctx) {
    const rows: Row[] = [];
    const all = ctx.smoke ? [foldedWorkload(), goPprofWorkload()] : [foldedWorkload(), foldedWorkload('bench.folded-small', 12), goPprofWorkload(), nodePprofWorkload()];
    // `--workloads=folded,pprof-go` picks some of them (profiling one case).
    const picked = ctx.options.workloads?.split(',');
    const workloads = picked ? all.filter((w) => picked.includes(w.id)) : all;
    // Smoke shares one server (start-up dominates there); a full run starts a fresh server per workload, so one
    // body type's stored data does not slow the next.
    const shared = ctx.smoke ? await startPyrelay({ dir: join(ctx.dir, 'ingest'), cpuProfDir: ctx.cpuProfDir }) : undefined;
    for (const w of workloads) {
      const base = await floor(ctx, w);
      const server = shared ?? (await startPyrelay({ dir: join(ctx.dir, `ingest-${w.id}`), cpuProfDir: ctx.cpuProfDir }));
      try {
        ctx.log(`  pyrelay local (${w.id})`);
        const r = await measureIngest(ctx, server, w);
        rows.push({
          scenario: 'ingest',
          case: `local store, ${w.describe}`,
          measured: describeLoad(r),
          baseline: `floor ${describeLoad(base)}`,
          ratio: r.rps / base.rps,
          goal: { op: '>=', value: 0.25 },
        });
        // Issue 10 states this one as an absolute rate: a cluster of Go apps must not saturate the server.
        if (w.id === 'pprof-go') {
          rows.push({
            scenario: 'ingest',
            case: `local store, ${w.describe}, vs the 500 req/s goal`,
            measured: describeLoad(r),
            baseline: '500 req/s',
            ratio: r.rps / 500,
            goal: { op: '>=', value: 1 },
          });
        }
        if (r.non2xx) ctx.note('ingest', `${w.id}: ${r.non2xx} non-2xx answers ${JSON.stringify(r.statusCodes)}`);
      } finally {
        if (!shared) await server.stop();
      }
    }
    await shared?.stop();
    return rows;
  },
};
