// Receiving Grafana's Push API vs /ingest for the same pprof bodies: each against a fresh pyrelay (local
// store), same load. The /ingest baseline gets what a Push turns into (the multipart upload with the
// __name__'s sample_type_config, the profile's own time window), so both store the same series and the
// ratio (Push req/s over /ingest req/s, one profile per request) is the cost of the Push protocol itself.
import { join } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import { gunzipSync } from 'node:zlib';
import { pprofTimes, pprofUpload } from '../../src/ingest/push-request.js';
import type { ProfileName } from '../../src/model/grafana-names.js';
import { PushRequestSchema } from '../../src/proto/push/v1/push_pb.js';
import { readFixture } from '../lib/bodies.js';
import type { Scenario } from '../lib/context.js';
import { VARIANTS } from '../lib/measure.js';
import { runLoad, type LoadRequest } from '../lib/load.js';
import { startPyrelay } from '../lib/pyrelay.js';
import { ms, n0, type Row } from '../lib/report.js';

const BODIES: { id: string; file: string; name: ProfileName; describe: string }[] = [
  { id: 'go-cpu', file: 'go-cpu.pb.gz', name: 'process_cpu', describe: 'Go CPU pprof (2,000 samples)' },
  { id: 'node-wall', file: 'node-wall.pb.gz', name: 'wall', describe: 'Node wall pprof (164 samples)' },
];

function ingestRequests(body: Buffer, app: string, profileName: ProfileName): LoadRequest[] {
  const pprof = gunzipSync(body);
  const { timeNanos, durationNanos } = pprofTimes(pprof);
  const fromS = timeNanos > 0n ? Number(timeNanos / 1_000_000_000n) : Math.floor(Date.now() / 1000);
  const untilS = fromS + Number(durationNanos / 1_000_000_000n);
  const upload = pprofUpload(pprof, profileName);
  return Array.from({ length: VARIANTS }, (_, i) => ({
    method: 'POST',
    path: `/ingest?${new URLSearchParams({ name: `${app}{env=bench,host=h${i % 4}}`, from: String(fromS), until: String(untilS), spyName: 'gospy' })}`,
    headers: { 'content-type': upload.contentType },
    body: upload.body,
  }));
}

function pushRequests(body: Buffer, app: string, profileName: string): LoadRequest[] {
  return Array.from({ length: VARIANTS }, (_, i) => {
    const req = create(PushRequestSchema, {
      series: [
        {
          labels: [
            { name: '__name__', value: profileName },
            { name: 'env', value: 'bench' },
            { name: 'host', value: `h${i % 4}` },
            { name: 'pyroscope_spy', value: 'gospy' },
            { name: 'service_name', value: app },
          ],
          samples: [{ rawProfile: body }],
        },
      ],
    });
    return {
      method: 'POST',
      path: '/push.v1.PusherService/Push',
      headers: { 'content-type': 'application/proto', 'connect-protocol-version': '1' },
      body: Buffer.from(toBinary(PushRequestSchema, req)),
    };
  });
}

export const pushReceive: Scenario = {
  name: 'push-receive',
  title: 'receiving Push vs /ingest, same pprof bodies, local store',
  async run(ctx) {
    const rows: Row[] = [];
    // Both servers run side by side and the load alternates between them in rounds, so a change in the
    // machine's load during the run hits both paths alike.
    const rounds = ctx.smoke ? 1 : 4;
    const roundSec = ctx.smoke ? ctx.durationSec : Math.max(2, Math.round(ctx.durationSec / 2));
    for (const b of ctx.smoke ? BODIES.slice(0, 1) : BODIES) {
      const body = readFixture(b.file);
      const paths = [
        { label: 'ingest', requests: ingestRequests(body, `bench.${b.id}`, b.name) },
        { label: 'push', requests: pushRequests(body, `bench.${b.id}`, b.name) },
      ];
      const servers = await Promise.all(paths.map((p) => startPyrelay({ dir: join(ctx.dir, `push-receive-${b.id}-${p.label}`), cpuProfDir: ctx.cpuProfDir })));
      try {
        const totals = paths.map(() => ({ ok: 0, sec: 0, p99: [] as number[] }));
        for (const [i, p] of paths.entries()) {
          if (ctx.warmupSec > 0) await runLoad({ url: servers[i].url, connections: ctx.connections, durationSec: ctx.warmupSec, requests: p.requests, dir: ctx.dir });
        }
        for (let round = 0; round < rounds; round++) {
          for (const [i, p] of paths.entries()) {
            ctx.log(`  ${p.label} (${b.id}) round ${round + 1}/${rounds}`);
            const r = await runLoad({ url: servers[i].url, connections: ctx.connections, durationSec: roundSec, requests: p.requests, dir: ctx.dir });
            if (r.non2xx || r.errors) ctx.note('push-receive', `${p.label} ${b.id}: ${r.non2xx} non-2xx, ${r.errors} errors ${JSON.stringify(r.statusCodes)}`);
            totals[i].ok += r.ok;
            totals[i].sec += r.durationSec;
            totals[i].p99.push(r.latencyMs.p99);
          }
        }
        const [base, push] = totals.map((t) => ({ rps: t.ok / t.sec, p99: Math.max(...t.p99) }));
        const text = (x: { rps: number; p99: number }) => `${n0(x.rps)} req/s, worst-round p99 ${ms(x.p99)}`;
        rows.push({
          scenario: 'push-receive',
          case: `Push, ${b.describe}`,
          measured: text(push),
          baseline: `/ingest (same multipart) ${text(base)}`,
          ratio: push.rps / base.rps,
          goal: { op: '>=', value: 0.8 },
        });
      } finally {
        await Promise.all(servers.map((s) => s.stop()));
      }
    }
    return rows;
  },
};
