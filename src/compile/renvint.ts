import { MIN_LINEBUF } from '../limits.js';

/**
 * procmail's renvint (variables.c): a decimal number (strtol: leading blanks
 * and a sign allowed, trailing junk ignored); otherwise the first non-blank
 * letter: `on y t e` → 1, `off n f d` → 0, `a` → 2; anything else (including
 * an empty value, which is what an unset passes) keeps `fallback`.
 * Quirk kept: `EXITCODE=foo` is 0 because of the `f` (docs/procmail-semantics.md §5.2).
 */
export function renvint(fallback: number, value: string): number {
  const num = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(value);
  if (num) return clampLong(Number.parseInt(num[1]!, 10));
  const s = value.replace(/^[ \t\n\v\f\r]+/, '');
  const c = s.charAt(0);
  switch (c) {
    case 'o':
    case 'O':
      if (/^n/i.test(s.slice(1))) return 1;
      if (/^ff/i.test(s.slice(1))) return 0;
      return fallback;
    case 'y': case 'Y': case 't': case 'T': case 'e': case 'E':
      return 1;
    case 'n': case 'N': case 'f': case 'F': case 'd': case 'D':
      return 0;
    case 'a': case 'A':
      return 2;
    default:
      return fallback;
  }
}

function clampLong(n: number): number {
  // strtol saturates; JS numbers hold far more than a long, keep it finite.
  if (!Number.isFinite(n)) return n > 0 ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  return n;
}

/** LINEBUF assignment: renvint with 0 fallback, minimum 128 (variables.c asenv). */
export function linebufValue(value: string): number {
  const n = renvint(0, value);
  return n < MIN_LINEBUF ? MIN_LINEBUF : n;
}
