// Summarizes a V8 .cpuprofile (from `npm run bench -- <scenario> --cpu-prof`): self time per function, top N,
// and total time per source area (src/ingest, src/store, node internals, ...) to see where the time goes.
// Usage: npx tsx bench/top-frames.ts <file.cpuprofile> [N]
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface CpuNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: CpuNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface FrameShare {
  name: string;
  selfMs: number;
  share: number;
}

const area = (url: string) => {
  const m = /\/(src\/[^/]+|bench|node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (m) return m[1];
  if (url.startsWith('node:')) return 'node internals';
  return url ? 'other' : '(native/gc/idle)';
};

export function summarize(profile: CpuProfile): { frames: FrameShare[]; areas: FrameShare[]; totalMs: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const frames = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const f = byId.get(id)!.callFrame;
    if (f.functionName === '(idle)') continue;
    const file = f.url.replace(/^file:\/\/.*?\/(src|node_modules|bench)\//, '$1/');
    const name = `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
    frames.set(name, (frames.get(name) ?? 0) + us);
    areas.set(area(f.url), (areas.get(area(f.url)) ?? 0) + us);
    total += us;
  }
  const list = (m: Map<string, number>) => [...m].map(([name, us]) => ({ name, selfMs: us / 1000, share: us / total })).sort((a, b) => b.selfMs - a.selfMs);
  return { frames: list(frames), areas: list(areas), totalMs: total / 1000 };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const top = Number(process.argv[3] ?? 25);
  const s = summarize(JSON.parse(readFileSync(process.argv[2], 'utf8')) as CpuProfile);
  console.log(`busy ${s.totalMs.toFixed(0)} ms (idle excluded)\n\nby area:`);
  for (const a of s.areas.slice(0, 12)) console.log(`${(a.share * 100).toFixed(1).padStart(5)}%  ${a.name}`);
  console.log('\ntop functions by self time:');
  for (const f of s.frames.slice(0, top)) console.log(`${(f.share * 100).toFixed(1).padStart(5)}%  ${f.name}`);
}
