// The bench harness's pure parts: verdicts, tables, deterministic bodies, nginx config, metric parsing, profile summary.
import { describe, expect, it } from 'vitest';
import { foldedProfile, multipartProfile, prng, stackSet } from '../../../bench/lib/bodies.js';
import { nginxMirrorConfig } from '../../../bench/lib/nginx.js';
import { metricSum } from '../../../bench/lib/pyrelay.js';
import { markdownTable, textTable, verdict, type Row } from '../../../bench/lib/report.js';
import { summarize } from '../../../bench/top-frames.js';

const row = (over: Partial<Row>): Row => ({ scenario: 's', case: 'c', measured: 'm', baseline: 'b', ...over });

describe('verdict', () => {
  it('compares the ratio with the goal in its direction', () => {
    expect(verdict(row({ ratio: 0.25, goal: { op: '>=', value: 0.25 } }))).toBe('pass');
    expect(verdict(row({ ratio: 0.2499, goal: { op: '>=', value: 0.25 } }))).toBe('MISS');
    expect(verdict(row({ ratio: 3.01, goal: { op: '<=', value: 3 } }))).toBe('MISS');
    expect(verdict(row({ ratio: 1, goal: { op: '<=', value: 3 } }))).toBe('pass');
  });
  it('says skip for skipped rows and info for rows without a goal or a finite ratio', () => {
    expect(verdict(row({ skipped: 'nginx not installed', goal: { op: '>=', value: 1 } }))).toBe('skip');
    expect(verdict(row({ ratio: 2 }))).toBe('info');
    expect(verdict(row({ ratio: NaN, goal: { op: '>=', value: 1 } }))).toBe('info');
  });
});

describe('tables', () => {
  const rows = [row({ ratio: 0.5, goal: { op: '>=', value: 1 } }), row({ case: 'a|b', skipped: 'why' })];
  it('prints every column and the skip reason', () => {
    const t = textTable(rows);
    expect(t.split('\n')[0]).toMatch(/^scenario\s+case\s+measured\s+baseline\s+ratio\s+goal\s+result$/);
    expect(t).toContain('0.50x');
    expect(t).toContain('MISS');
    expect(t).toContain('skipped: why');
  });
  it('escapes pipes in markdown cells', () => {
    const md = markdownTable(rows).split('\n');
    expect(md).toHaveLength(4);
    expect(md[3]).toContain('a\\|b');
  });
});

describe('bodies', () => {
  it('are deterministic and have 200 distinct stacks that share prefixes', () => {
    const a = stackSet();
    expect(a).toEqual(stackSet());
    expect(new Set(a.map((s) => s.join(';'))).size).toBe(200);
    // Shared prefixes: far fewer distinct call paths (tree nodes) than frames, and one root.
    const prefixes = new Set(a.flatMap((s) => s.map((_, i) => s.slice(0, i + 1).join(';'))));
    const frames = a.reduce((n, s) => n + s.length, 0);
    expect(prefixes.size).toBeLessThan(frames * 0.8);
    expect(new Set(a.map((s) => s[0])).size).toBe(1);
    expect(foldedProfile(a, 3).equals(foldedProfile(a, 3))).toBe(true);
    expect(foldedProfile(a, 3).equals(foldedProfile(a, 4))).toBe(false);
  });
  it('folded lines are `stack value` with positive integer values', () => {
    const lines = foldedProfile(stackSet(), 1).toString().trimEnd().split('\n');
    expect(lines).toHaveLength(200);
    for (const l of lines) expect(l).toMatch(/^[^ ]+(;[^ ]+)* [1-9]\d*$/);
  });
  it('prng is in [0, 1) and seeded', () => {
    const r = prng(7);
    const xs = Array.from({ length: 1000 }, r);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(prng(7)()).toBe(xs[0]);
  });
  it('multipart wraps the pprof in one `profile` file part with the boundary of its content type', () => {
    const { body, contentType } = multipartProfile(Buffer.from([0x1f, 0x8b, 1, 2]));
    const boundary = contentType.split('boundary=')[1];
    const text = body.toString('latin1');
    expect(text.startsWith(`--${boundary}\r\n`)).toBe(true);
    expect(text).toContain('name="profile"; filename="profile.pprof"');
    expect(text.endsWith(`\r\n--${boundary}--\r\n`)).toBe(true);
  });
});

describe('nginx mirror config', () => {
  it('proxies to the primary, mirrors the body to the second target, one worker, no access log', () => {
    const c = nginxMirrorConfig('/tmp/x', 8123, 'http://127.0.0.1:1001', 'http://127.0.0.1:1002');
    expect(c).toContain('listen 127.0.0.1:8123;');
    expect(c).toContain('upstream primary { server 127.0.0.1:1001;');
    expect(c).toContain('upstream mirror { server 127.0.0.1:1002;');
    expect(c).toContain('mirror /__mirror;');
    expect(c).toContain('mirror_request_body on;');
    expect(c).toContain('proxy_pass http://mirror$request_uri;');
    expect(c).toContain('worker_processes 1;');
    expect(c).toContain('access_log off;');
  });
});

describe('metricSum', () => {
  it('sums the samples whose labels contain every given label', () => {
    const text = [
      '# HELP x help',
      'x{target_name="a",reason="network"} 2',
      'x{target_name="b",reason="network"} 3',
      'x{target_name="b",reason="timeout"} 4',
      'x_other{target_name="b"} 100',
    ].join('\n');
    expect(metricSum(text, 'x', ['target_name="b"'])).toBe(7);
    expect(metricSum(text, 'x')).toBe(9);
    expect(metricSum(text, 'missing')).toBe(0);
  });
});

describe('summarize', () => {
  it('attributes self time to functions and areas, leaving idle out', () => {
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 9 });
    const s = summarize({
      nodes: [
        { id: 1, callFrame: frame('(root)', '') },
        { id: 2, callFrame: frame('put', 'file:///repo/src/store/lmdb-store.ts') },
        { id: 3, callFrame: frame('(idle)', '') },
        { id: 4, callFrame: frame('parse', 'file:///repo/src/ingest/formats/folded.ts') },
      ],
      samples: [2, 2, 3, 4, 2],
      timeDeltas: [1000, 1000, 5000, 1000, 1000],
    });
    expect(s.totalMs).toBe(4);
    expect(s.frames[0]).toMatchObject({ name: 'put src/store/lmdb-store.ts:10', selfMs: 3, share: 0.75 });
    expect(s.areas.map((a) => a.name)).toEqual(['src/store', 'src/ingest']);
  });
});
