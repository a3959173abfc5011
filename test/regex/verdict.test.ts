import { describe, expect, it } from 'vitest';
import { regexError, translateRegex } from '../../src/compile/regex/translate.js';
import { repairRegex } from '../../src/compile/regex/paren-scan.js';
import goldenJson from './procmail-golden.json';

/**
 * `mailrules check` asks regexError() for the verdict on every pattern, and
 * regexError() finds it from the parentheses alone (parenError) without
 * building the tree translateRegex() builds: the two must agree on every
 * pattern. No pattern is refused for its size or nesting (procmail compiles
 * them all).
 */

function agree(pattern: string, caseSensitive: boolean): void {
  // regexError() first: after translateRegex() it would answer from the cache.
  const verdict = regexError(pattern, { caseSensitive });
  const t = translateRegex(pattern, { caseSensitive });
  expect(verdict, JSON.stringify(pattern)).toBe(t.ok ? null : t.error);
}

const recorded = (goldenJson as unknown as { cases: { conds: { p?: string }[] }[] }).cases
  .flatMap((c) => c.conds.map((k) => k.p))
  .filter((p): p is string => p !== undefined);

describe('regexError() agrees with translateRegex()', () => {
  it('on every recorded pattern and macro', () => {
    expect(recorded.length).toBeGreaterThan(300);
    for (const p of [...recorded, '^TO_joe', '^TO', '^FROM_DAEMON', '^FROM_MAILER', '[^TO_(]', '\\^TO_x)']) {
      agree(p, true);
      agree(p, false);
    }
  });

  it('on generated patterns, parentheses inside classes and escapes among them', () => {
    const alphabet = ['a', 'B', ' ', '(', '(', ')', ')', '[', ']', '^', '$', '.', '*', '+', '?', '|', '\\', '/', '-', '\0', '\xff'];
    let seed = 11;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let invalid = 0;
    for (let t = 0; t < 20000; t++) {
      let p = '';
      for (let k = next(24); k > 0; k--) p += alphabet[next(alphabet.length)];
      // Distinct patterns, so that regexError() does its own work.
      p = `${p}#${t}`;
      agree(p, next(2) === 0);
      if (!translateRegex(p, { caseSensitive: false }).ok) invalid++;
    }
    // The generator reaches both verdicts.
    expect(invalid).toBeGreaterThan(1000);
    expect(invalid).toBeLessThan(19000);
  });

  it('accepts what V8 refused: quantifiers nested deep, groups nested thousands deep', () => {
    for (const p of ['((((((a+)+)+)+)+)+)', '('.repeat(5000) + 'a' + ')'.repeat(5000), '(x|'.repeat(20000) + 'a' + ')+'.repeat(20000), 'a'.repeat(100_000)]) {
      expect(regexError(p, { caseSensitive: false })).toBeNull();
      expect(translateRegex(p, { caseSensitive: false }).ok).toBe(true);
    }
    expect(regexError('('.repeat(5000) + 'a' + ')'.repeat(4999), { caseSensitive: false })).toBe("missing ')'");
    expect(regexError('(a))(', { caseSensitive: false })).toBe("unbalanced ')' at offset 3");
  });

  it('repairs an invalid pattern as regexp.c compiles it: at the first unmatched `)`, or closing what is open', () => {
    expect(repairRegex('a)b(')).toBe('a');
    expect(repairRegex('((a)')).toBe('((a))');
    expect(repairRegex('[)](')).toBe('[)]()');
    expect(repairRegex('\\)(')).toBe('\\)()');
    expect(repairRegex('[]()]x)')).toBe('[]()]x');
  });
});
