import type { Span } from '../source/span.js';
import type { Reason } from './report.js';
import type { Inexact } from './values.js';

/**
 * Values the script holds that may not be procmail's (values.ts Inexact):
 * a recipe whose only caveat is the value it gives a variable decides as
 * procmail does, and the caveat goes to whatever reads the variable.
 */

/** A caveat about the value a recipe leaves in MATCH (conditions.ts, ere.ts, scoring.ts). */
export function aboutMatchValue(x: Reason): boolean {
  return x.code === 'score-match' || x.code === 'match-negated' || (x.code === 'regex' && x.message.startsWith('MATCH '));
}

/**
 * Caveats that only concern the value a recipe gives a variable (`which`),
 * as notes, and that value as inexact: the recipe itself decides as
 * procmail does, and whatever reads the variable gets the caveat
 * (inexactReasons).
 */
export function valueCaveats(reasons: readonly Reason[], which: (x: Reason) => boolean, name: string, line: number): { reasons: Reason[]; inexact: Inexact | undefined } {
  const about = reasons.filter((x) => x.severity === 'warning' && which(x));
  if (about.length === 0) return { reasons: [...reasons], inexact: undefined };
  const inexact: Inexact = { name, line, message: about.map((x) => x.message).join('; ') };
  return {
    reasons: reasons.map((x) => (about.includes(x) ? { ...x, severity: 'note' as const, message: `${x.message} (reported where $${name} is used)` } : x)),
    inexact,
  };
}

/** The caveats of a recipe or statement that read inexact values. */
export function inexactReasons(reads: readonly Inexact[], span: Span): Reason[] {
  return reads.map((r) => ({ severity: 'warning', code: 'inexact-value', message: `$${r.name} may not hold procmail's value here (set at line ${r.line}): ${r.message}`, span }));
}
