/**
 * The flag bookkeeping after a recipe's conditions (procmail.c mainloop;
 * docs/procmail-semantics.md §2): lastcond is set by recipes without A/a, prevcond unless
 * E found it already true; lastsucc is left to the action. Also what the
 * trace says about a recipe that did not run, and the recipe without an
 * action, which still tests its conditions.
 */
import type { CompiledRecipe } from '../compile/compiled-rc.js';
import { conditions } from './conditions.js';
import { missingNote } from './readtime.js';
import type { G, State } from './state.js';
import type { CondOutcome } from './tally.js';

/** The bookkeeping after a recipe's conditions (procmail.c mainloop); returns whether its action is taken. */
export function settle(st: State, r: CompiledRecipe, cond: CondOutcome, depth: number): boolean {
  const f = r.flags;
  const i = cond.held;
  if (!f.A && !f.a) st.lastcond = i;
  if (!st.prevcond || !f.E) st.prevcond = i;

  if (st.input.trace !== undefined) {
    st.input.trace({
      kind: 'recipe',
      span: r.span,
      flags: r.header.flags,
      ran: i,
      why: i ? 'conditions held' : whyNot(st, r, cond),
      conditions: cond.results,
      score: st.lastScore,
      depth,
    });
  }
  return i;
}

function whyNot(st: State, r: CompiledRecipe, c: CondOutcome): string {
  const f = r.flags;
  if (c.results.length > 0 && c.results.every((x) => x.skipped)) {
    if (f.E) return 'E: previous recipe ran';
    if (f.e) return 'e: previous recipe did not fail';
    if (f.a) return 'a: previous action failed';
    if (f.A) return 'A: previous conditions failed';
  }
  if (c.results.length === 0) {
    if (f.E) return 'E: previous recipe ran';
    if (f.e) return 'e: previous recipe did not fail';
    if (f.a) return 'a: previous action failed';
    if (f.A) return 'A: previous conditions failed';
  }
  const weighted = r.conditions.some((x) => x.weight !== null);
  if (weighted && c.results.every((x) => x.held || x.skipped)) return 'score <= 0';
  void st;
  return 'condition failed';
}

/**
 * misc.c conditions(): procmail tests a recipe's conditions as it reads
 * them and notices the missing action only afterwards, so the conditions
 * run (A/E/e prerequisites permitting): MATCH is set, `?` programs run,
 * `Invalid regexp` and the VERBOSE lines are logged. Then `Missing action`,
 * and the recipe counts as not matched (i==2) for A/E; `$=` keeps its
 * previous value (the `goto ret` skips lastscore). `Incomplete recipe`
 * (the file ends after the conditions) keeps conditions()' 0 or 1 and `$=`.
 * All verified, the flags as conditions() leaves them (`eE`: E suppressed).
 */
export function* missingAction(st: State, r: CompiledRecipe, incomplete: boolean, depth: number): G<void> {
  const score = st.lastScore;
  const cond = yield* conditions(st, r);
  if (!incomplete) st.lastScore = score;
  yield* missingNote(st, r, incomplete);
  // procmail.c mainloop: the usual bookkeeping with i==2 (not 1) for a missing action.
  const held = incomplete && cond.held;
  const f = r.flags;
  if (!f.A && !f.a) st.lastcond = held;
  if (!st.prevcond || !f.E) st.prevcond = held;
  if (st.input.trace !== undefined) {
    const why = incomplete ? 'incomplete recipe' : 'missing action';
    st.input.trace({ kind: 'recipe', span: r.span, flags: r.header.flags, ran: false, why, conditions: cond.results, score: st.lastScore, depth });
  }
}
