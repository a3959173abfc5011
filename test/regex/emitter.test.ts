import { describe, expect, it } from 'vitest';
import { expandMacros } from '../../src/compile/macros.js';
import { jsSource, jsSourceFromTree, SourceEmitter } from '../../src/compile/regex.js';
import goldenJson from './procmail-golden.json';

/**
 * translateRegex() builds the JS source of most patterns in one pass
 * (SourceEmitter) instead of from Parser's tree. The two must agree on every
 * pattern: source and parse error alike.
 */

function emitted(pattern: string, fold: boolean): { js: string; error: string | null } {
  const e = new SourceEmitter(pattern, fold);
  const js = e.top();
  return { js, error: e.error };
}

function agree(pattern: string, fold: boolean): void {
  const tree = jsSourceFromTree(pattern, fold);
  const one = emitted(pattern, fold);
  expect(one.error, JSON.stringify(pattern)).toBe(tree.error);
  if (tree.error === null) expect(one.js, JSON.stringify(pattern)).toBe(tree.js);
}

const recorded = (goldenJson as unknown as { cases: { conds: { p?: string }[] }[] }).cases
  .flatMap((c) => c.conds.map((k) => k.p))
  .filter((p): p is string => p !== undefined);

describe('SourceEmitter gives what the tree gives', () => {
  it('has the recorded patterns', () => expect(recorded.length).toBeGreaterThan(100));

  it('on every recorded pattern and macro, both case modes', () => {
    for (const p of [...recorded, '^TO_joe', '^TO', '^FROM_DAEMON', '^FROM_MAILER']) {
      const expanded = expandMacros(p).pattern;
      if (expanded.includes('^^')) continue;
      agree(expanded, true);
      agree(expanded, false);
    }
  });

  it('on generated patterns of operators, classes, escapes and literal runs', () => {
    const alphabet = ['a', 'B', 'z', '0', ' ', '_', ':', '@', ',', '(', ')', '[', ']', '^', '$', '.', '*', '+', '?', '|', '\\', '/', '<', '>', '-', '\n', '\t', '\x80', '\xff', '#', '{'];
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let checked = 0;
    for (let t = 0; t < 20000; t++) {
      let p = '';
      for (let k = next(14); k > 0; k--) p += alphabet[next(alphabet.length)];
      if (p.includes('^^')) continue;
      agree(p, next(2) === 0);
      checked++;
    }
    expect(checked).toBeGreaterThan(15000);
  });

  it('leaves `^^` to the tree, whose translation depends on what follows', () => {
    expect(jsSource('a^^', true).js).toBe('a(?:\\n$|^\\n)');
    expect(jsSource('a^^b', true).js).toBe('a^\\nb');
    expect(jsSource('(a|b^^)', false)).toEqual(jsSourceFromTree('(a|b^^)', false));
  });
});
