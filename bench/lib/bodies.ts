// Deterministic, realistic request bodies: folded profiles of ~200 stacks that share prefixes the way real
// call trees do (values drift between uploads, the stacks do not), and pprof from the real fixtures.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { repoRoot } from './child.js';
import type { LoadRequest } from './load.js';

export { prng } from './prng.js';
import { prng } from './prng.js';

const PKGS = [
  'net/http',
  'runtime',
  'encoding/json',
  'github.com/acme/shop/api',
  'github.com/acme/shop/db',
  'github.com/acme/shop/cache',
  'google.golang.org/grpc',
  'database/sql',
  'compress/gzip',
  'sync',
];
const TYPES = ['', '(*conn).', '(*Server).', '(*Client).', '(*Decoder).', '(*Pool).', '(*Tx).', '(*Router).'];
const VERBS = [
  'serve',
  'handle',
  'Get',
  'Put',
  'decode',
  'encode',
  'readLoop',
  'writeLoop',
  'Query',
  'Exec',
  'mallocgc',
  'scanobject',
  'Lock',
  'Write',
  'Read',
  'lookup',
  'Marshal',
  'Unmarshal',
  'dispatch',
  'run',
];

/** The fixed set of stacks (root first) of the synthetic app: `n` stacks, depth 4..32, shared prefixes. */
export function stackSet(n = 200, seed = 1): string[][] {
  const r = prng(seed);
  const frame = () => `${PKGS[Math.floor(r() * PKGS.length)]}.${TYPES[Math.floor(r() * TYPES.length)]}${VERBS[Math.floor(r() * VERBS.length)]}${Math.floor(r() * 40)}`;
  const stacks: string[][] = [];
  const seen = new Set<string>();
  while (stacks.length < n) {
    const base = stacks.length && r() < 0.85 ? stacks[Math.floor(r() * stacks.length)] : ['runtime.goexit', 'main.main'];
    const keep = Math.max(1, Math.floor(r() * base.length));
    const depth = 4 + Math.floor(r() * 28);
    const s = base.slice(0, keep);
    while (s.length < depth) s.push(frame());
    const key = s.join(';');
    if (!seen.has(key)) {
      seen.add(key);
      stacks.push(s);
    }
  }
  return stacks;
}

/** One folded upload (`stack value\n`): the same stacks every time, Zipf-like weights, values varying with `seed`. */
export function foldedProfile(stacks: string[][], seed: number): Buffer {
  const r = prng(seed * 7919 + 13);
  const lines: string[] = [];
  for (let i = 0; i < stacks.length; i++) {
    const weight = 2000 / (i + 1);
    const v = Math.max(1, Math.round(weight * (0.5 + r())));
    lines.push(`${stacks[i].join(';')} ${v}`);
  }
  return Buffer.from(lines.join('\n') + '\n');
}

export const fixturesDir = join(repoRoot, 'test/fixtures/pprof');
export const readFixture = (name: string) => readFileSync(join(fixturesDir, name));

const BOUNDARY = 'pyrelaybenchboundary7MA4YWxkTrZu0gW';

/** A multipart body the way pyroscope-go sends it: one `profile` file part. */
export function multipartProfile(pprof: Buffer): { body: Buffer; contentType: string } {
  const head = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="profile"; filename="profile.pprof"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  return { body: Buffer.concat([Buffer.from(head), pprof, Buffer.from(`\r\n--${BOUNDARY}--\r\n`)]), contentType: `multipart/form-data; boundary=${BOUNDARY}` };
}

export interface Workload {
  id: string;
  describe: string;
  /** `variants` distinct requests, 10 s windows ending near now, cycled by the load generator. */
  requests(variants: number): LoadRequest[];
}

const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

function windows(variants: number): { fromS: number; untilS: number }[] {
  const now = Math.floor(Date.now() / 10000) * 10;
  return Array.from({ length: variants }, (_, i) => ({ fromS: now - (variants - i) * 10, untilS: now - (variants - i - 1) * 10 }));
}

/** Folded uploads of `stacks` stacks: 200 make ~122 KB (a busy service), 12 make ~6 KB (a small one). */
export const foldedWorkload = (app = 'bench.folded', stacks = 200): Workload => ({
  id: stacks === 200 ? 'folded' : `folded-${stacks}`,
  describe: `folded, ${stacks} stacks (${Math.round(foldedProfile(stackSet(stacks), 0).length / 1024)} KB)`,
  requests(variants) {
    const set = stackSet(stacks);
    return windows(variants).map((w, i) => ({
      method: 'POST',
      path: `/ingest?${q({ name: `${app}.cpu{env=bench,host=h${i % 4}}`, from: String(w.fromS), until: String(w.untilS), spyName: 'pyspy', sampleRate: '100' })}`,
      headers: { 'content-type': 'text/plain' },
      body: foldedProfile(set, i),
    }));
  },
});

export const goPprofWorkload = (app = 'bench.go'): Workload => ({
  id: 'pprof-go',
  describe: 'Go-style CPU pprof (2,000 samples, 13 label sets), multipart',
  requests(variants) {
    const { body, contentType } = multipartProfile(readFixture('go-cpu.pb.gz'));
    return windows(variants).map((w, i) => ({
      method: 'POST',
      path: `/ingest?${q({ name: `${app}{env=bench,host=h${i % 4}}`, from: `${w.fromS}000000000`, until: `${w.untilS}000000000`, spyName: 'gospy', sampleRate: '100' })}`,
      headers: { 'content-type': contentType },
      body,
    }));
  },
});

export const nodePprofWorkload = (app = 'bench.node'): Workload => ({
  id: 'pprof-node',
  describe: 'real Node wall pprof (164 samples), raw',
  requests(variants) {
    const body = readFixture('node-wall.pb.gz');
    return windows(variants).map((w, i) => ({
      method: 'POST',
      path: `/ingest?${q({ format: 'pprof', from: String(w.fromS), name: `${app}{env=bench,host=h${i % 4}}`, spyName: 'nodespy', until: String(w.untilS) })}`,
      headers: { 'content-type': 'application/octet-stream' },
      body,
    }));
  },
});

/** gzip size of a body as a client would send it (pprof bodies are already gzipped: counted as is). */
export const gzippedSize = (body: Buffer) => (body[0] === 0x1f && body[1] === 0x8b ? body.length : gzipSync(body).length);
