import type { ProcRegex } from '../compile/regex/translate.js';
import * as searching from './regex-search.js';

/**
 * Weighted scoring, procmailsc(5) and docs/procmail-semantics.md §4, following misc.c's
 * conditions() step by step. A recipe with any weighted condition succeeds
 * iff all plain conditions hold and the final score is > 0.
 */

/** procmail's "infinities" (misc.c MAX32/MIN32). */
export const MAX32 = 2147483647;
export const MIN32 = -2147483647;

/**
 * The additions of a weighted regex, one per match: w, w·x, w·x², …
 * (procmailsc(5); misc.c conditions). procmail stops adding once the
 * additions shrink in absolute value below 1 (`nweight < oweight &&
 * oweight < 1`). The engine's scoring loop and the Sieve converter
 * (src/sieve/scoring.ts, which needs every total a count of matches can
 * give) both step through it, so they cannot disagree on the series.
 */
export class WeightSeries {
  /** What the next match adds. */
  weight: number;
  private oweight: number;

  constructor(
    w: number,
    private readonly x: number,
  ) {
    this.weight = w;
    this.oweight = w * w;
  }

  /** After a match that consumed nothing: the rest of the series at once, which misc.c adds instead of looping for ever. */
  tail(): number {
    const next = this.weight * this.x;
    if (0 < this.x && this.x < 1) return next / (1 - this.x);
    if (this.x >= 1 && next !== 0) return next < 0 ? MIN32 : MAX32;
    return 0;
  }

  /** After a match has added `weight`: on to the next addition; false once procmail stops counting. */
  advance(): boolean {
    this.weight *= this.x;
    const nweight = this.weight * this.weight;
    if (nweight < this.oweight && this.oweight < 1) return false;
    this.oweight = nweight;
    return true;
  }
}

/** What a weighted regex leaves: the score, and MATCH from its last successful search of a `\/` pattern. */
export interface RegexScore {
  readonly value: number;
  readonly match: string | undefined;
}

/**
 * A weighted regex on top of `value`: n matches add w + w·x + w·x² + …
 * (docs/procmail-semantics.md §4 table), each search starting where the last
 * match ended. The loop stops when the weight reaches 0, the score leaves
 * (MIN32, MAX32), the area is used up, or WeightSeries stops counting; an
 * empty match adds the rest of the series (WeightSeries.tail).
 * Negated: w when the regex is NOT found; misc.c searches only when w is
 * non-zero, and a match of a `\/` pattern still sets MATCH (verified).
 * procmail assigns MATCH on every successful search (docs/procmail-semantics.md
 * §3.5): the last one wins.
 */
export function regexScore(value: number, w: number, x: number, negate: boolean, rx: ProcRegex, area: string): RegexScore {
  if (negate) {
    if (w === 0) return { value, match: undefined };
    const found = searching.search(rx, area);
    if (!found.matched) return { value: value + w, match: undefined };
    return { value, match: rx.hasMatchSplit ? found.match : undefined };
  }
  let match: string | undefined;
  const series = new WeightSeries(w, x);
  let at = 0;
  const len = area.length;
  while (series.weight !== 0 && MIN32 < value && value < MAX32 && at <= len) {
    const end = searching.nextMatchEnd(rx, area, at);
    // -1 is a match too: one that consumed only the leading virtual newline (x*, an empty regex).
    if (end === searching.NO_END) break;
    if (rx.hasMatchSplit && searching.lastSplitMatch !== undefined) match = searching.lastSplitMatch;
    value += series.weight;
    if (end <= at) {
      value += series.tail();
      break;
    }
    if (!series.advance()) break;
    at = end;
  }
  return { value, match };
}

/**
 * `w^x ? prog`: exit 0 adds w, any other exit adds x. Negated (`! w^x ? prog`),
 * the exit code e counts as e matches: w + w·x + … (e terms, no early stop).
 * For a program that ran (exit code >= 0); one that could not be run fails the
 * condition unless negated (misc.c lexitcode < 0), which the caller decides.
 */
export function programScore(value: number, w: number, x: number, negate: boolean, exitCode: number): number {
  if (!negate) return value + (exitCode !== 0 ? x : w);
  let weight = w;
  for (let j = exitCode; --j >= 0; ) {
    value += weight;
    if (!(value < MAX32 && value > MIN32)) break;
    weight *= x;
  }
  return value;
}

/**
 * `w^x > L` adds w·(M/L)^x and `w^x < L` adds w·(L/M)^x, where M is the
 * size of the tested area (docs/procmail-semantics.md §4). Negation swaps the two forms. M=0 with
 * `<` sets the score to +∞ (L>0) or −∞ (L≤0), whatever w; L=0 with `>` sets +∞:
 * those come back as ±Infinity, which sizeScore turns into the limits (the
 * Sieve converter adds them, and procmail's limits do the rest).
 */
export function sizeAddition(w: number, x: number, negate: boolean, op: '<' | '>', limit: number, size: number): number {
  let f: number;
  if ((op === '<') !== negate) {
    if (size !== 0) f = limit / size;
    else return limit > 0 ? Infinity : -Infinity;
  } else if (limit !== 0) {
    f = size / limit;
  } else {
    return Infinity;
  }
  return w * Math.pow(f, x);
}

/** The score after a weighted size test (sizeAddition). */
export function sizeScore(value: number, w: number, x: number, negate: boolean, op: '<' | '>', limit: number, size: number): number {
  const a = sizeAddition(w, x, negate, op, limit, size);
  if (a === Infinity) return MAX32;
  if (a === -Infinity) return MIN32;
  return value + a;
}

/** Once the score is at +∞, weighted conditions are skipped (not even run); plain ones still are (docs/procmail-semantics.md §4). */
export function skipsWeighted(value: number): boolean {
  return value >= MAX32;
}

/**
 * After each evaluated condition: clamped at +∞; at −∞ the recipe fails at
 * once (misc.c "chop off"), which null says.
 */
export function settle(value: number): number | null {
  if (value > MAX32) return MAX32;
  return value <= MIN32 ? null : value;
}

/** The recipe's outcome: every plain condition held and, when any weighted one was evaluated, the total is above 0. */
export function recipeSucceeds(value: number, scored: boolean, plainOk: boolean): boolean {
  return plainOk && (!scored || value > 0);
}

/** `$=`: the total truncated toward zero, except that (0,1) becomes 1 (misc.c lastscore). */
export function scoreVariable(value: number): number {
  const t = Math.trunc(value);
  if (t === 0 && value > 0) return 1;
  return t === 0 ? 0 : t; // no "-0"
}

/** Verbose `Score:` line figures: (added, total) as procmail prints them (`%7ld`, `+0` for a total in (0,1)). */
export function formatScoreLine(added: number, total: number): string {
  const a = String(Math.trunc(added) || 0).padStart(7);
  const it = Math.trunc(total) || 0;
  const t = it === 0 && total > 0 ? '     +0' : String(it).padStart(7);
  return `${a} ${t}`;
}
