// Child-process script: drives one autocannon run from a JSON spec file (see LoadSpec in load.ts) and prints its
// summary as one JSON line. Plain JS so it starts without the TypeScript loader; load runs in its own process so
// the client's CPU is never charged to (or stolen from) the processes being measured.
// Usage: node bench/lib/load-child.mjs <spec.json>
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const requests = spec.requests.map((r) => ({
  method: r.method,
  path: r.path,
  headers: r.headers,
  body: r.bodyFile ? readFileSync(r.bodyFile) : undefined,
}));

const result = await autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.durationSec,
  overallRate: spec.overallRate,
  timeout: spec.timeoutSec ?? 30,
  requests,
});

const out = {
  durationSec: result.duration,
  requests: result.requests.total,
  ok: result['2xx'],
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  rps: result['2xx'] / result.duration,
  latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.average },
  statusCodes: result.statusCodeStats,
};
process.stdout.write(JSON.stringify({ msg: 'load done', result: out }) + '\n');
