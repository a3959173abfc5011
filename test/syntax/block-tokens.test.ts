import { describe, expect, it } from 'vitest';
import type { Item } from '../../src/syntax/ast.js';
import { RcLexer } from '../../src/syntax/lexer.js';
import { nestTokens, parseRc } from '../../src/syntax/parse.js';
import { printRc } from '../../src/syntax/print.js';
import type { Token } from '../../src/syntax/tokens.js';

/**
 * The lexer hands the parser a run of statements together with the brace
 * after it (lexer.ts, tokens.ts, parse.ts). Whatever the grouping, every
 * statement must land in its own list, in order: an outline of the nesting
 * shows it.
 */
function outline(items: readonly Item[]): unknown[] {
  return items.map((i) => {
    if (i.kind === 'assign') return i.name;
    if (i.kind === 'recipe' && i.action?.kind === 'block') return { [i.header.raw.trim()]: outline(i.action.items) };
    if (i.kind === 'recipe') return i.action === null ? 'no-action' : i.action.raw;
    return i.kind;
  });
}

describe('block structure from runs and braces', () => {
  const cases: [string, string, unknown[]][] = [
    ['statements before, inside and after a block', 'A=1\nB=2\n:0\n{\n C=3\n :0\n in\n D=4\n}\nE=5\n', ['A', 'B', { ':0': ['C', 'in', 'D'] }, 'E']],
    ['nested blocks with statements between them', 'A=1\n:0\n{\n B=1\n :0 1\n {\n  C=1\n }\n D=1\n :0 2\n {\n }\n E=1\n}\n', ['A', { ':0': ['B', { ':0 1': ['C'] }, 'D', { ':0 2': [] }, 'E'] }]],
    ['blocks back to back, and on one line', ':0\n{ }\n:0 A\n{ X=1 }\n:0 B\n{\n:0 C\n{ Y=1 }\n}\n', [{ ':0': [] }, { ':0 A': ['X'] }, { ':0 B': [{ ':0 C': ['Y'] }] }]],
    ['missing braces: the trailing run stays in the innermost block', 'A=1\n:0 a\n{\n B=1\n :0 b\n {\n  C=1\n  :0\n  f\n', ['A', { ':0 a': ['B', { ':0 b': ['C', 'f'] }] }]],
    ['a stray brace between runs', 'A=1\n}\nB=2\n:0\n{\n}\n}\nC=3\n', ['A', 'skipped', 'B', { ':0': [] }, 'skipped', 'C']],
    ['only statements', 'A=1\n# c\n:0\nf\n', ['A', 'comment', 'f']],
  ];
  for (const [name, rc, expected] of cases) {
    it(name, () => {
      const r = parseRc(rc, 'rc');
      expect(r.diagnostics.filter((d) => d.code === 'internal')).toEqual([]);
      expect(outline(r.ast.items)).toEqual(expected);
      expect(printRc(r.ast)).toBe(rc);
    });
  }
});

describe('the stack, given tokens that do not nest', () => {
  // The lexer never makes such a stream (it supplies a `}` for every unclosed `{`); the parser says so rather than guess.
  const tokensOf = (rc: string): Token[] => {
    const lexer = new RcLexer('rc', rc);
    const tokens: Token[] = [];
    for (let t = lexer.next(); t !== undefined; t = lexer.next()) tokens.push(t);
    return tokens;
  };
  const nest = (tokens: Token[]) => {
    let i = 0;
    return nestTokens(() => tokens[i++]);
  };
  const rc = 'A=1\n:0\n{\n B=2\n}\nC=3\n';

  it('nests the lexer\'s tokens', () => {
    const tokens = tokensOf(rc);
    expect(tokens.map((t) => t.type)).toEqual(['head', 'close', 'statements']);
    const r = nest(tokens);
    expect(r.error).toBeNull();
    expect(outline(r.items)).toEqual(['A', { ':0': ['B'] }, 'C']);
  });

  it('reports a close without its head, and a head left open', () => {
    const [head, close, tail] = tokensOf(rc);
    expect(nest([close!, tail!]).error).toBe('a closing brace with no block open');
    expect(nest([head!, tail!]).error).toBe('1 block(s) left open');
  });
});
