import { describe, expect, it } from 'vitest';
import { translateRegex, type ProcRegex } from '../../src/compile/regex/translate.js';
import {
  MAX32,
  MIN32,
  addProgramScore,
  addRegexScore,
  addSizeScore,
  formatScoreLine,
  newScore,
  recipeSucceeds,
  scoreVariable,
  settle,
  skipsWeighted,
} from '../../src/eval/score.js';
import { countMatches, nextMatchEnd, NO_END } from '../../src/eval/regex-search.js';

// Direct checks of docs/procmail-semantics.md §4's rows; the full differential table is test/regex/golden.test.ts.

function rx(p: string): ProcRegex {
  const r = translateRegex(p, { caseSensitive: false });
  if (!r.ok) throw new Error(r.error);
  return r.regex;
}
const body = 'x1\nx2\nx3\nx4\n';
const regexScore = (w: number, x: number, p: string, area = body, neg = false) => {
  const s = newScore();
  addRegexScore(s, w, x, neg, rx(p), area);
  settle(s);
  return s.value;
};

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
  it('counting and match ends', () => {
    expect(countMatches(rx('^.*$'), body)).toBe(5);
    expect(countMatches(rx('x'), body)).toBe(4);
    expect(nextMatchEnd(rx('nope'), body, 0)).toBe(NO_END);
    expect(nextMatchEnd(rx('x*'), body, 0)).toBe(-1);
  });
});

describe('program and size scoring', () => {
  it('? prog: exit 0 adds w, else x', () => {
    const s = newScore();
    addProgramScore(s, 5, 3, false, 0);
    addProgramScore(s, 5, 3, false, 1);
    expect(s.value).toBe(8);
  });
  it('! ? prog: exit code counts as matches', () => {
    const s = newScore();
    addProgramScore(s, 2, 2, true, 3);
    expect(s.value).toBe(14);
    expect(addProgramScore(newScore(), 1, 1, false, null)).toBe(false);
  });
  it('> L and < L', () => {
    const size = (w: number, x: number, op: '<' | '>', l: number, m: number, neg = false) => {
      const s = newScore();
      addSizeScore(s, w, x, neg, op, l, m);
      return s.value;
    };
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
    const s = newScore();
    s.value = 5e9;
    expect(settle(s)).toBe(true);
    expect(s.value).toBe(MAX32);
    expect(skipsWeighted(s)).toBe(true);
    s.value = -5e9;
    expect(settle(s)).toBe(false);
    expect(recipeSucceeds(s, true)).toBe(false);
  });
  it('scored recipes need a positive total', () => {
    const s = newScore();
    s.scored = true;
    s.value = 0.5;
    expect(recipeSucceeds(s, true)).toBe(true);
    s.value = 0;
    expect(recipeSucceeds(s, true)).toBe(false);
    expect(recipeSucceeds(newScore(), true)).toBe(true);
  });
  it('$= truncation', () => {
    expect([1.875, 0.3, -0.5, 2.5, 0, -2.5].map(scoreVariable)).toEqual([1, 1, 0, 2, 0, -2]);
    expect(formatScoreLine(0.3, 0.3)).toBe('      0      +0');
    expect(formatScoreLine(4, 15)).toBe('      4      15');
  });
});
