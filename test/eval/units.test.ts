import { describe, expect, it } from 'vitest';
import { folderLine, formatAbstract } from '../../src/eval/log-abstract.js';
import {
  backtickValue,
  captureValue,
  expandString,
  expandWords,
  regexQuote,
} from '../../src/eval/expand.js';
import { parseDoubleQuotedText, parseWords } from '../../src/syntax/word.js';
import type { ExpandEnv } from '../../src/eval/expand.js';
import { logtext } from '../../src/eval/logtext.js';
import type { Answer, Request } from '../../src/eval/requests.js';
import { renvint } from '../../src/compile/renvint.js';
import { linebufValue, parseUmask, VarStore } from '../../src/eval/vars.js';
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

describe('renvint (docs/procmail-semantics.md §5.2)', () => {
  it.each([
    ['42', 9, 42], [' -3x', 9, -3], ['yes', 9, 1], ['on', 9, 1], ['off', 9, 0], ['no', 9, 0],
    ['true', 9, 1], ['false', 9, 0], ['e', 9, 1], ['d', 9, 0], ['all', 9, 2], ['', 9, 9],
    ['xyz', 9, 9], ['foo', -2, 0], ['o', 5, 5], ['  On', 0, 1],
  ])('%j with fallback %d is %d', (v, fb, want) => {
    expect(renvint(fb, v)).toBe(want);
  });
  it('LINEBUF has a minimum of 128 and UMASK is octal', () => {
    expect(linebufValue('12')).toBe(128);
    expect(linebufValue('4096')).toBe(4096);
    expect(parseUmask('022')).toBe(0o22);
    expect(parseUmask('junk')).toBe(0);
  });
});

describe('log abstract (docs/procmail-semantics.md §8.1)', () => {
  it('lays out the folder line with tabs to column 72', () => {
    expect(folderLine('inbox', 241)).toBe('  Folder: inbox\t\t\t\t\t\t\t\t    241\n');
    expect(folderLine('', 0)).toBe('  Folder: \t\t\t\t\t\t\t\t      0\n');
    // 16 chars → next tab stop 16, then 24..64.
    expect(folderLine('abcdef', 1)).toBe('  Folder: abcdef\t\t\t\t\t\t\t      1\n');
  });
  it('truncates the folder to 60 characters and detabs it (as procmail 3.22 does)', () => {
    const long = 'x'.repeat(70);
    const l = folderLine(long, 5);
    expect(l.startsWith('  Folder: ' + 'x'.repeat(60) + '\t')).toBe(true);
    expect(folderLine('a\tb', 1)).toContain('a b');
  });
  it('writes the From_ line and the first Subject line (as verified with procmail)', () => {
    const header = 'From alice@example.com  Mon Jan  1 00:00:00 2001\nFrom: Alice\nSubject: Hello there\n continued subject\n\n';
    expect(formatAbstract({ header, folder: 'blk', size: 160 })).toBe(
      'From alice@example.com  Mon Jan  1 00:00:00 2001\n Subject: Hello there\n  Folder: blk\t\t\t\t\t\t\t\t    160\n',
    );
  });
  it('logs an empty subject when Subject is the very first line (procmail reads before its buffer there)', () => {
    expect(formatAbstract({ header: 'Subject: first\nFrom: a\n\n', folder: 'box', size: 30 }).split('\n')[0]).toBe(' ');
    // After a From_ line it is an ordinary line again.
    expect(formatAbstract({ header: 'From x  Mon Jan  1 00:00:00 2001\nSubject: s\n\n', folder: 'box', size: 30 }).split('\n')[1]).toBe(' Subject: s');
  });
  it('omits missing From_/Subject and cuts the subject at 78', () => {
    const header = 'To: x\nsubject: ' + 'y'.repeat(100) + '\n\n';
    const a = formatAbstract({ header, folder: '**Bounced**', size: 0 });
    expect(a.split('\n')[0]).toBe(' subject: ' + 'y'.repeat(78 - 9));
    expect(a.split('\n')[1]).toBe('  Folder: **Bounced**\t\t\t\t\t\t\t      0');
  });
});

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

describe('log texts (docs/procmail-semantics.md §8.2, §8.3)', () => {
  it('formats like procmail', () => {
    expect(logtext.skipped('-x')).toBe('procmail: Skipped "-x"\n');
    expect(logtext.match(true, true, 'x')).toBe('procmail: Match on ! "x"\n');
    expect(logtext.match(false, false, 'x')).toBe('procmail: No match on "x"\n');
    expect(logtext.score(8, 8, false, '^x')).toBe('procmail: Score:       8       8 "^x"\n');
    expect(logtext.score(0.3, 0.3, false, 'x')).toBe('procmail: Score:       0      +0 "x"\n');
    expect(logtext.programFailure(3, ' exit 3')).toBe('procmail: Program failure (3) of " exit 3"\n');
  });
});
