import { describe, expect, it } from 'vitest';
import { expandMacros } from '../../src/compile/macros.js';
import { compilesSurely, jsSource, regexError, surelyValid, translateRegex } from '../../src/compile/regex.js';
import goldenJson from './procmail-golden.json';

/**
 * regexError() skips building a RegExp when compilesSurely() says V8 accepts
 * the source. Whenever it says so, V8 must indeed accept it, with the `g`
 * flag and with `l` (test/setup.ts enables the linear engine), and
 * regexError() must agree with translateRegex().
 */

function compiles(js: string): boolean {
  try {
    new RegExp(js, 'gl');
    new RegExp(js, 'g');
    return true;
  } catch {
    return false;
  }
}

function sure(pattern: string, fold: boolean): void {
  const { js, error } = jsSource(expandMacros(pattern).pattern, fold);
  if (error === null && compilesSurely(js)) expect(compiles(js), JSON.stringify(js)).toBe(true);
  // regexError() first: after translateRegex() it would answer from the cache.
  const verdict = regexError(pattern, { caseSensitive: !fold });
  const t = translateRegex(pattern, { caseSensitive: !fold });
  expect(verdict, JSON.stringify(pattern)).toBe(t.ok ? null : t.error);
  // The shortcut regexError() takes must never call an invalid pattern valid.
  if (surelyValid(pattern)) {
    expect(t.ok, JSON.stringify(pattern)).toBe(true);
    shortcuts++;
  }
}
let shortcuts = 0;

const recorded = (goldenJson as unknown as { cases: { conds: { p?: string }[] }[] }).cases
  .flatMap((c) => c.conds.map((k) => k.p))
  .filter((p): p is string => p !== undefined);

describe('compilesSurely', () => {
  it('is the linear engine being on (test/setup.ts)', () => {
    expect(() => new RegExp('a', 'l')).not.toThrow();
  });

  it('is right on every recorded pattern and macro', () => {
    for (const p of [...recorded, '^TO_joe', '^TO', '^FROM_DAEMON', '^FROM_MAILER']) {
      sure(p, true);
      sure(p, false);
    }
  });

  it('is right on generated patterns, quantifiers nested deep among them', () => {
    const alphabet = ['a', 'B', '0', ' ', '(', '(', ')', ')', '[', ']', '^', '^', '$', '.', '*', '+', '+', '+', '?', '|', '\\', '/', '<', '-', '\n', '\xff'];
    let seed = 11;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let unsure = 0;
    for (let t = 0; t < 20000; t++) {
      let p = '';
      for (let k = next(24); k > 0; k--) p += alphabet[next(alphabet.length)];
      // Every other one: a simple atom in nested groups, each with a quantifier or none.
      if (t % 2 === 1) {
        p = ['a', 'B.', '[a-z]', '^x', '', '\\/y'][next(6)]!;
        for (let d = next(9); d > 0; d--) p = `(${p}${next(3) === 0 ? '|x' : ''})${['+', '+', '*', '?', ''][next(5)]}`;
      }
      // Distinct patterns, so that regexError() does its own work.
      const fold = next(2) === 0;
      sure(`${p}#${t}`, fold);
      const { js, error } = jsSource(`${p}#${t}`, fold);
      if (error === null && !compilesSurely(js)) unsure++;
    }
    // The generator does reach what is left to V8, and the shortcut.
    expect(unsure).toBeGreaterThan(0);
    expect(shortcuts).toBeGreaterThan(1000);
  });

  it('leaves five nested `+` to V8, which refuses them in linear time', () => {
    expect(compilesSurely('(?:(?:(?:(?:a)+)+)+)+')).toBe(true);
    expect(compilesSurely('(?:(?:(?:(?:(?:a)+)+)+)+)+')).toBe(false);
    expect(regexError('((((a+)+)+)+)+', { caseSensitive: false })).toMatch(/^cannot be compiled: .*linear/);
    expect(regexError('(((a+)+)+)+', { caseSensitive: false })).toBeNull();
  });

  it('takes the shortcut only for balanced parentheses, few `+` and no class, NUL or word boundary', () => {
    for (const p of ['^From:.*user@example\\.com', '^Subject:.*(report|digest) 12', '\\(', 'a++++', '((a)|b)', '^^x$']) expect(surelyValid(p), p).toBe(true);
    for (const p of ['(a', 'a)', ')(', '\\((', 'a+++++', '[a]', 'x\\<', 'a(\0)', '^TO_joe', 'x\\', 'a'.repeat(600)]) expect(surelyValid(p), p).toBe(false);
  });

  it('leaves long sources to V8', () => {
    expect(compilesSurely('a'.repeat(5000))).toBe(false);
  });
});
