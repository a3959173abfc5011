/**
 * The quick path for a recipe's conditions (misc.c conditions; docs/procmail-semantics.md
 * §3): when every condition is a valid regex and VERBOSE is off nothing can
 * need a request, so they are decided without a generator. A header-only
 * rc's replay speed is mostly this.
 */
import type { CompiledRecipe } from '../compile/compiled-rc.js';
import type { ProcRegex } from '../compile/regex/translate.js';
import { areaString } from './area.js';
import { compileRegex, conditionPattern, regexTest } from './regex-condition.js';
import type { State } from './state.js';
import { CondTally, skippedResult, weightedAndFull } from './tally.js';
import type { CondOutcome } from './tally.js';

/**
 * The conditions of a recipe whose conditions are all valid regexes, while
 * VERBOSE is off: nothing can need a request (no log line, no program), so
 * they are tested synchronously. Returns null when the recipe does not
 * qualify, before doing anything; the generator path then takes it.
 */
export function quickConditions(st: State, r: CompiledRecipe): CondOutcome | null {
  if (st.internals.verbose !== 0) return null;
  let rxs = quickRegexes.get(r);
  if (rxs === undefined) {
    rxs = regexesOf(r);
    quickRegexes.set(r, rxs);
  }
  if (rxs === null) return null;
  // A condition longer than LINEBUF is logged as an overflow: left to the generator path.
  if ((longestCondition.get(r) ?? 0) >= st.internals.linebuf) return null;
  const tally = new CondTally(st, r.flags);
  const conds = r.conditions;
  for (let k = 0; k < conds.length; k++) {
    const c = conds[k]!;
    if (!tally.i) tally.notReached(c);
    else if (weightedAndFull(c, tally.sc)) tally.add(c, skippedResult(c));
    else tally.add(c, regexTest(st, c, c, rxs[k]!, areaString(st, r, c.area), tally.sc));
  }
  return tally.finish(st);
}

/** Per recipe: its compiled regexes when the quick path may take it, else null (see quickConditions). */
const quickRegexes = new WeakMap<CompiledRecipe, readonly ProcRegex[] | null>();

/** Per recipe: the length of its longest condition text (set with quickRegexes). */
const longestCondition = new WeakMap<CompiledRecipe, number>();

function regexesOf(r: CompiledRecipe): readonly ProcRegex[] | null {
  let longest = 0;
  for (const c of r.conditions) if (c.text.length > longest) longest = c.text.length;
  longestCondition.set(r, longest);
  const raw = r.header.flags;
  // Conflicting flags are logged (a request): left to the generator path.
  if (raw.includes('e') && (raw.includes('E') || raw.includes('a'))) return null;
  const out: ProcRegex[] = [];
  for (const c of r.conditions) {
    if (c.test.kind !== 'regex') return null;
    // An invalid regexp is logged: also left to the generator path.
    const rx = compileRegex(r.flags, conditionPattern(c.test.pattern, c.text));
    if (rx.invalid || rx.rx === null) return null;
    out.push(rx.rx);
  }
  return out;
}
