import { describe, expect, it } from 'vitest';
import { escapeFromLines, headerEnd, rewriteContentLength } from '../../src/deliver/message-format.js';
import { needsTrailingNewline, stripFromLine, withTrailingNewline } from '../../src/eval/program-input.js';
import { folderBytes } from '../../src/deliver/folders.js';
import { ultoan } from '../../src/deliver/ultoan.js';
import { maildirHost } from '../../src/deliver/unique-name.js';
import { ctime, applyFromLine } from '../../src/deliver/from-line.js';
import { fullFeed } from './helpers.js';

const b = (s: string) => Buffer.from(s, 'latin1');
const s = (x: Buffer) => x.toString('latin1');

describe('trailing-newline rule (docs/procmail-semantics.md §7.2)', () => {
  it('adds one newline unless the data ends with a blank line', () => {
    expect(s(withTrailingNewline(b('a\n')))).toBe('a\n\n');
    expect(s(withTrailingNewline(b('a')))).toBe('a\n');
    expect(s(withTrailingNewline(b('a\n\n')))).toBe('a\n\n');
    expect(s(withTrailingNewline(b('')))).toBe('\n');
    expect(needsTrailingNewline(b('\n'))).toBe(true);
  });
});

describe('From_ escaping (mboxo)', () => {
  it('escapes From lines in header and body but not the first line or >From', () => {
    const data = b('From x  date\nX: 1\n\nFrom the body\n>From y\nFrom z\n');
    const out = escapeFromLines(data, headerEnd(data), headerEnd(data) - 1);
    expect(s(out)).toBe('From x  date\nX: 1\n\n>From the body\n>From y\n>From z\n');
  });
  it('file folders get escaping and the newline; r turns both off; MH only the newline', () => {
    const data = b('From: a\n\nFrom b\n');
    expect(s(folderBytes('file', data, { feed: fullFeed, berkeley: false }))).toBe('From: a\n\n>From b\n\n');
    expect(s(folderBytes('file', data, { feed: { ...fullFeed, raw: true }, berkeley: false }))).toBe('From: a\n\nFrom b\n');
    expect(s(folderBytes('mh', data, { feed: fullFeed, berkeley: false }))).toBe('From: a\n\nFrom b\n\n');
    expect(s(folderBytes('dir', data, { feed: fullFeed, berkeley: false }))).toBe('From: a\n\nFrom b\n\n');
  });
  it('maildir loses the From_ line and >From lines after it, and gets nothing added', () => {
    const data = b('From x  date\n>From y  date\nSubject: a\n\nFrom body\n');
    expect(s(folderBytes('maildir', data, { feed: fullFeed, berkeley: false }))).toBe('Subject: a\n\nFrom body\n');
    expect(s(stripFromLine(b('Subject: a\n\n')))).toBe('Subject: a\n\n');
  });
  it('body-only feeds escape every From line but the first', () => {
    const feed = { ...fullFeed, header: false };
    expect(s(folderBytes('file', b('From a\nFrom b\n'), { feed, berkeley: false }))).toBe('From a\n>From b\n\n');
  });
});

describe('Content-Length (docs/procmail-semantics.md §7.2, verified against procmail)', () => {
  const body = 'From a\nbody\nFrom b\n';
  it('rewrites right-aligned in the existing width and leaves covered From lines alone', () => {
    const data = b(`Content-Length: 99999\nSubject: cl\n\n${body}`);
    expect(s(folderBytes('file', data, { feed: fullFeed, berkeley: false }))).toBe(`Content-Length:    19\nSubject: cl\n\n${body}\n`);
  });
  it('loses the space when the field was narrow', () => {
    expect(s(rewriteContentLength(b(`Content-Length: 5\nSubject: cl\n\n${body}`)).data)).toBe(`Content-Length:19\nSubject: cl\n\n${body}`);
  });
  it('fills the field with 9s when the number does not fit, covering that many bytes', () => {
    const r = rewriteContentLength(b(`Content-length: \n\nFrom a\nFrom b\n`));
    expect(s(r.data)).toBe('Content-length:9\n\nFrom a\nFrom b\n');
    expect(s(escapeFromLines(r.data, headerEnd(r.data), r.escapeFrom))).toBe('Content-length:9\n\nFrom a\nFrom b\n');
  });
  it('does not count the separator newline of a message ending in a blank line', () => {
    expect(s(rewriteContentLength(b('Content-Length: 000\n\nabc\n\n')).data)).toBe('Content-Length:   4\n\nabc\n\n');
  });
  it('-Y leaves the field alone and escapes the body', () => {
    const data = b(`Content-Length: 99999\nSubject: cl\n\n${body}`);
    expect(s(folderBytes('file', data, { feed: fullFeed, berkeley: true }))).toBe(`Content-Length: 99999\nSubject: cl\n\n>From a\nbody\n>From b\n\n`);
  });
});

describe('names', () => {
  it('ultoan matches procmail (inode 2146527 → fDMI)', () => {
    expect(ultoan(2146527)).toBe('fDMI');
    expect(ultoan(0)).toBe('A');
    expect(ultoan(63)).toBe('_');
  });
  it('maildir host escapes / : \\ as octal', () => {
    expect(maildirHost('a/b:c\\d')).toBe('a\\057b\\072c\\134d');
  });
});

describe('From_ line (docs/procmail-semantics.md §7.1)', () => {
  const now = new Date(2026, 10, 21, 8, 21, 9);
  it('formats ctime with a space-padded day', () => {
    expect(ctime(new Date(2001, 0, 1, 0, 0, 0))).toBe('Mon Jan  1 00:00:00 2001');
  });
  it('generates, keeps, replaces and refreshes', () => {
    const o = { generate: true, from: null, invoker: 'me', now };
    expect(s(applyFromLine(b('\n\nSubject: a\n\n'), o))).toBe('From me  Sat Nov 21 08:21:09 2026\nSubject: a\n\n');
    const withFrom = b('From old@x  Mon Jan  1 00:00:00 2001\nSubject: a\n\n');
    expect(s(applyFromLine(withFrom, o))).toBe(s(withFrom));
    expect(s(applyFromLine(withFrom, { ...o, from: 'new@y' }))).toBe('From new@y  Sat Nov 21 08:21:09 2026\nSubject: a\n\n');
    expect(s(applyFromLine(withFrom, { ...o, from: '-' }))).toBe('From old@x  Sat Nov 21 08:21:09 2026\nSubject: a\n\n');
    expect(s(applyFromLine(b('\nSubject: a\n'), { ...o, generate: false }))).toBe('\nSubject: a\n');
  });
});

// A minimal reproducer found by test/fuzz/engine.test.ts (the engine's side: test/eval/content-length.test.ts).
describe('rewriteContentLength and a lone CR', () => {
  it('does not take "\\rContent-Length:" for a field (procmail 3.22 leaves it; only a line start counts)', () => {
    const m = Buffer.from('Subject: x\rContent-Length: 7\nX: y\n\nFrom a\n', 'latin1');
    const r = rewriteContentLength(m);
    expect(r.data.toString('latin1')).toBe(m.toString('latin1'));
    // No field, so the body is escaped from its first line.
    expect(r.escapeFrom).toBe(m.indexOf('\n\n') + 1);
  });
  it('still rewrites the field on a line of its own', () => {
    expect(rewriteContentLength(Buffer.from('X: y\nContent-Length: 7\n\nab\n', 'latin1')).data.toString('latin1')).toBe('X: y\nContent-Length: 3\n\nab\n');
  });
});
