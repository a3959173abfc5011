/**
 * Weighted conditions (procmailsc(5); misc.c conditions()) as one Sieve
 * test, where the score only depends on which conditions hold:
 *
 * - `w^0 regex` adds w when the regex matches (only the first match counts);
 *   a negated regex adds w when it does not match, whatever x is.
 * - `w^x regex` with x ≠ 0 adds w + w·x + … for n matches. Sieve cannot count
 *   them, but it need not when every n ≥ 1 gives the same answer: the
 *   answer only grows with what each term adds (adding is monotone, and so
 *   are procmail's limits), so it is enough that the least and the most any
 *   count adds (matchTotals) decide alike, for every way the other tests
 *   come out. `1^1 ^Received:` alone is then "Received exists"; beside
 *   `-5^0`, it counts, and stays unconverted.
 * - `w^0 > N` / `w^0 < N` adds w·(ratio)^0 = w: a constant.
 * - `w^x ? prog` (with --allow-pipe) adds w on exit 0, else x.
 *
 * The recipe matches when every plain condition holds and the score ends
 * above 0, adding in order, stopping at ±2147483647 as procmail does. With
 * k tests that is a Boolean function of k inputs, written as a minimal
 * `anyof(allof(…))` (Quine–McCluskey). Scores whose answer depends on how
 * many matches there are, or that scale with the size, have no Sieve form.
 */
import type { Area, CompiledCondition } from '../compile/compiled-rc.js';
import { conditionPattern, expandMacros } from '../compile/macros.js';
import { procRegexTree } from '../compile/regex/parser.js';
import type { ProcRegexNode as Node } from '../compile/regex/tree.js';
import { MIN32, settle, sizeAddition, skipsWeighted, WeightSeries } from '../eval/score.js';
import { SIEVE_MAX_REGEX_NESTING as MAX_NESTING, SIEVE_MAX_SCORE_SERIES as MAX_SERIES, SIEVE_MAX_SCORED_TESTS as MAX_SCORED_TESTS } from '../limits.js';
import { translateCondition, type CondContext } from './conditions.js';
import { flattenGroups } from './ere-tree.js';
import { aboutMatchValue } from './inexact.js';
import type { Reason } from './report.js';
import { allof, anyof, FALSE, not, TRUE, type Command, type Test } from './script.js';

interface Term {
  /** null: a constant contribution. */
  readonly test: Test | null;
  /** What the term adds when its test holds: the least, and the most (the same but for a count of matches). */
  readonly ifTrue: number;
  readonly ifTrueMost: number;
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
  /** Terms whose regex is counted (x ≠ 0): which condition, and its place among the terms. */
  const counted: { c: CompiledCondition; index: number }[] = [];
  /** The reasons of each term with a test, in the order of `tests` below: reported once it is known whether the test decides anything. */
  const testReasons: Reason[][] = [];
  const fail = (code: string, message: string, c: CompiledCondition): Scored => {
    reasons.push({ severity: 'error', code, message, span: c.span });
    return { test: null, prelude, reasons, score: null };
  };
  for (const c of weighted) {
    const { w, x } = c.weight!;
    let least = w;
    const t = c.test;
    if (t.kind === 'size') {
      const range = sizeRange(w, x, c.negate, t.op, t.limit, c.area, ctx);
      if (typeof range === 'string') return fail('score-size', range, c);
      if (range[0] !== range[1]) counted.push({ c, index: terms.length });
      terms.push({ test: null, ifTrue: range[0], ifTrueMost: range[1], ifFalse: range[0] });
      continue;
    }
    let most = w;
    if (t.kind === 'regex') {
      if (x !== 0 && !c.negate) {
        const totals = everyMatchConsumes(conditionPattern(t.pattern, c.text)) ? matchTotals(w, x) : null;
        if (totals === null) return fail('score-count', `"${w}^${x}" counts the regex's matches, and the pattern can match empty text (procmail then adds the rest of the series at once); Sieve can only test whether it matches`, c);
        counted.push({ c, index: terms.length });
        [least, most] = totals;
      }
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
    if (r.cond.losesMatch === true) return fail('regex', '"\\/" in the body of a weighted condition: Sieve\'s body test sets no match variables', c);
    // An overflowing condition fails the recipe, weighted or not, unless the score is already full (misc.c skips it then).
    if (r.cond.reasons.some((x) => x.code === 'linebuf')) return fail('linebuf', 'a weighted condition that does not fit LINEBUF fails the recipe unless the score before it is already full', c);
    prelude.push(...r.cond.prelude);
    const own = [...r.cond.reasons];
    if (r.cond.matchGroup !== null) {
      own.push({ severity: 'warning', code: 'score-match', message: 'a weighted condition with "\\/" sets MATCH in procmail; the converted score does not', span: c.span });
    }
    const ifTrue = t.kind === 'program' ? w : c.negate ? 0 : least;
    const ifTrueMost = t.kind === 'program' ? w : c.negate ? 0 : most;
    const ifFalse = t.kind === 'program' ? x : c.negate ? w : 0;
    if (r.cond.test.kind === 'false') terms.push({ test: null, ifTrue: ifFalse, ifTrueMost: ifFalse, ifFalse });
    else if (r.cond.test.kind === 'true') terms.push({ test: null, ifTrue, ifTrueMost, ifFalse });
    else {
      terms.push({ test: r.cond.test, ifTrue, ifTrueMost, ifFalse });
      testReasons.push(own);
      continue;
    }
    reasons.push(...own);
  }
  const tests = terms.filter((t) => t.test !== null);
  if (tests.length > MAX_SCORED_TESTS) {
    reasons.push({ severity: 'error', code: 'score-size', message: `more than ${MAX_SCORED_TESTS} weighted tests`, span: weighted[0]!.span });
    return { test: null, prelude, reasons, score: null };
  }
  const minterms: number[] = [];
  for (let bits = 0; bits < 1 << tests.length; bits++) {
    const yes = total(terms, bits, false) > 0;
    if (yes !== total(terms, bits, true) > 0) {
      // The least and the most a count of matches can add decide differently: the count decides.
      const { c } = counted.find(({ index }) => terms[index]!.ifTrue !== terms[index]!.ifTrueMost)!;
      const { w, x } = c.weight!;
      if (c.test.kind === 'size') return fail('score-size', `"${w}^${x}" on the message's size adds w*(size ratio)^x, and how big the message is decides whether the recipe matches; Sieve cannot add it up`, c);
      return fail('score-count', `"${w}^${x}" counts the regex's matches, and how many there are decides whether the recipe matches; Sieve can only test whether it matches`, c);
    }
    if (yes) minterms.push(bits);
  }
  // A test whose outcome never changes the answer (the recipe matches or not whatever it says) is left out of the
  // Sieve test, and what makes it inexact cannot show: its caveats become notes. What it does to MATCH still shows.
  const yes = new Set(minterms);
  testReasons.forEach((own, k) => {
    let decides = false;
    for (let bits = 0; bits < 1 << tests.length && !decides; bits++) decides = yes.has(bits) !== yes.has(bits ^ (1 << k));
    for (const x of own) {
      reasons.push(decides || x.severity !== 'warning' || aboutMatchValue(x) ? x : { ...x, severity: 'note', message: `${x.message} (this test does not change whether the recipe matches)` });
    }
  });
  // A score no test decides is only written into $= when no count is in it.
  const score = tests.length === 0 && terms.every((t) => t.ifTrue === t.ifTrueMost) ? total(terms, 0, false) : null;
  return { test: sumOfProducts(minterms, tests.map((t) => t.test!)), prelude, reasons, score };
}

/**
 * The least and the most a weighted size test adds (sizeAddition, the
 * engine's arithmetic). On a variable the converter knows, its length
 * decides one value. On the message, whose size M is at least 1 (a message
 * has a header) and has no upper bound, w·(M/L)^x and w·(L/M)^x move one
 * way as M grows, so M = 1 and M → ∞ bound them; a bound the ratio only
 * approaches (0 as M → ∞) is taken as the smallest number beside it, which
 * is nearer than any real message gets. A reason when there is no range:
 * the body or header alone, a size only known when mail arrives, or a limit
 * that is not positive (a negative ratio to a fractional power).
 */
function sizeRange(w: number, x: number, negate: boolean, op: '<' | '>', limit: number, area: Area | null, ctx: CondContext): [number, number] | string {
  if (area !== null) {
    const s = area.kind === 'var' ? ctx.vars.get(area.name) : null;
    if (s === null || s.kind !== 'const') return `"${w}^${x}" on the size of ${area.kind === 'var' ? area.name + ', which is only known when mail arrives' : 'part of the message (Sieve only knows the whole message\'s size)'}`;
    const a = sizeAddition(w, x, negate, op, limit, s.value.length);
    return [a, a];
  }
  if (w === 0 || x === 0 || ((op === '<') === negate && limit === 0)) {
    // 0 or w·ratio^0 = w whatever the size (but M = 0, which no message has); `> 0` sets the score to +∞.
    const a = sizeAddition(w, x, negate, op, limit, 1);
    return [a, a];
  }
  if (!(limit > 0)) return `"${w}^${x}" with a size limit of ${limit}: the ratio is not positive`;
  const atOne = sizeAddition(w, x, negate, op, limit, 1);
  // M/L grows without bound and L/M shrinks toward 0 as M grows; raised to x, then times w.
  const growing = (op === '<') === negate ? x > 0 : x < 0;
  const atInfinity = growing ? (w > 0 ? Infinity : -Infinity) : w > 0 ? Number.MIN_VALUE : -Number.MIN_VALUE;
  return [Math.min(atOne, atInfinity), Math.max(atOne, atInfinity)];
}

/**
 * The least and the most that n ≥ 1 matches of a `w^x` regex add, stepping
 * through the series the engine adds (WeightSeries): ±Infinity where it has no
 * bound (x ≥ 1 grows until procmail's limit; x < -1 swings both ways).
 */
function matchTotals(w: number, x: number): [number, number] {
  const series = new WeightSeries(w, x);
  let sum = 0;
  let least = Infinity;
  let most = -Infinity;
  for (let n = 0; n < MAX_SERIES; n++) {
    sum += series.weight;
    least = Math.min(least, sum);
    most = Math.max(most, sum);
    // The engine's loop ends when the weight reaches 0 or procmail stops counting.
    if (!series.advance() || series.weight === 0) return [least, most];
  }
  // Still adding after MAX_SERIES matches: a sum that keeps growing (x >= 1), or one that keeps swinging.
  if (x >= 1) return w > 0 ? [least, Infinity] : [-Infinity, most];
  if (x === -1) return [least, most];
  return [-Infinity, Infinity];
}

/**
 * Every match takes at least one character of text: each alternative has a
 * character, `.` or bracket that is not optional and cannot be the newline
 * (the virtual one before the area included). Otherwise an empty match can
 * end the engine's loop with the series' tail (WeightSeries.tail).
 */
function everyMatchConsumes(pattern: string): boolean {
  const tree = procRegexTree(expandMacros(pattern).pattern, false);
  const flat = typeof tree === 'string' ? null : flattenGroups(tree, MAX_NESTING);
  return flat !== null && flat.every(seqConsumes);
}

function seqConsumes(seq: readonly Node[]): boolean {
  return seq.some(consumes);
}

function consumes(n: Node): boolean {
  switch (n.k) {
    case 'char':
      return n.c !== 10 && n.c <= 255;
    case 'dot':
      return true;
    case 'set':
      return n.bits[10] !== 1;
    case 'plus':
      return consumes(n.x);
    case 'group':
      return n.alts.every(seqConsumes);
    default:
      return false;
  }
}

/** The score when test k holds iff bit k of `bits` is set (MIN32 once it fails), each count of matches adding its least or its most. */
function total(terms: readonly Term[], bits: number, most: boolean): number {
  let s = 0;
  let k = 0;
  for (const t of terms) {
    const held = t.test === null ? true : ((bits >> k++) & 1) === 1;
    if (skipsWeighted(s)) continue;
    const settled = settle(s + (held ? (most ? t.ifTrueMost : t.ifTrue) : t.ifFalse));
    if (settled === null) return MIN32;
    s = settled;
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
