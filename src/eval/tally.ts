/**
 * One recipe's conditions being tallied (misc.c conditions; docs/procmail-semantics.md §2,
 * §4): the A/a/E/e prerequisites, the running score with its ±MAX32 limits,
 * and what each condition reported to the trace. The generator path
 * (conditions.ts) and the quick path (quick-conditions.ts) share it.
 */
import type { Area, CompiledCondition, Flags, Test, Weight } from '../compile/compiled-rc.js';
import type { Span } from '../source/span.js';
import type { State } from './state.js';
import { MIN32, recipeSucceeds, scoreVariable, settle, skipsWeighted } from './score.js';
import type { ConditionResult } from './trace.js';

export interface CondOutcome {
  held: boolean;
  results: ConditionResult[];
  heldSpans: Span[];
}

/**
 * One recipe's conditions being tested (misc.c conditions): the flag
 * prerequisites, the running score and what each condition reported.
 * Shared by the generator path and the quick path so both keep the same books.
 */
export class CondTally {
  i: boolean;
  readonly sc: Score = { score: 0, scored: false };
  readonly results: ConditionResult[] = [];
  readonly heldSpans: Span[] = [];

  constructor(st: State, f: Flags) {
    let i = true;
    if (f.e) i = i && st.prevcond && !st.lastsucc;
    if (f.E) i = i && !st.prevcond;
    if (f.a) i = i && st.lastcond && st.lastsucc;
    if (f.A) i = i && st.lastcond;
    this.i = i;
  }

  /** A condition after one that failed: not evaluated. */
  notReached(c: CompiledCondition): void {
    this.results.push({ span: c.span, text: c.text, held: false, skipped: true });
  }

  add(c: CompiledCondition, res: OneResult): void {
    if (res.skipped) {
      this.results.push({ span: c.span, text: c.text, held: true, skipped: true });
      return;
    }
    const sc = this.sc;
    let held = res.held;
    const settled = settle(sc.score);
    if (settled === null) {
      sc.score = MIN32;
      held = false;
    } else sc.score = settled;
    // The report keeps the condition's own outcome; the clamp only fails the recipe.
    if (res.before !== null) {
      // Each report is a fresh object made for this condition: complete it in place.
      const report = res.report as Mutable<ConditionResult>;
      report.added = sc.score - res.before;
      report.total = sc.score;
    }
    this.results.push(res.report);
    if (!held) this.i = false;
    else this.heldSpans.push(c.span);
  }

  finish(st: State): CondOutcome {
    const s = this.sc.score;
    st.lastScore = scoreVariable(s);
    const held = recipeSucceeds(s, this.sc.scored, this.i);
    return { held, results: this.results, heldSpans: this.heldSpans };
  }
}

export interface Score {
  score: number;
  scored: boolean;
}

export interface Cond {
  readonly negate: boolean;
  readonly weight: Weight | null;
  readonly area: Area | null;
  readonly test: Test;
}

export interface OneResult {
  /** Whether the condition held (after negation; a weighted one always does). */
  readonly held: boolean;
  /** Not evaluated: the score had already reached its maximum. */
  readonly skipped: boolean;
  /**
   * What the trace reports: a fresh object, to which CondTally.add adds
   * `added`/`total` (they need the clamped running total).
   */
  readonly report: ConditionResult;
  /** The score before this condition, for weighted conditions; null otherwise. */
  readonly before: number | null;
}

export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function oneResult(src: CompiledCondition, c: Cond, held: boolean, before: number, extra?: Partial<ConditionResult>): OneResult {
  const report: ConditionResult = extra === undefined ? { span: src.span, text: src.text, held } : { span: src.span, text: src.text, held, ...extra };
  return { held, skipped: false, report, before: c.weight !== null ? before : null };
}

export function skippedResult(src: CompiledCondition): OneResult {
  return { held: true, skipped: true, report: { span: src.span, text: src.text, held: true, skipped: true }, before: null };
}

/**
 * For a weighted condition: true when the score is already at its maximum
 * (procmail evaluates no further weighted conditions, misc.c); otherwise the
 * recipe becomes a scored one.
 */
export function weightedAndFull(c: Cond, sc: Score): boolean {
  if (c.weight === null) return false;
  if (skipsWeighted(sc.score)) return true;
  sc.scored = true;
  return false;
}
