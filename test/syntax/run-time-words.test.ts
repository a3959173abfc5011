import { describe, expect, it } from 'vitest';
import type { Assignment, WordPart } from '../../src/syntax/ast.js';
import { parseRc } from '../../src/syntax/parse.js';
import { parseDoubleQuotedText, parseWords, WORD_BREAK } from '../../src/syntax/word.js';
import type { Span } from '../../src/source/span.js';

/**
 * Command texts and `$` conditions are read at run time by the same word
 * reader as the rc file's action lines and assignments (goodies.c
 * readparse). Each case below was run through procmail 3.22.
 */
const within: Span = { file: 'rc', line: 4, col: 3, start: 40, end: 80 };

/** The parts without their spans (the spans are checked separately). */
function bare(parts: readonly WordPart[]): unknown[] {
  return parts.map((p) => {
    const { span: _span, ...rest } = p as WordPart & { span?: Span };
    return rest;
  });
}

describe('words read at run time', () => {
  it('`$_foo` is `$_` then `foo`, in a command and in an assignment alike', () => {
    expect(bare(parseWords('/usr/bin/touch f$_foo', within)[1]!)).toEqual([
      { kind: 'text', text: 'f', quote: 'none' },
      { kind: 'special', name: '_', quote: 'none' },
      { kind: 'text', text: 'foo', quote: 'none' },
    ]);
    const a = parseRc('A=$_foo\n', 'rc').ast.items[0] as Assignment;
    expect(bare(a.value!.parts)).toEqual([
      { kind: 'special', name: '_', quote: 'none' },
      { kind: 'text', text: 'foo', quote: 'none' },
    ]);
    // `${_foo}` names the variable.
    expect(bare(parseWords('${_foo}', within)[0]!)).toEqual([{ kind: 'var', name: '_foo', quote: 'none', op: '', alt: null }]);
  });

  it('blanks inside an unquoted `${U:- b c}` after text separate words, as in an action line', () => {
    const [, word] = parseWords('/usr/bin/touch a${U:- b c}', within);
    const v = word![1]!;
    // procmail touches a, b and c.
    expect(v.kind === 'var' ? v.alt : null).toEqual([WORD_BREAK, { kind: 'text', text: 'b', quote: 'none' }, WORD_BREAK, { kind: 'text', text: 'c', quote: 'none' }]);
  });

  it('a `#` after a backslash-newline starts a comment', () => {
    expect(parseWords('/usr/bin/touch p1 \\\n#p2 p3', within).map((w) => bare(w))).toEqual([
      [{ kind: 'text', text: '/usr/bin/touch', quote: 'none' }],
      [{ kind: 'text', text: 'p1', quote: 'none' }],
    ]);
  });

  it('`\\"` inside backquotes inside double quotes is a quote for the command', () => {
    const [, word] = parseWords('/usr/bin/touch "x1`/bin/echo \\"q\\"`"', within);
    expect(bare(word!)).toEqual([
      { kind: 'text', text: 'x1', quote: 'double' },
      { kind: 'backtick', command: '/bin/echo "q"', quote: 'double' },
    ]);
    expect(bare(parseDoubleQuotedText('a`/bin/echo \\"q\\"`', within))).toEqual([
      { kind: 'text', text: 'a', quote: 'double' },
      { kind: 'backtick', command: '/bin/echo "q"', quote: 'double' },
    ]);
  });

  it('a `$` condition starts inside double quotes; each `"` toggles them, blanks are kept', () => {
    expect(bare(parseDoubleQuotedText(' ^Subject: say "hi  there" $A', within))).toEqual([
      { kind: 'text', text: ' ^Subject: say ', quote: 'double' },
      { kind: 'text', text: 'hi  there', quote: 'none' },
      { kind: 'text', text: ' ', quote: 'double' },
      { kind: 'var', name: 'A', quote: 'double', op: '', alt: null },
    ]);
  });

  it('spans are offsets within the rc text the command came from', () => {
    const [, word] = parseWords('cmd $HOME', within);
    const v = word![0]! as WordPart & { span: Span };
    expect(v.span).toEqual({ file: 'rc', line: 4, col: 3, start: 44, end: 49 });
  });
});
