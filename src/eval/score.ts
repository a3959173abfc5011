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

/** Scoring state of one recipe's conditions. */
export interface Score {
  /** The running total. */
  value: number;
  /** Some weighted condition was evaluated (then the recipe needs value > 0). */
  scored: boolean;
  /** Cleared when the score reached MIN32: the recipe fails and no further condition is evaluated. */
  alive: boolean;
  /**
   * MATCH from the last successful search of a weighted `\/` regex, or null.
   * procmail assigns MATCH on every successful search (docs/procmail-semantics.md §3.5); the engine
   * copies this into MATCH after the condition.
   */
  match: string | null;
}

export function newScore(): Score {
  return { value: 0, scored: false, alive: true, match: null };
}

/** Once the score is at +∞, weighted conditions are skipped (not even run); plain ones still are (docs/procmail-semantics.md §4). */
export function skipsWeighted(s: Score): boolean {
  return s.value >= MAX32;
}

/**
 * A weighted regex: n matches add w + w·x + w·x² + … (docs/procmail-semantics.md §4 table). The loop
 * stops when the weight reaches 0, the score leaves (MIN32, MAX32), the area
 * is used up, or the increments shrink below 1 in absolute value; an empty
 * match adds the rest of the series at once (w·x/(1−x) for 0<x<1, ±∞ for x≥1).
 * Negated: w when the regex is NOT found.
 */
export function addRegexScore(s: Score, w: number, x: number, negate: boolean, rx: ProcRegex, area: string): void {
  s.scored = true;
  if (negate) {
    if (w === 0) return;
    if (searching.nextMatchEnd(rx, area, 0) === searching.NO_END) s.value += w;
    else if (searching.lastSplitMatch !== undefined) s.match = searching.lastSplitMatch;
    return;
  }
  let weight = w;
  let oweight = weight * weight;
  let at = 0;
  const len = area.length;
  while (weight !== 0 && MIN32 < s.value && s.value < MAX32 && at <= len) {
    const end = searching.nextMatchEnd(rx, area, at);
    if (end === searching.NO_END) break;
    if (searching.lastSplitMatch !== undefined) s.match = searching.lastSplitMatch;
    s.value += weight;
    weight *= x;
    if (end <= at) {
      // An empty match would repeat for ever: add the limit of the series.
      if (0 < x && x < 1) s.value += weight / (1 - x);
      else if (x >= 1 && weight !== 0) s.value += weight < 0 ? MIN32 : MAX32;
      break;
    }
    const nweight = weight * weight;
    if (nweight < oweight && oweight < 1) break;
    oweight = nweight;
    at = end;
  }
}

/**
 * `w^x ? prog`: exit 0 adds w, any other exit adds x. Negated (`! w^x ? prog`),
 * the exit code e counts as e matches: w + w·x + … (e terms, no early stop).
 * `exitCode` null = the program could not be run (misc.c lexitcode < 0):
 * the condition then fails unless negated.
 * Returns false when the condition itself fails (only in that null case).
 */
export function addProgramScore(s: Score, w: number, x: number, negate: boolean, exitCode: number | null): boolean {
  s.scored = true;
  if (exitCode === null || exitCode < 0) return negate;
  if (negate) {
    let weight = w;
    for (let j = exitCode; --j >= 0; ) {
      s.value += weight;
      if (!(s.value < MAX32 && s.value > MIN32)) break;
      weight *= x;
    }
  } else {
    s.value += exitCode !== 0 ? x : w;
  }
  return true;
}

/**
 * `w^x > L` adds w·(M/L)^x and `w^x < L` adds w·(L/M)^x, where M is the
 * size of the tested area (docs/procmail-semantics.md §4). Negation swaps the two forms. M=0 with
 * `<` gives +∞ (L>0) or −∞ (L≤0); L=0 with `>` gives +∞.
 */
export function addSizeScore(s: Score, w: number, x: number, negate: boolean, op: '<' | '>', limit: number, size: number): void {
  s.scored = true;
  let f: number;
  if ((op === '<') !== negate) {
    if (size !== 0) f = limit / size;
    else {
      s.value = limit > 0 ? MAX32 : MIN32;
      return;
    }
  } else if (limit !== 0) {
    f = size / limit;
  } else {
    s.value = MAX32;
    return;
  }
  s.value += w * Math.pow(f, x);
}

/**
 * After each evaluated condition: clamp at +∞, and at −∞ the recipe fails
 * at once (misc.c "chop off"). Returns false when evaluation must stop.
 */
export function settle(s: Score): boolean {
  if (s.value > MAX32) s.value = MAX32;
  if (s.value <= MIN32) {
    s.value = MIN32;
    s.alive = false;
  }
  return s.alive;
}

/** The recipe's outcome given whether all plain conditions held. */
export function recipeSucceeds(s: Score, plainOk: boolean): boolean {
  if (!plainOk || !s.alive) return false;
  return s.scored ? s.value > 0 : true;
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
