// The one place label regexes (`=~`, `!~`) are compiled: RE2 semantics via re2js, so matching is linear in
// the value's length whatever the pattern (a backtracking engine lets one query freeze the server). Use
// this factory for every matcher evaluated anywhere; never `new RegExp` on a client's pattern.
import { RE2JS } from 're2js';
import { invalidParameter } from './errors.js';

export interface LabelRegex {
  test(value: string): boolean;
}

export interface LabelRegexOptions {
  /**
   * false (default, as the original: Go `regexp.MatchString`, a search anywhere in the value);
   * true for Prometheus/Grafana semantics (the whole value must match).
   */
  anchored: boolean;
}

/** Longest pattern accepted; RE2 compiles in time linear in it, this keeps the program small. */
export const MAX_REGEX_LENGTH = 4096;

/**
 * Compiles `pattern` with RE2 syntax (`(?i)` and the other inline flags included). An invalid or too long
 * pattern throws a 400 naming `what` (for example `matcher env=~"("`) and the parser's reason.
 */
export function compileLabelRegex(pattern: string, opts: LabelRegexOptions, what: string): LabelRegex {
  const compiled = tryCompile(pattern);
  if (typeof compiled === 'string') throw invalidParameter(`invalid regex in ${what}: ${compiled}`);
  const re = compiled;
  return opts.anchored ? { test: (v) => re.matches(v) } : { test: (v) => re.matcher(v).find() };
}

/** Why `pattern` is not an acceptable RE2 pattern, or undefined when it is. */
export function labelRegexError(pattern: string): string | undefined {
  const compiled = tryCompile(pattern);
  return typeof compiled === 'string' ? compiled : undefined;
}

function tryCompile(pattern: string): RE2JS | string {
  if (pattern.length > MAX_REGEX_LENGTH) return `longer than ${MAX_REGEX_LENGTH} characters`;
  try {
    return RE2JS.compile(pattern);
  } catch (e) {
    return (e as Error).message;
  }
}
