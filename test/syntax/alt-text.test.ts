import { describe, expect, it } from 'vitest';
import type { Assignment, FolderAction, Recipe, WordPart } from '../../src/syntax/ast.js';
import { parseRc } from '../../src/syntax/parse.js';
import { WORD_BREAK } from '../../src/syntax/word.js';

/**
 * The text of `${name:-text}` is read with the state of the word around it
 * (goodies.c readparse; differential case 403).
 */
function items(text: string) {
  const r = parseRc(text, 'rc');
  return { items: r.ast.items, diagnostics: r.diagnostics.map((d) => d.message) };
}

function altOf(parts: readonly WordPart[]): readonly WordPart[] | null {
  const v = parts[0];
  return v?.kind === 'var' ? v.alt : null;
}

describe('${name:-text} (goodies.c readparse)', () => {
  it('skips blanks before the word starts: `${DATE:- "date"}` is one assignment', () => {
    const { items: it, diagnostics } = items('DATE = ${DATE:- "date"}\n');
    expect(diagnostics).toEqual([]);
    expect(it).toHaveLength(1);
    expect(altOf((it[0] as Assignment).value!.parts)).toEqual([{ kind: 'text', text: 'date', quote: 'double' }]);
  });
  it('ends an assignment at a blank after text: the rest is the next statement', () => {
    const { items: it, diagnostics } = items('A=${U:- x y}\n');
    expect(altOf((it[0] as Assignment).value!.parts)).toEqual([{ kind: 'text', text: 'x', quote: 'none' }]);
    expect(diagnostics).toEqual(['Skipped "y"', 'Closing brace unexpected']);
  });
  it('keeps the blank after text in an assignment that has text before the braces', () => {
    const { diagnostics } = items('A=x${U:- y}\n');
    expect(diagnostics).toEqual(['Skipped "y"', 'Closing brace unexpected']);
  });
  it('separates words with a break inside the braces of an action line', () => {
    const { items: it, diagnostics } = items(':0\n${U:-  a  b}c\n');
    expect(diagnostics).toEqual([]);
    const targets = ((it[0] as Recipe).action as FolderAction).targets;
    expect(targets).toHaveLength(1);
    expect(altOf(targets[0]!.parts)).toEqual([{ kind: 'text', text: 'a', quote: 'none' }, WORD_BREAK, { kind: 'text', text: 'b', quote: 'none' }]);
  });
  it('leaves blanks inside double quotes alone', () => {
    const { items: it } = items('E="${U:- r s}"\n');
    expect(altOf((it[0] as Assignment).value!.parts)).toEqual([{ kind: 'text', text: ' r s', quote: 'double' }]);
  });
});
