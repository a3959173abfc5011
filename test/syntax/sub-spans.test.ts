import { describe, expect, it } from 'vitest';
import { place } from '../helpers/source-place.js';
import type { Assignment, Condition, Item } from '../../src/syntax/ast.js';
import { parseRc } from '../../src/syntax/parse.js';
import { assignmentNameSpan, conditionTextSpan } from '../../src/syntax/sub-spans.js';

function conditions(items: readonly Item[]): Condition[] {
  return items.flatMap((i) => (i.kind !== 'recipe' ? [] : [...i.conditions, ...(i.action?.kind === 'block' ? conditions(i.action.items) : [])]));
}

describe('conditionTextSpan', () => {
  const cases: [string, string[]][] = [
    [':0\n* ^Subject: x\nf\n', ['^Subject: x']],
    [':0\n*\t  \t^A  \nf\n', ['^A']],
    [':0\n  *  ! ^B\n* 1^1 c\nf\n', ['! ^B', '1^1 c']],
    [':0\n* \\\n   ^C\\\n  d\nf\n', ['^Cd']],
    [':0\n*\\\n\\\n  E\nf\n', ['E']],
    [':2\n^F\n  ^G\nf\n', ['^F', '^G']],
    [':0\n{\n  :0\n  *   x\r\n  f\n}\n', ['x\r']],
  ];
  for (const [rc, texts] of cases) {
    it(JSON.stringify(rc), () => {
      const found = conditions(parseRc(rc, 'rc').ast.items);
      expect(found.map((c) => c.text)).toEqual(texts);
      for (const c of found) {
        const s = conditionTextSpan(c);
        // The text starts where its first character is in the source; continuations make it longer there.
        const first = rc.indexOf(c.text[0]!, c.span.start + (c.raw.startsWith('*') ? 1 : 0));
        expect(s.start).toBe(first);
        expect(s.end - s.start).toBe(c.text.length);
        expect({ line: s.line, col: s.col }).toEqual(place(rc, s.start));
        expect(s.file).toBe('rc');
      }
    });
  }
});

describe('assignmentNameSpan', () => {
  it('is the name at the start of the statement', () => {
    const rc = 'A=1 \tLONGER_NAME="x y"\n  C\n';
    const names = parseRc(rc, 'rc').ast.items.filter((i): i is Assignment => i.kind === 'assign');
    expect(names.map((a) => a.name)).toEqual(['A', 'LONGER_NAME', 'C']);
    for (const a of names) {
      const s = assignmentNameSpan(a);
      expect(rc.slice(s.start, s.end)).toBe(a.name);
      expect({ line: s.line, col: s.col }).toEqual(place(rc, s.start));
    }
  });
});
