import { describe, expect, it } from 'vitest';
import {
  backtickValue,
  captureValue,
  expandString,
  expandWords,
  regexQuote,
} from '../../src/eval/expand.js';
import { parseDoubleQuotedText, parseWords } from '../../src/syntax/word.js';
import type { ExpandEnv } from '../../src/eval/expand.js';
import type { Answer, Request } from '../../src/eval/requests.js';
import { VarStore } from '../../src/eval/vars.js';
import type { Span } from '../../src/source/span.js';

const span: Span = { file: 't.rc', line: 1, col: 1, start: 0, end: 0 };

function env(vars: Record<string, string>, args: string[] = [], captures: Record<string, string> = {}): ExpandEnv & { ran: string[]; bads: string[] } {
  const ran: string[] = [];
  const bads: string[] = [];
  return {
    vars: new VarStore(vars),
    args,
    ran,
    bads,
    special: (n) => ({ $: '4242', '?': '3', '=': '7', _: '/rc', '-': 'inbox', '0': 'procmail', '#': String(args.length) })[n] ?? '',
    // eslint-disable-next-line require-yield
    *capture(cmd) {
      ran.push(cmd);
      return backtickValue(captures[cmd] ?? '');
    },
    // eslint-disable-next-line require-yield
    *bad(text) {
      bads.push(text);
    },
  };
}

function run<T>(g: Generator<Request, T, Answer>): T {
  const s = g.next();
  if (!s.done) throw new Error('unexpected request');
  return s.value;
}

function words(text: string, e: ExpandEnv, argv = true): string[] {
  return parseWords(text, span).flatMap((w) => run(expandWords(w, e, argv)));
}

describe('expansion (docs/procmail-semantics.md §1.2, §1.3)', () => {
  it('quotes for regexes with the () prefix', () => {
    expect(regexQuote('a.b(c)|*?+^$[\\x')).toBe('()a\\.b\\(c\\)\\|\\*\\?\\+\\^\\$\\[\\\\x');
  });
  it('strips all trailing newlines for backticks and one for VAR=|', () => {
    expect(backtickValue('x\n\n\n')).toBe('x');
    expect(backtickValue('a\0b\n')).toBe('a');
    expect(captureValue('x\n\n')).toBe('x\n');
    expect(captureValue('x')).toBe('x');
  });
  it('implements the ${…} forms', () => {
    const e = env({ E: '', A: 'spaced' });
    const s = (t: string) => run(expandString(parseDoubleQuotedText(t, span), e));
    expect(s('${U:-d}|${E:-d}|${A:-d}')).toBe('d|d|spaced');
    expect(s('${U-d}|${E-d}|${A-d}')).toBe('d||spaced');
    expect(s('${U:+p}|${E:+p}|${A:+p}')).toBe('||p');
    expect(s('${U+p}|${E+p}|${A+p}')).toBe('|p|p');
    expect(s('${U:-${A}2}')).toBe('spaced2');
    expect(s('$\\A')).toBe('()spaced');
  });
  it('keeps nested quotes literal inside a double-quoted ${…} (verified)', () => {
    const e = env({ A: 'spaced' });
    const w = parseWords('"${U:-"${A}2"}"', span);
    expect(run(expandString(w[0]!, e))).toBe('"spaced2"');
  });
  it('expands specials, digits and a literal $', () => {
    const e = env({}, ['one', 'two']);
    expect(words('$1 $2 $3x $# $$ $= $- $0 $? $_ a$', e)).toEqual(['one', 'two', 'x', '2', '4242', '7', 'inbox', 'procmail', '3', '/rc', 'a$']);
    // `$10` is `$1` followed by 0.
    expect(words('$10', e)).toEqual(['one0']);
  });
  it('splits unquoted expansions in word lists but not quoted ones', () => {
    const e = env({ F: 'dir one/' });
    expect(words('$F', e, false)).toEqual(['dir', 'one/']);
    expect(words('"$F"', e, false)).toEqual(['dir one/']);
    expect(words('x$F', e, false)).toEqual(['xdir', 'one/']);
    expect(words('"" $U', e, false)).toEqual(['']);
  });
  it('does not split in assignments', () => {
    const e = env({ F: 'dir one/' });
    expect(run(expandString(parseWords('$F', span)[0]!, e))).toBe('dir one/');
  });
  it('gives "$@" as separate words in program arguments', () => {
    const e = env({}, ['a b', 'c']);
    expect(words('echo x"$@"y', e)).toEqual(['echo', 'xa b', 'cy']);
    expect(words('echo "$@"', env({}, []))).toEqual(['echo']);
  });
  it('runs backticks through the capture hook', () => {
    const e = env({}, [], { 'date +%y': '26\n\n' });
    expect(words('`date +%y`/meeting', e, false)).toEqual(['26/meeting']);
    expect(e.ran).toEqual(['date +%y']);
  });
  it('handles sh quoting: single quotes literal, \\x outside quotes, \\n kept inside', () => {
    const e = env({ A: 'v' });
    expect(words("'$A' \\$A \"a\\nb\" \"\\$A\"", e)).toEqual(['$A', '$A', 'a\\nb', '$A']);
    expect(words('a#b #comment', e)).toEqual(['a#b']);
  });
  it('reports bad substitutions', () => {
    const e = env({});
    words('${A%x} ${10}', e);
    expect(e.bads).toEqual(['A', '10']);
  });
  it('reads $ conditions as if double-quoted: quotes consumed, \\$ gives $', () => {
    const e = env({ A: 'x' });
    expect(run(expandString(parseDoubleQuotedText(' ^Subject: say "hi" $A\\$', span), e))).toBe(' ^Subject: say hi x$');
  });
});
