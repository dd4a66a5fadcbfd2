import { describe, expect, it } from 'vitest';
import { isPyrelayError } from '../../../src/model/errors.js';
import { MAX_REGEX_LENGTH, compileLabelRegex, labelRegexError } from '../../../src/model/regex.js';

const search = { anchored: false };

describe('label regex (RE2 semantics)', () => {
  it('searches anywhere by default and matches the whole value when anchored', () => {
    expect(compileLabelRegex('b', search, 'm').test('abc')).toBe(true);
    expect(compileLabelRegex('b', { anchored: true }, 'm').test('abc')).toBe(false);
    expect(compileLabelRegex('a.c', { anchored: true }, 'm').test('abc')).toBe(true);
    expect(compileLabelRegex('(?i)ABC', { anchored: true }, 'm').test('abc')).toBe(true);
    expect(compileLabelRegex('a|b', { anchored: true }, 'm').test('b')).toBe(true);
  });

  it('runs catastrophic patterns in linear time (a backtracking engine needs minutes here)', () => {
    const value = 'a'.repeat(5000) + '!';
    for (const pattern of ['(a+)+$', '(a|a)*$', '(a*)*b', '^(a|aa)+$', '(.*a){20}']) {
      const re = compileLabelRegex(pattern, search, 'm');
      const started = performance.now();
      re.test(value);
      expect(performance.now() - started, pattern).toBeLessThan(1000);
    }
  });

  it('rejects patterns RE2 does not accept (backreferences, lookaround) with a 400 naming the matcher', () => {
    for (const pattern of ['(', '(a)\\1', '(?=a)', '(?<=a)b', 'a{1001}', 'x'.repeat(MAX_REGEX_LENGTH + 1)]) {
      expect(labelRegexError(pattern), pattern).toBeDefined();
      try {
        compileLabelRegex(pattern, search, 'matcher env=~"x"');
        expect.unreachable(pattern);
      } catch (e) {
        expect(isPyrelayError(e) && e.status).toBe(400);
        expect((e as Error).message).toContain('invalid regex in matcher env=~"x"');
      }
    }
  });
});
