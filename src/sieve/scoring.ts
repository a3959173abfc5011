/**
 * Weighted conditions (procmailsc(5); misc.c conditions()) as one Sieve
 * test, where the score only depends on which conditions hold:
 *
 * - `w^0 regex` adds w when the regex matches (only the first match counts);
 *   a negated regex adds w when it does not match, whatever x is.
 * - `w^0 > N` / `w^0 < N` adds w·(ratio)^0 = w: a constant.
 * - `w^x ? prog` (with --allow-pipe) adds w on exit 0, else x.
 *
 * The recipe matches when every plain condition holds and the score ends
 * above 0, adding in order, stopping at ±2147483647 as procmail does. With
 * k tests that is a Boolean function of k inputs, written as a minimal
 * `anyof(allof(…))` (Quine–McCluskey). Scores that count matches (x ≠ 0 on
 * a regex) or scale with the size have no Sieve form.
 */
import type { CompiledCondition } from '../compile/compiled-rc.js';
import { SIEVE_MAX_SCORED_TESTS as MAX_SCORED_TESTS } from '../limits.js';
import { translateCondition, type CondContext } from './conditions.js';
import type { Reason } from './report.js';
import { allof, anyof, FALSE, not, TRUE, type Command, type Test } from './script.js';

const MAX32 = 2147483647;
const MIN32 = -2147483647;

interface Term {
  /** null: a constant contribution. */
  readonly test: Test | null;
  readonly ifTrue: number;
  readonly ifFalse: number;
}

export interface Scored {
  readonly test: Test | null;
  readonly prelude: Command[];
  readonly reasons: Reason[];
  /** The score when no test decides it (every term constant), else null. */
  readonly score: number | null;
}

export function scoreTest(weighted: readonly CompiledCondition[], ctx: CondContext): Scored {
  const reasons: Reason[] = [];
  const prelude: Command[] = [];
  const terms: Term[] = [];
  const fail = (code: string, message: string, c: CompiledCondition): Scored => {
    reasons.push({ severity: 'error', code, message, span: c.span });
    return { test: null, prelude, reasons, score: null };
  };
  for (const c of weighted) {
    const { w, x } = c.weight!;
    const t = c.test;
    if (t.kind === 'size' && c.area === null) {
      if (x !== 0) return fail('score-size', `"${w}^${x}" on a size adds w*(size ratio)^x, which depends on the size itself; Sieve cannot add it up`, c);
      terms.push({ test: null, ifTrue: w, ifFalse: w });
      continue;
    }
    if (t.kind === 'regex') {
      if (x !== 0 && !c.negate) return fail('score-count', `"${w}^${x}" counts the regex's matches (x is not 0); Sieve can only test whether it matches`, c);
    } else if (t.kind === 'program') {
      if (c.negate) return fail('score-count', `"! ${w}^${x} ?" counts the exit code; Sieve cannot`, c);
    } else {
      return fail('score-kind', 'a weighted condition of this kind has no Sieve form', c);
    }
    // The test itself, un-negated: negation decides which side adds w.
    const r = translateCondition({ ...c, negate: false, weight: null }, ctx);
    if (!r.ok) {
      reasons.push(...r.reasons);
      return { test: null, prelude, reasons, score: null };
    }
    reasons.push(...r.cond.reasons);
    prelude.push(...r.cond.prelude);
    if (r.cond.matchGroup !== null) {
      reasons.push({ severity: 'warning', code: 'score-match', message: 'a weighted condition with "\\/" sets MATCH in procmail; the converted score does not', span: c.span });
    }
    const ifTrue = t.kind === 'program' ? w : c.negate ? 0 : w;
    const ifFalse = t.kind === 'program' ? x : c.negate ? w : 0;
    const known = r.cond.test.kind === 'true' ? ifTrue : r.cond.test.kind === 'false' ? ifFalse : null;
    terms.push(known === null ? { test: r.cond.test, ifTrue, ifFalse } : { test: null, ifTrue: known, ifFalse: known });
  }
  const tests = terms.filter((t) => t.test !== null);
  if (tests.length > MAX_SCORED_TESTS) {
    reasons.push({ severity: 'error', code: 'score-size', message: `more than ${MAX_SCORED_TESTS} weighted tests`, span: weighted[0]!.span });
    return { test: null, prelude, reasons, score: null };
  }
  const minterms: number[] = [];
  for (let bits = 0; bits < 1 << tests.length; bits++) if (total(terms, bits) > 0) minterms.push(bits);
  return { test: sumOfProducts(minterms, tests.map((t) => t.test!)), prelude, reasons, score: tests.length === 0 ? total(terms, 0) : null };
}

/** The score when test k holds iff bit k of `bits` is set (MIN32 once it fails). */
function total(terms: readonly Term[], bits: number): number {
  let s = 0;
  let k = 0;
  for (const t of terms) {
    const held = t.test === null ? true : ((bits >> k++) & 1) === 1;
    if (s >= MAX32) continue;
    s += held ? t.ifTrue : t.ifFalse;
    if (s > MAX32) s = MAX32;
    if (s <= MIN32) return MIN32;
  }
  return s;
}

/** An implicant: bit k of `care` says whether test k appears; bit k of `value` whether it is positive. */
interface Implicant {
  readonly value: number;
  readonly care: number;
}

function sumOfProducts(minterms: readonly number[], tests: readonly Test[]): Test {
  const n = tests.length;
  const all = (1 << n) - 1;
  if (minterms.length === 0) return FALSE;
  if (minterms.length === 1 << n) return TRUE;
  // Quine–McCluskey: combine implicants differing in one cared-for bit until none combine.
  let level: Implicant[] = minterms.map((m) => ({ value: m, care: all }));
  const primes: Implicant[] = [];
  while (level.length > 0) {
    const next = new Map<string, Implicant>();
    const used = new Set<number>();
    for (let i = 0; i < level.length; i++) {
      for (let j = i + 1; j < level.length; j++) {
        const a = level[i]!;
        const b = level[j]!;
        if (a.care !== b.care) continue;
        const diff = (a.value ^ b.value) & a.care;
        if (diff === 0 || (diff & (diff - 1)) !== 0) continue;
        const c = { value: a.value & ~diff, care: a.care & ~diff };
        next.set(`${c.value}/${c.care}`, c);
        used.add(i).add(j);
      }
    }
    level.forEach((imp, i) => {
      if (!used.has(i) && !primes.some((p) => p.value === imp.value && p.care === imp.care)) primes.push(imp);
    });
    level = [...next.values()];
  }
  // Cover the minterms greedily with the primes (fine at this size).
  const left = new Set(minterms);
  const chosen: Implicant[] = [];
  const covers = (p: Implicant, m: number): boolean => (m & p.care) === (p.value & p.care);
  while (left.size > 0) {
    let best = primes[0]!;
    let bestCount = -1;
    for (const p of primes) {
      let count = 0;
      for (const m of left) if (covers(p, m)) count++;
      if (count > bestCount) {
        best = p;
        bestCount = count;
      }
    }
    chosen.push(best);
    for (const m of [...left]) if (covers(best, m)) left.delete(m);
  }
  return anyof(
    chosen.map((p) => {
      const lits: Test[] = [];
      for (let k = 0; k < n; k++) if ((p.care >> k) & 1) lits.push((p.value >> k) & 1 ? tests[k]! : not(tests[k]!));
      return allof(lits);
    }),
  );
}
