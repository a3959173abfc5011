import { describe, expect, it } from 'vitest';
import { translateRegex, type ProcRegex } from '../../src/compile/regex/translate.js';
import { matchedText } from '../../src/eval/matched-text.js';
import { regexWork } from '../../src/eval/regex-dfa.js';
import { regexScore } from '../../src/eval/score.js';
import { countMatches, search, test } from '../../src/eval/regex-search.js';
import { compileRc } from '../../src/compile/compile.js';
import { driveSync } from '../../src/eval/drive.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { ScriptedAnswerer } from '../helpers/scripted-answerer.js';

/**
 * No pattern and no message may hang delivery (docs/architecture.md §4.8); every search is
 * linear in the size searched. Bounded by work, not by the clock: the
 * matchers count the characters they examine (regexWork), and each search
 * kind must examine at most a few times the text, so ten times the text
 * costs ten times the work, whatever the pattern. A search that rescans
 * (from each start position, as a backtracking engine does on `.*zz`)
 * examines the text once per position: a hundred times the work for ten
 * times the text.
 */

function rx(pattern: string, caseSensitive = false): ProcRegex {
  const r = translateRegex(pattern, { caseSensitive });
  if (!r.ok) throw new Error(r.error);
  return r.regex;
}

function work(f: () => unknown): number {
  const before = regexWork.chars;
  f();
  return regexWork.chars - before;
}

/**
 * Most characters one search may examine per character of the area (plus
 * the virtual newlines): the DFA's pass, then for `\/` or the reported text
 * one simulation of the automaton from where the match can start.
 */
const PER_CHAR = 3;
/**
 * The same for a whole scoring loop: one pass, the backward pass of a `\/`
 * pattern, and each search reads at least the two or three positions around
 * its match, which may be every character.
 */
const PER_CHAR_SCORING = 6;

/**
 * Runs `kind` over texts of size n and 10·n: the work must stay within
 * `perChar` per character and grow tenfold, not a hundredfold.
 */
function linear(kind: (text: string) => unknown, text: (n: number) => string, n = 20_000, perChar = PER_CHAR): void {
  const small = work(() => kind(text(n)));
  const large = work(() => kind(text(10 * n)));
  expect(small, 'work on the small text').toBeLessThanOrEqual(perChar * (n + 2));
  expect(large, 'work on the large text').toBeLessThanOrEqual(perChar * (10 * n + 2));
  expect(large / small, 'growth for ten times the text').toBeLessThan(11);
}

const line = (n: number): string => 'a'.repeat(n);
const html = (n: number): string => '<p>a word in a long html line without breaks</p>'.repeat(Math.ceil(n / 48)).slice(0, n);
const lines = (n: number): string => ('a'.repeat(30) + 'b\n').repeat(Math.ceil(n / 32)).slice(0, n);

/**
 * Patterns that take a backtracking engine quadratic or exponential time,
 * and the quadratic `.*zz` of a long line. A text without `zz` is turned
 * down by the required string alone (regex-prefilter.ts); `z[z]` requires
 * none, so the automaton reads the whole text.
 */
const HOSTILE = [
  '.*zz', '.*z[z]', '.*.*z[z]', '(.*)*z', '(a+)+$', '(a+)+b', '(x+x+)+y', '((a|aa)+)+c', '(a|a|a|a)*(b|a)*$x',
  '^(([a-z])+.)+[A-Z]([a-z])+$', '(A+)+$', '^^.*z[z]', 'a.*z[z]^^', '[^q]*[^r]*[^s]*z[z]', '.*(zz|qq)',
];

describe('every search examines each character a bounded number of times', () => {
  for (const p of HOSTILE) {
    it(`${p}: yes/no, MATCH extraction and the reported text`, () => {
      const r = rx(p);
      const m = rx(`\\/${p}`);
      for (const text of [line, html, lines]) {
        linear((t) => test(r, t), text);
        linear((t) => search(m, t), text);
        linear((t) => matchedText(r, t), text);
      }
    });
  }

  it('finds what it should on the long line', () => {
    const big = html(1_000_000) + 'zz';
    expect(test(rx('.*zz'), big)).toBe(true);
    expect(test(rx('.*.*zy'), big)).toBe(false);
    expect(search(rx('<p>\\/.*zz'), big).match?.length).toBe(big.length - 3);
    expect(matchedText(rx('breaks.*zz'), big)?.length).toBe(big.length - 38);
  });

  it('scoring counts every match with one pass over the area', () => {
    for (const p of ['a', 'a.*', '^.*$', 'word', '\\/w[^ ]*', '\\/a(x*y|)', '(a+)+', '[ax](x*y|)']) {
      const r = rx(p);
      linear((t) => countMatches(r, t), html, 20_000, PER_CHAR_SCORING);
      linear((t) => countMatches(r, t), lines, 20_000, PER_CHAR_SCORING);
      linear((t) => regexScore(0, 1, 1, false, r, t), line, 20_000, PER_CHAR_SCORING);
    }
    expect(countMatches(rx('^.*$'), 'some text on a line\n'.repeat(50_000))).toBe(50_001);
    expect(countMatches(rx('word'), html(480_000))).toBe(10_000);
  });

  it('a `\\/` whose right side lives on without matching does not rescan for each match', () => {
    // Each match is one x; the `x*y` branch then reads to the end of the
    // line looking for a y that never comes (procmail itself rescans here:
    // quadratic, 22 s for 40 KB).
    const r = rx('\\/[ax](x*y|)');
    linear((t) => countMatches(r, t), (n) => 'x'.repeat(n), 2_000, PER_CHAR_SCORING);
    expect(regexScore(0, 1, 1, false, r, 'x'.repeat(200_000)).value).toBe(200_000);
  });

  it('a delivery searching H, B and HB of a 1 MB one-line body does ten times the work of a 100 KB one', () => {
    const rc = [
      '* B ?? .*zz',
      '* B ?? .*z[z]',
      '* HB ?? .*.*z[z]',
      '* ^Subject:.*z[z]',
      '* B ?? ^^.*z[z]',
      '* B ?? z[z]$^^',
      '* B ?? <p>\\/.*z[z]',
      '* -1^1 B ?? word',
      '* -1^1 HB ?? a.*',
      '* -1^1 B ?? \\\\/w[a-z]*',
    ]
      .map((c, i) => `:0\n${c}\nbox${i}\n`)
      .join('');
    const program = compileRc(rc, 'linear.rc');
    const deliver = (n: number): number =>
      work(() => {
        const message = Buffer.from(`From: a@example.com\nSubject: one line\n\n${html(n)}\n`, 'latin1');
        const a = new ScriptedAnswerer();
        const out = driveSync(evaluate({ rcfiles: [program], message, berkeley: false, env: { DEFAULT: 'DEFAULT' }, args: [], argv0: 'procmail', hostname: 'vm', pid: 1, tempfail: false, filterMode: false }), a);
        expect(out.exitCode).toBe(0);
        expect(a.of('deliver').map((d) => d.folders.join(' '))).toEqual(['DEFAULT']);
      });
    const small = deliver(100_000);
    const large = deliver(1_000_000);
    // One pass per condition, and one more for the backward pass and the MATCH of the last.
    expect(large).toBeLessThanOrEqual(12 * 1_000_100);
    expect(large / small).toBeLessThan(11);
  });

  it('groups nested thousands deep are parsed, built and searched', () => {
    for (const [open, close] of [['(', ')'], ['(', ')*'], ['(x|', ')+'], ['(\\/', ')?']]) {
      const r = rx(open!.repeat(20_000) + 'a' + close!.repeat(20_000));
      expect(test(r, 'xx a b')).toBe(true);
      linear((t) => test(r, t), (n) => 'b'.repeat(n), 2_000);
    }
  });
});
