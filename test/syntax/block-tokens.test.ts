import { describe, expect, it } from 'vitest';
import type { Item } from '../../src/syntax/ast.js';
import { parseRc } from '../../src/syntax/parse.js';
import { printRc } from '../../src/syntax/print.js';

/**
 * The lexer hands nearley a run of statements together with the brace after
 * it (lexer.ts, build.ts). Whatever the grouping, every statement must land
 * in its own list, in order: an outline of the nesting shows it.
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
