import { classEnd } from './bracket.js';

/** The parse errors, as procmail logs them "Invalid regexp" (bregcomp errorno); the parser returns the same. */
export const MISSING_CLOSE = "missing ')'";

export function unbalanced(offset: number): string {
  return `unbalanced ')' at offset ${offset}`;
}

/**
 * The error parseProcRegex() would return, from a scan of the parentheses
 * alone (a bracket expression and a `\x` are skipped as readClass() and
 * parseAtom() read them): `mailrules check` asks for the verdict on every
 * pattern of an rc file and needs no tree (bench/parse.mjs).
 */
export function parenError(s: string): string | null {
  const b = parenBalance(s);
  return b.unmatchedClose >= 0 ? unbalanced(b.unmatchedClose) : b.open > 0 ? MISSING_CLOSE : null;
}

/**
 * The offset of the first `)` that closes no group (-1 if none), else how
 * many groups are left open at the end, reading `(`, `)`, `[…]` and `\x` as
 * the parser does. Shared with the repair of invalid patterns (repairRegex).
 */
export function parenBalance(s: string): { unmatchedClose: number; open: number } {
  let depth = 0;
  const len = s.length;
  for (let i = 0; i < len; ) {
    const c = s.charCodeAt(i);
    if (c === 0x5c /* \ */) i += 2;
    else if (c === 0x5b /* [ */) i = classEnd(s, i);
    else {
      if (c === 0x28) depth++;
      else if (c === 0x29 && --depth < 0) return { unmatchedClose: i, open: 0 };
      i++;
    }
  }
  return { unmatchedClose: -1, open: depth };
}

/**
 * What procmail's regexp.c compiles from a pattern with unbalanced
 * parentheses, which it then runs after logging "Invalid regexp"
 * (docs/procmail-semantics.md §3.3): an unmatched `)` ends the pattern, an
 * unclosed `(` is closed at the end. Brackets and `\x` are skipped as the
 * translator reads them. The engine runs the repaired pattern, and to-sieve
 * converts it.
 */
export function repairRegex(pattern: string): string {
  const b = parenBalance(pattern);
  return b.unmatchedClose >= 0 ? pattern.slice(0, b.unmatchedClose) : pattern + ')'.repeat(b.open);
}
