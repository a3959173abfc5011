/**
 * A recipe's conditions as Sieve tests, in the order procmail tests them
 * (misc.c conditions(): ANDed, stopping at the first that fails), and how
 * they become `if` commands.
 *
 * procmail sets MATCH as soon as a `\/` condition matches, even when a later
 * one fails, and a later condition may use it (`* $ …$\MATCH`). So a
 * condition that sets MATCH ends a group of tests: the group's `if` sets
 * MATCH from the regex's match variable (RFC 5229 §3.2), and the remaining
 * conditions are tested inside it. Commands a test needs first (`set
 * :quoteregex`, `set :length`) also start a new group.
 *
 * Weighted conditions (procmailsc) are combined into one test by scoring.ts.
 */
import type { CompiledCondition, CompiledRecipe } from '../compile/compiled-rc.js';
import { translateCondition, type CondContext } from './conditions.js';
import type { Reason } from './report.js';
import { scoreTest } from './scoring.js';
import { allof, command, ifThen, str, type Command, type Test } from './script.js';

export interface Segment {
  readonly prelude: readonly Command[];
  readonly tests: readonly Test[];
  /** Run when the tests hold, before the next segment (`set "MATCH" "${n}"`). */
  readonly capture: readonly Command[];
}

export interface Guard {
  readonly ok: boolean;
  readonly segments: readonly Segment[];
  readonly reasons: readonly Reason[];
  /** Whether any condition sets MATCH. */
  readonly sets: boolean;
  /** Whether a condition sets MATCH to what the script cannot know (condition-result.ts losesMatch). */
  readonly losesMatch: boolean;
  /** procmail's `$=` after the conditions, when it is known: 0 without weights, or a score no test decides. */
  readonly score: number | null;
}

export function guardOf(r: CompiledRecipe, ctx: CondContext): Guard {
  const reasons: Reason[] = [];
  const segments: { prelude: Command[]; tests: Test[]; capture: Command[] }[] = [{ prelude: [], tests: [], capture: [] }];
  let ok = true;
  let sets = false;
  let losesMatch = false;
  let score: number | null = 0;
  const plain: CompiledCondition[] = r.conditions.filter((c) => c.weight === null);
  const weighted: CompiledCondition[] = r.conditions.filter((c) => c.weight !== null);
  for (const c of plain) {
    // A later condition reading MATCH after it was lost would read the wrong value.
    if (losesMatch && /MATCH/.test(c.text)) {
      reasons.push({ severity: 'error', code: 'lost-variable', message: 'the condition reads MATCH, which an earlier "\\/" in the body set to what Sieve cannot know', span: c.span });
      ok = false;
      continue;
    }
    const t = translateCondition(c, ctx);
    reasons.push(...(t.ok ? t.cond.reasons : t.reasons));
    if (!t.ok) {
      ok = false;
      continue;
    }
    if (t.cond.losesMatch === true) losesMatch = true;
    let seg = segments[segments.length - 1]!;
    if (t.cond.prelude.length > 0 && (seg.tests.length > 0 || seg.capture.length > 0)) {
      seg = { prelude: [], tests: [], capture: [] };
      segments.push(seg);
    }
    seg.prelude.push(...t.cond.prelude);
    seg.tests.push(t.cond.test);
    if (t.cond.matchGroup !== null) {
      sets = true;
      seg.capture.push(command('set', [str('MATCH'), str('${' + t.cond.matchGroup + '}')], ['variables']));
      segments.push({ prelude: [], tests: [], capture: [] });
    }
  }
  if (weighted.length > 0) {
    const s = scoreTest(weighted, ctx);
    reasons.push(...s.reasons);
    score = s.score;
    if (s.test === null) ok = false;
    else {
      const seg = segments[segments.length - 1]!;
      seg.prelude.push(...s.prelude);
      seg.tests.push(s.test);
    }
  }
  const kept = segments.filter((s, i) => i === 0 || s.tests.length > 0 || s.prelude.length > 0 || s.capture.length > 0);
  return { ok, segments: kept, reasons, sets, losesMatch, score };
}

/** One `if` with no commands before it and nothing set between tests: elsif-able. */
export function isSimple(g: Guard): boolean {
  return g.segments.length === 1 && g.segments[0]!.prelude.length === 0;
}

/** The single test of a simple guard, with prerequisites in front. */
export function simpleTest(g: Guard, prereq: readonly Test[]): Test {
  return allof([...prereq, ...g.segments[0]!.tests]);
}

/** The commands of a guard: nested `if`s, the innermost running `inner`. */
export function emitGuard(g: Guard, prereq: readonly Test[], inner: readonly Command[]): Command[] {
  let body: Command[] = [...inner];
  for (let k = g.segments.length - 1; k >= 0; k--) {
    const s = g.segments[k]!;
    const t = allof(k === 0 ? [...prereq, ...s.tests] : s.tests);
    body = [...s.prelude, ...ifThen(t, [...s.capture, ...body])];
  }
  return body;
}
