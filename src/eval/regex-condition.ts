/**
 * Regex conditions (misc.c conditions, regexp.c; docs/procmail-semantics.md §3, §4): the
 * pattern compiled as procmail compiles it (macros, `\` quoting, invalid
 * patterns repaired), searched once or weighed over successive matches, and
 * MATCH set for a `\/` pattern. Synchronous: both condition paths use it.
 */
import type { CompiledCondition, Flags } from '../compile/compiled-rc.js';
import { repairRegex } from '../compile/regex/paren-scan.js';
import { translateRegex, type ProcRegex } from '../compile/regex/translate.js';
import { matchedText } from './matched-text.js';
import { search } from './regex-search.js';
import { regexScore } from './score.js';
import type { State } from './state.js';
import { oneResult } from './tally.js';
import type { Cond, Mutable, OneResult, Score } from './tally.js';
import type { ConditionResult } from './trace.js';

/**
 * A regex condition, minus the logging (docs/procmail-semantics.md §3, §4; misc.c
 * conditions): scores a weighted one, otherwise searches once and sets MATCH
 * for a `\/` pattern. The caller has done weightedAndFull.
 */
export function regexTest(st: State, src: CompiledCondition, c: Cond, rx: ProcRegex, text: string, sc: Score): OneResult {
  const before = sc.score;
  if (c.weight !== null) {
    const scored = regexScore(sc.score, c.weight.w, c.weight.x, c.negate, rx, text);
    sc.score = scored.value;
    if (scored.match === undefined) return oneResult(src, c, true, before);
    setMatch(st, src, scored.match);
    return oneResult(src, c, true, before, { match: scored.match });
  }
  const found = search(rx, text);
  const held = found.matched !== c.negate;
  if (!found.matched) return oneResult(src, c, held, before);
  const report: Mutable<ConditionResult> = { span: src.span, text: src.text, held };
  if (st.input.trace !== undefined) {
    // Only reports show it, and working it out reads the text once more.
    const matched = matchedText(rx, text);
    if (matched !== undefined) report.matched = matched;
  }
  if (rx.hasMatchSplit && found.match !== undefined) {
    const match = found.match;
    report.match = match;
    setMatch(st, src, match);
  }
  return { held, skipped: false, report, before: null };
}

export function setMatch(st: State, src: CompiledCondition, match: string): void {
  st.vars.set('MATCH', match);
  st.input.trace?.({ kind: 'assign', span: src.span, name: 'MATCH', value: match });
}

/**
 * The regex of a condition. `invalid` means procmail logs `Invalid regexp`;
 * it then still runs what it compiled (docs/procmail-semantics.md §3.3), which repairRegex
 * reproduces: verified, `a)` matches like `a`, `(abc` like `(abc)`.
 */
export function compileRegex(f: Flags, pattern: string): { rx: ProcRegex | null; invalid: boolean } {
  const r = translateRegex(pattern, { caseSensitive: f.D });
  if (r.ok) return { rx: r.regex, invalid: false };
  const fixed = repairRegex(pattern);
  const again = fixed === pattern ? r : translateRegex(fixed, { caseSensitive: f.D });
  return { rx: again.ok ? again.regex : null, invalid: true };
}

// The rule lives with the macros (src/compile/macros.ts): the Sieve converter needs it too.
export { conditionPattern } from '../compile/macros.js';
