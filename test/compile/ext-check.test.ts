import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/source/diagnostic.js';
import type { Span } from '../../src/source/span.js';
import { validateExtAction, validateExtCondition } from '../../src/compile/ext-check.js';

/** A one-line rc file whose extension text starts at column `col`. */
function at(text: string, prefix: string): { span: Span; source: string } {
  const source = `:0\n${prefix}${text}\n`;
  const start = 3 + prefix.length;
  return { span: { file: 'rules.rc', line: 2, col: prefix.length + 1, start, end: start + text.length }, source };
}

function check(kind: 'cond' | 'action', verb: string, args: string) {
  const prefix = kind === 'cond' ? '* ' : '';
  const { span, source } = at(`@${verb}${args === '' ? '' : ' ' + args}`, prefix);
  const ds = kind === 'cond' ? validateExtCondition(verb, args, span) : validateExtAction(verb, args, span);
  return ds.map((d) => ({ code: d.code, col: d.span.col, text: source.slice(d.span.start, d.span.end), out: formatDiagnostic(d, source) }));
}

describe('validateExtCondition', () => {
  it('accepts the documented forms', () => {
    expect(check('cond', 'address', 'To,Cc in friends.txt')).toEqual([]);
    expect(check('cond', 'address', 'To, Cc:, Resent-To in "$HOME/my lists/friends"')).toEqual([]);
    expect(check('cond', 'sender', 'in $MAILDIR/whitelist')).toEqual([]);
    expect(check('cond', 'loop', '')).toEqual([]);
  });
  it('points at an unknown verb', () => {
    const [d] = check('cond', 'adress', 'From in x');
    expect(d!.code).toBe('ext-unknown-condition');
    expect(d!.text).toBe('@adress');
    expect(d!.out).toMatch(/^rules\.rc:2:3: error: unknown extension condition `@adress`/);
  });
  it('says an action is not a condition', () => {
    expect(check('cond', 'discard', '')[0]!.out).toMatch(/is an action, not a condition/);
  });
  it('missing `in FILE`', () => {
    const [d] = check('cond', 'address', 'From,To');
    expect(d!.code).toBe('ext-missing-in');
    expect(check('cond', 'sender', '')[0]!.code).toBe('ext-missing-in');
    expect(check('cond', 'sender', 'from list')[0]!.text).toBe('from list');
  });
  it('missing FILE after in', () => {
    const [d] = check('cond', 'address', 'From in');
    expect(d!.code).toBe('ext-missing-file');
    expect(d!.text).toBe('in');
  });
  it('bad header list, pointing at the bad name', () => {
    const [d] = check('cond', 'address', 'From,,To in x');
    expect(d!.code).toBe('ext-bad-header-list');
    expect(d!.col).toBe('* @address From,'.length + 1);
    const [e] = check('cond', 'address', 'From To in x');
    expect(e!.text).toBe('From To');
    expect(e!.out).toMatch(/separate header names with commas/);
    expect(check('cond', 'address', 'in x')[0]!.code).toBe('ext-missing-headers');
  });
  it('unterminated quote and trailing words', () => {
    const [d] = check('cond', 'sender', 'in "my list');
    expect(d!.code).toBe('ext-unterminated-quote');
    expect(d!.text).toBe('"my list');
    const [e] = check('cond', 'sender', 'in my list');
    expect(e!.code).toBe('ext-trailing-text');
    expect(e!.text).toBe('list');
    expect(check('cond', 'loop', 'x')[0]!.code).toBe('ext-trailing-text');
  });
});

describe('validateExtAction', () => {
  it('accepts the documented forms', () => {
    expect(check('action', 'discard', '')).toEqual([]);
    expect(check('action', 'reject', '"No such user here"')).toEqual([]);
    expect(check('action', 'reject', 'bare text works too')).toEqual([]);
    expect(check('action', 'bounce', "'Not accepted: $NOT_EXPANDED'")).toEqual([]);
    expect(check('action', 'reply', '"I am away until Monday."')).toEqual([]);
    expect(check('action', 'reply', '< $HOME/vacation.txt')).toEqual([]);
    expect(check('action', 'reply', '<vacation.txt')).toEqual([]);
  });
  it('missing text', () => {
    for (const v of ['reject', 'bounce', 'reply']) {
      const [d] = check('action', v, '');
      expect(d!.code).toBe('ext-missing-text');
      expect(d!.col).toBe(v.length + 2);
    }
    expect(check('action', 'reject', '""')[0]!.code).toBe('ext-missing-text');
    expect(check('action', 'reply', '<')[0]!.code).toBe('ext-missing-file');
  });
  it('unterminated quote points at the quote', () => {
    const [d] = check('action', 'bounce', '"go away');
    expect(d!.code).toBe('ext-unterminated-quote');
    expect(d!.col).toBe('@bounce '.length + 1);
    expect(d!.out.split('\n')[2]).toBe('        ^');
  });
  it('text after the closing quote', () => {
    const [d] = check('action', 'reject', '"no" thanks');
    expect(d!.code).toBe('ext-trailing-text');
    expect(d!.text).toBe('thanks');
  });
  it('unknown verb and conditions used as actions', () => {
    expect(check('action', 'bounced', '"x"')[0]!.code).toBe('ext-unknown-action');
    expect(check('action', 'loop', '')[0]!.out).toMatch(/is a condition, not an action/);
    expect(check('action', 'discard', 'now')[0]!.code).toBe('ext-trailing-text');
  });
  it('uses argsSpan when the parser gives it', () => {
    const span: Span = { file: 'r', line: 5, col: 1, start: 100, end: 120 };
    const argsSpan: Span = { file: 'r', line: 5, col: 12, start: 111, end: 120 };
    const [d] = validateExtAction('bounce', '"oops', span, argsSpan);
    expect(d!.span.col).toBe(12);
    expect(d!.span.start).toBe(111);
  });
});
