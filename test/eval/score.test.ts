import { describe, expect, it } from 'vitest';
import { translateRegex, type ProcRegex } from '../../src/compile/regex/translate.js';
import {
  MAX32,
  MIN32,
  formatScoreLine,
  programScore,
  recipeSucceeds,
  regexScore as addRegex,
  scoreVariable,
  settle,
  sizeScore,
  skipsWeighted,
  WeightSeries,
} from '../../src/eval/score.js';
import { countMatches, nextMatchEnd, NO_END } from '../../src/eval/regex-search.js';

// Direct checks of docs/procmail-semantics.md §4's rows; the full differential table is test/regex/golden.test.ts.

function rx(p: string): ProcRegex {
  const r = translateRegex(p, { caseSensitive: false });
  if (!r.ok) throw new Error(r.error);
  return r.regex;
}
const body = 'x1\nx2\nx3\nx4\n';
const regexScore = (w: number, x: number, p: string, area = body, neg = false) => settle(addRegex(0, w, x, neg, rx(p), area).value) ?? MIN32;

describe('regex scoring', () => {
  it('n matches: w + wx + wx² …', () => {
    expect(regexScore(1, 1, '^x')).toBe(4);
    expect(regexScore(1, 2, '^x')).toBe(15);
    // The early stop gives 1.5, not the 1.875 of the full series (docs/procmail-semantics.md §4; test/regex/procmail-golden.json ids 293, 294).
    expect(regexScore(1, 0.5, '^x')).toBe(1.5);
    expect(regexScore(10, -1, '^x')).toBe(0);
    expect(regexScore(1, 0, '^x')).toBe(1);
  });
  it('empty-width matches add the series limit', () => {
    expect(regexScore(1, 1, 'x*')).toBe(MAX32);
    expect(regexScore(-1, 1, 'x*')).toBe(MIN32);
    expect(regexScore(1, 0.5, 'x*')).toBe(2);
  });
  it('decay stops early once increments fall below 1', () => {
    expect(regexScore(0.9, 0.9, 'x')).toBeCloseTo(0.9, 10);
  });
  it('negated: w when not found', () => {
    expect(regexScore(3, 1, 'nope', body, true)).toBe(3);
    expect(regexScore(3, 1, 'x', body, true)).toBe(0);
  });
  it('a `\\/` pattern leaves MATCH from its last match; negated, from the match that made it add nothing', () => {
    expect(addRegex(0, 1, 1, false, rx('^x\\/.'), body)).toEqual({ value: 4, match: '4' });
    expect(addRegex(0, 1, 1, true, rx('^x\\/.'), body)).toEqual({ value: 0, match: '1' });
    expect(addRegex(0, 0, 1, true, rx('^x\\/.'), body)).toEqual({ value: 0, match: undefined });
  });
  it('stops adding at the limits of the score it started from', () => {
    expect(addRegex(MAX32 - 2, 1, 1, false, rx('^x'), body).value).toBe(MAX32);
    expect(addRegex(MAX32, 1, 1, false, rx('^x'), body).value).toBe(MAX32);
  });
  it('counting and match ends', () => {
    expect(countMatches(rx('^.*$'), body)).toBe(5);
    expect(countMatches(rx('x'), body)).toBe(4);
    expect(nextMatchEnd(rx('nope'), body, 0)).toBe(NO_END);
    expect(nextMatchEnd(rx('x*'), body, 0)).toBe(-1);
  });
});

describe('the series of additions', () => {
  const additions = (w: number, x: number, n: number): number[] => {
    const s = new WeightSeries(w, x);
    const out: number[] = [];
    while (out.length < n) {
      out.push(s.weight);
      if (!s.advance()) break;
    }
    return out;
  };
  it('w, wx, wx², … while they do not shrink below 1', () => {
    expect(additions(1, 2, 4)).toEqual([1, 2, 4, 8]);
    expect(additions(10, -1, 4)).toEqual([10, -10, 10, -10]);
    expect(additions(1, 0.5, 9)).toEqual([1, 0.5]);
    expect(additions(4, 0.5, 9)).toEqual([4, 2, 1, 0.5]);
    expect(additions(3, 0, 9)).toEqual([3, 0, 0, 0, 0, 0, 0, 0, 0]);
  });
  it('the tail an empty match adds', () => {
    const s = new WeightSeries(1, 0.5);
    expect(s.tail()).toBe(1);
    expect(new WeightSeries(2, 1).tail()).toBe(MAX32);
    expect(new WeightSeries(-2, 3).tail()).toBe(MIN32);
    expect(new WeightSeries(2, -1).tail()).toBe(0);
  });
});

describe('program and size scoring', () => {
  it('? prog: exit 0 adds w, else x', () => {
    expect(programScore(programScore(0, 5, 3, false, 0), 5, 3, false, 1)).toBe(8);
  });
  it('! ? prog: exit code counts as matches', () => {
    expect(programScore(0, 2, 2, true, 3)).toBe(14);
    expect(programScore(0, 2, 2, true, 0)).toBe(0);
  });
  it('> L and < L', () => {
    const size = (w: number, x: number, op: '<' | '>', l: number, m: number, neg = false) => sizeScore(0, w, x, neg, op, l, m);
    expect(size(100, 1, '>', 10, 33)).toBeCloseTo(330);
    expect(size(100, 1, '<', 10, 33)).toBeCloseTo(30.3, 1);
    expect(size(1, 1, '<', 10, 0)).toBe(MAX32);
    expect(size(1, 1, '<', 0, 0)).toBe(MIN32);
    expect(size(-1, 1, '>', 0, 50)).toBe(MAX32);
    expect(size(100, 1, '>', 10, 33, true)).toBeCloseTo(30.3, 1);
  });
});

describe('recipe outcome and $=', () => {
  it('saturates and fails at MIN32', () => {
    expect(settle(5e9)).toBe(MAX32);
    expect(skipsWeighted(MAX32)).toBe(true);
    expect(skipsWeighted(MAX32 - 1)).toBe(false);
    expect(settle(-5e9)).toBe(null);
    expect(settle(MIN32)).toBe(null);
    expect(settle(MIN32 + 1)).toBe(MIN32 + 1);
  });
  it('scored recipes need a positive total', () => {
    expect(recipeSucceeds(0.5, true, true)).toBe(true);
    expect(recipeSucceeds(0, true, true)).toBe(false);
    expect(recipeSucceeds(0, false, true)).toBe(true);
    expect(recipeSucceeds(5, true, false)).toBe(false);
  });
  it('$= truncation', () => {
    expect([1.875, 0.3, -0.5, 2.5, 0, -2.5].map(scoreVariable)).toEqual([1, 1, 0, 2, 0, -2]);
    expect(formatScoreLine(0.3, 0.3)).toBe('      0      +0');
    expect(formatScoreLine(4, 15)).toBe('      4      15');
  });
});
