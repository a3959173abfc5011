import { describe, expect, it } from 'vitest';
import { compileRc } from '../../src/compile/compile.js';

// Minimal reproducers found by test/fuzz/frontend.test.ts.

/** 1-based line and column of `offset`. */
function lineCol(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}

describe('diagnostics inside a condition continued with a backslash-newline', () => {
  // The condition's text is squeezed (docs/procmail-semantics.md §1.5) but its text span is as
  // long as the squeezed text, so the compiler took it for the source itself
  // and put carets at offsets past the end of the first line (col 4 of a
  // 3-character line; col 14 of a 13-character line).
  for (const [text, code] of [
    [':\nx\\\nb #\n:', 'comment-in-condition'],
    [':0\n* ab\\\n cd #\nbox\n', 'comment-in-condition'],
    [':\n@sender in \\\n| 0\n}', 'ext-not-exact'],
    [':0\n* @sender in \\\n x y\nbox\n', 'ext-not-exact'],
  ] as const) {
    it(`${JSON.stringify(text)}: ${code} has a span whose line:col is its offset`, () => {
      const ds = compileRc(text, 'rc').diagnostics;
      const d = ds.find((x) => x.code === code);
      expect(d).toBeDefined();
      for (const x of ds) expect(`${x.span.line}:${x.span.col}`).toBe(lineCol(text, x.span.start));
    });
  }

  it('a condition without a continuation keeps its exact caret', () => {
    const d = compileRc(':0\n* ab #x\nbox\n', 'rc').diagnostics.find((x) => x.code === 'comment-in-condition')!;
    expect(`${d.span.line}:${d.span.col}`).toBe('2:6');
  });
});

describe('an @ action missing its argument at the very end of the file', () => {
  // The caret "just past the verb" was one character long even when nothing
  // followed: end = text.length + 1, outside the text. (Such a line is now
  // the folder procmail reads, with a warning that says what is missing.)
  for (const text of [':0\n@reply', ':0\n@reject', ':0\n@reply\n']) {
    it(JSON.stringify(text), () => {
      const ds = compileRc(text, 'rc').diagnostics;
      expect(ds.map((d) => d.message)).toContainEqual(expect.stringMatching(/not an extension: missing text after/));
      for (const d of ds) expect(d.span.end).toBeLessThanOrEqual(text.length);
    });
  }
});
