// Scenario 4: at a fixed rate, one of two targets goes down (connection refused) for a while: ingest p99
// against the healthy run, the server's peak RSS, and how long the backlog takes to drain once it is back.
import { join } from 'node:path';
import { foldedWorkload } from '../lib/bodies.js';
import type { Scenario } from '../lib/context.js';
import { runLoad } from '../lib/load.js';
import { describeDrain, describeLoad, localPlusTwoTargets, measureIngest, sendThreadConfig, twoTargets, VARIANTS, waitForDrain } from '../lib/measure.js';
import { metricSum, startPyrelay } from '../lib/pyrelay.js';
import { mib, n0, type Row } from '../lib/report.js';
import { startSink } from '../lib/sink.js';

const RSS_LIMIT = 256 * 1048576;

export const targetDown: Scenario = {
  name: 'target-down',
  title: 'one target down at a fixed rate',
  async run(ctx) {
    const w = foldedWorkload();
    // A fixed rate the server can sustain: half of what it reached with 2 healthy targets in this run.
    const capacity = ctx.smoke ? undefined : (await localPlusTwoTargets(ctx, w)).rps;
    const rate = capacity === undefined ? 5 : Math.max(2, Math.round(capacity / 2));
    const downSec = ctx.smoke ? 2 : 60;
    const healthySec = ctx.smoke ? 1 : 20;
    const a = await startSink();
    let b = await startSink();
    const bPort = b.port;
    const server = await startPyrelay({
      dir: join(ctx.dir, 'target-down'),
      config: { 'remote-write': { enabled: true, ...sendThreadConfig(ctx), targets: twoTargets(a, b) } },
      cpuProfDir: ctx.cpuProfDir,
    });
    try {
      ctx.log(`  healthy, ${rate} req/s`);
      const sampler = server.sampleRss();
      const healthy = await measureIngest(ctx, server, w, rate, healthySec);
      const rssHealthy = await server.peakRss();
      const bBefore = await b.count();
      await b.stop();
      ctx.log(`  target b down for ${downSec} s, ${rate} req/s`);
      const down = await runLoad({ url: server.url, connections: ctx.connections, durationSec: downSec, overallRate: rate, requests: w.requests(VARIANTS), dir: ctx.dir });
      const peakRss = await server.peakRss();
      const split = sampler.stop();
      const pending = metricSum(await server.metrics(), 'pyroscope_remote_write_queue_pending', ['target_name="b"']);
      // Same port, so the configured address works again; count from here on.
      b = await startSink(bPort);
      const missing = healthy.totalOk + down.ok - bBefore;
      ctx.log(`  target b back; waiting for ${n0(missing)} requests`);
      const drain = await waitForDrain(server, [b], missing, ctx.smoke ? 5_000 : 120_000);
      const failures = metricSum(await server.metrics(), 'pyrelay_remote_write_send_failures_total', ['target_name="b"']);
      const dropped = metricSum(await server.metrics(), 'pyrelay_remote_write_dropped_total', ['target_name="b"']);
      ctx.note(
        'target-down',
        `rate ${rate} req/s (${capacity === undefined ? 'smoke' : `half of the ${n0(capacity)} req/s measured with 2 healthy targets`}), folded bodies; healthy ${healthySec} s then b down ${downSec} s. Backlog of b when it came back: ${n0(pending)} pending (metric), ` +
          `${n0(missing)} requests missing at b; peak RSS ${mib(rssHealthy)} after the healthy phase, ${mib(peakRss)} after the outage (sampled peaks: ${mib(split.peakAnon)} anonymous, ${mib(split.peakFile)} file-backed, i.e. mmapped lmdb pages); ${describeDrain(drain, missing)} (a drain time includes the retry backoff in force when b returned). Send failures to b: ${n0(failures)}, dropped: ${n0(dropped)}. ` +
          `Down-window answers: ${n0(down.ok)} 2xx, ${n0(down.non2xx)} non-2xx, ${n0(down.errors)} errors.`,
      );
      const rows: Row[] = [
        {
          scenario: 'target-down',
          case: `p99 with b down ${downSec} s vs healthy`,
          measured: describeLoad(down),
          baseline: `healthy ${describeLoad(healthy)}`,
          ratio: down.latencyMs.p99 / healthy.latencyMs.p99,
          goal: { op: '<=', value: 1.1 },
        },
        {
          scenario: 'target-down',
          case: 'peak RSS of the server (VmHWM)',
          measured: mib(peakRss),
          baseline: `limit ${mib(RSS_LIMIT)}`,
          ratio: peakRss / RSS_LIMIT,
          goal: { op: '<=', value: 1.0 },
        },
        {
          scenario: 'target-down',
          case: 'time to drain the backlog after b returns',
          measured: drain.complete ? `${(drain.ms / 1000).toFixed(1)} s for ${n0(missing)} requests` : `never: ${n0(drain.counts[0])} of ${n0(missing)} delivered`,
          baseline: drain.complete ? '' : drain.timedOut ? 'timeout' : 'nothing left to send: the rest was dropped',
        },
      ];
      return rows;
    } finally {
      await server.stop();
      await Promise.all([a.stop(), b.stop()]);
    }
  },
};
