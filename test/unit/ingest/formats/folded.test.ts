import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFolded } from '../../../../src/ingest/formats/folded.js';
import { FUZZ_RUNS, errorOf, folded, input, onlyTypedErrors, utf8 } from './helpers.js';
import { createNodeBudget } from '../../../../src/model/node-budget.js';

const decode = (body: string, limits = {}) => decodeFolded(input(utf8(body), limits));

describe('decodeFolded', () => {
  it('decodes the spec vector', () => {
    expect(folded(decode('foo;bar 2\nfoo;baz 3\n'))).toEqual({ 'foo;bar': 2, 'foo;baz': 3 });
  });

  it('carries key and metadata from the input', () => {
    const [p] = decode('a 1');
    expect(p.key).toEqual({ appName: 'app.cpu', labels: { env: 'test' } });
    expect(p.metadata).toEqual({ spyName: 'gospy', sampleRate: 99, units: 'samples', aggregation: 'average' });
    expect(p.tree.total).toBe(1);
  });

  it('returns nothing for an empty body', () => {
    expect(decodeFolded(input(new Uint8Array(0)))).toEqual([]);
  });

  it('adds up identical stacks, tolerates CRLF and a missing final newline', () => {
    expect(folded(decode('a;b 1\r\na;b 2\r\na;c 4'))).toEqual({ 'a;b': 3, 'a;c': 4 });
  });

  it('splits at the last space, so frames may contain spaces', () => {
    expect(folded(decode('main;do work;x y 5\n'))).toEqual({ 'main;do work;x y': 5 });
  });

  it('skips lines without a space and empty lines (OG)', () => {
    expect(folded(decode('nospace\n\n\na 1\n'))).toEqual({ a: 1 });
  });

  it('yields an empty tree when no line has a sample', () => {
    const [p] = decode('just;a;stack\n');
    expect(p.tree.total).toBe(0);
  });

  it('ignores zero counts and empty stacks', () => {
    expect(folded(decode('a 0\n 5\nb 1\n'))).toEqual({ b: 1 });
  });

  it('keeps empty frames and UTF-8 frames verbatim', () => {
    expect(folded(decode('a;;b 1\n\u00fcber;\u6f22 2\n'))).toEqual({ 'a;;b': 1, '\u00fcber;\u6f22': 2 });
  });

  it('has no line-length cap (docs/compatibility.md#15)', () => {
    const frames = Array.from({ length: 1000 }, (_, i) => `frame_${'x'.repeat(100)}_${i}`).join(';');
    expect(frames.length).toBeGreaterThan(64 * 1024);
    expect(folded(decode(`${frames} 7\nshort 1\n`))).toEqual({ [frames]: 7, short: 1 });
  });

  it('handles large counts exactly', () => {
    expect(folded(decode(`a ${Number.MAX_SAFE_INTEGER}\n`))).toEqual({ a: Number.MAX_SAFE_INTEGER });
  });

  it.each([
    ['a;b 1\nfoo;bar x\n', 2, '"x"'],
    ['a 1\nb -3\n', 2, '"-3"'],
    ['a 1.5', 1, '"1.5"'],
    ['a 1\n\nb 2 \n', 3, '""'], // trailing space: the count is empty
    ['a +1', 1, '"+1"'],
    ['a 0x10', 1, '"0x10"'],
  ])('rejects a malformed count: %j (line %d)', (body, line, shown) => {
    const e = errorOf(() => decode(body));
    expect(e.code).toBe('malformed_body');
    expect(e.status).toBe(422);
    expect(e.message).toBe(`folded: line ${line}: invalid sample count ${shown}: want a non-negative integer`);
  });

  it('rejects counts beyond 2^53-1 and sums that lose precision', () => {
    expect(errorOf(() => decode('a 9007199254740993')).message).toBe('folded: line 1: sample count "9007199254740993" exceeds 2^53-1');
    expect(errorOf(() => decode(`a ${Number.MAX_SAFE_INTEGER}\nb ${Number.MAX_SAFE_INTEGER}`)).message).toBe('folded: body: sum of sample values exceeds 2^53-1');
  });

  it('rejects stacks deeper than maxStackDepth, naming the line', () => {
    const deep = Array.from({ length: 11 }, () => 'f').join(';');
    expect(folded(decode(`${Array.from({ length: 10 }, () => 'f').join(';')} 1`, { maxStackDepth: 10 }))).toHaveProperty(Array.from({ length: 10 }, () => 'f').join(';'));
    const e = errorOf(() => decode(`a 1\n${deep} 1`, { maxStackDepth: 10 }));
    expect(e.status).toBe(422);
    expect(e.message).toBe('folded: line 2: stack deeper than 10 frames');
  });

  it('rejects the default depth limit (2048) without a stack overflow', () => {
    const deep = Array.from({ length: 100_000 }, () => 'f').join(';');
    expect(errorOf(() => decode(`${deep} 1`)).message).toContain('stack deeper than 2048 frames');
  });

  it('only ever throws typed errors (fuzz)', () => {
    const line = fc.array(fc.constantFrom('a', 'b', ';', ' ', '\r', '1', '0', '9', '-', '+', '.', '\u00e9', '\t'), { maxLength: 20 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), (lines) => onlyTypedErrors(() => decode(lines.join('\n'), { maxStackDepth: 4 }))),
      { numRuns: FUZZ_RUNS },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => onlyTypedErrors(() => decodeFolded(input(bytes)))),
      { numRuns: FUZZ_RUNS },
    );
  });
});

describe('folded, validate-only (relay mode)', () => {
  const mk = (body: string) => input(utf8(body));
  it('accepts what the full decoder accepts and rejects what it rejects, building no tree', () => {
    const good = mk('a;b 2\na;c 3\nno-count-line\n');
    const full = decodeFolded(good);
    const light = decodeFolded({ ...good, validateOnly: true });
    expect(full[0].tree.total).toBe(5);
    expect(light).toHaveLength(1);
    expect(light[0].tree.total).toBe(0);
    expect(decodeFolded({ ...mk('x 0\n'), validateOnly: true })).toEqual([]);
    for (const bad of ['a;b 1\na;c x\n', `${Array(3000).fill('f').join(';')} 1\n`, 'a 9007199254740991\nb 1\n']) {
      const fullErr = (() => {
        try {
          decodeFolded(mk(bad));
        } catch (e) {
          return (e as Error).message;
        }
      })();
      const lightErr = (() => {
        try {
          decodeFolded({ ...mk(bad), validateOnly: true });
        } catch (e) {
          return (e as Error).message;
        }
      })();
      expect(fullErr).toBeDefined();
      expect(lightErr).toBe(fullErr);
    }
  });

  it('on random bodies: validate-only (a byte scan) accepts, rejects with the same message, and charges the nodes of the full decoder', () => {
    const line = fc
      .tuple(fc.array(fc.constantFrom('a', 'b', ';', ' ', '\r', '\u00e9', 'x y', '1'), { maxLength: 10 }), fc.constantFrom('0', '1', '42', 'x', '', '-1', '9007199254740993'))
      .map(([cs, n]) => `${cs.join('')} ${n}`);
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), fc.integer({ min: 1, max: 6 }), (lines, limit) => {
        const body = utf8(lines.join('\n'));
        const outcome = (validateOnly: boolean) => {
          // Room for every tree: validate-only charges distinct stacks, fewer than tree nodes, so a budget error of
          // the full decoder is not one validate-only must repeat (its budget is a lower bound by design).
          const nodeBudget = createNodeBudget(10_000);
          try {
            const out = decodeFolded({ ...input(body, { maxStackDepth: limit, nodeBudget }), validateOnly });
            // Validate-only returns no profile for a body without samples; the full decoder an empty tree.
            return { ok: out.length > 0 && (validateOnly || out[0].tree.total > 0), nodes: nodeBudget.used };
          } catch (e) {
            return { error: (e as Error).message };
          }
        };
        const full = outcome(false);
        const light = outcome(true);
        if ('error' in full) expect(light).toEqual(full);
        else {
          expect('error' in light ? light : light.ok).toBe(full.ok);
          // Full charges tree nodes, validate-only distinct stacks: never more than the tree's nodes.
          expect((light as { nodes: number }).nodes).toBeLessThanOrEqual(full.nodes);
        }
      }),
      { numRuns: FUZZ_RUNS / 4 },
    );
  });
});
