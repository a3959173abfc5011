import { describe, expect, it } from 'vitest';
import { MessageView, findBodyStart, unfold } from '../../src/eval/message.js';

const msg = (s: string) => new MessageView(Buffer.from(s, 'latin1'));

describe('MessageView split (docs/procmail-semantics.md §0, mailfold.c readmail)', () => {
  it('header includes the blank line', () => {
    const v = msg('A: 1\nB: 2\n\nbody\n\nmore\n');
    expect(v.header).toBe('A: 1\nB: 2\n\n');
    expect(v.body).toBe('body\n\nmore\n');
    expect(v.whole).toBe('A: 1\nB: 2\n\nbody\n\nmore\n');
    expect(v.size).toBe(22);
  });
  it('no empty line: all header, empty body', () => {
    const v = msg('A: 1\nB: 2\n');
    expect(v.header).toBe('A: 1\nB: 2\n');
    expect(v.body).toBe('');
  });
  it('CRLF lines are not empty lines (\\r is ordinary)', () => {
    const v = msg('A: 1\r\n\r\nbody\r\n');
    expect(v.body).toBe('');
    expect(v.header).toBe('A: 1\r\n\r\nbody\r\n');
  });
  it('leading newlines and the first character after them are skipped', () => {
    expect(findBodyStart(Buffer.from('\n\nS: x\n\nb\n'))).toBe(8);
    expect(findBodyStart(Buffer.from('\n\n\n'))).toBe(3);
    expect(findBodyStart(Buffer.from('\n\nbody'))).toBe(6);
  });
  it('a NUL ends the scan like a C string', () => {
    const raw = Buffer.from('A: 1\0\n\nbody\n', 'latin1');
    expect(findBodyStart(raw)).toBe(raw.length);
  });
  it('unfolds only header continuations, keeping length', () => {
    const v = msg('Subject: a\n b\n\tc\nX: y\n\nbody\n  indented\n');
    expect(v.headerUnfolded).toBe('Subject: a  b \tc\nX: y\n\n');
    expect(v.headerUnfolded.length).toBe(v.header.length);
    expect(v.wholeUnfolded).toBe('Subject: a  b \tc\nX: y\n\nbody\n  indented\n');
    expect(unfold('a\n\n b')).toBe('a\n  b');
  });
  it('bytes map 1:1 to latin1 chars', () => {
    const v = new MessageView(Buffer.from([0x53, 0x3a, 0xe9, 0xff, 0x0a, 0x0a, 0xc4, 0x0a]));
    expect(v.header).toBe('S:\u00e9\u00ff\n\n');
    expect(v.body).toBe('\u00c4\n');
  });
  it('From_ line', () => {
    expect(msg('From a@b Mon Jan  1 00:00:00 2024\nS: x\n\n').fromLine).toBe('From a@b Mon Jan  1 00:00:00 2024');
    expect(msg('From: a@b\n\n').fromLine).toBeNull();
  });
  it('parts and filter replacements', () => {
    const v = msg('H: 1\n\nbody\n');
    expect(v.part({ header: true, body: false }).toString()).toBe('H: 1\n\n');
    expect(v.part({ header: false, body: true }).toString()).toBe('body\n');
    expect(v.part({ header: true, body: true }).toString()).toBe('H: 1\n\nbody\n');
    const h = v.withHeader(Buffer.from('H: 2\nX: 3\n\n'));
    expect(h.header).toBe('H: 2\nX: 3\n\n');
    expect(h.body).toBe('body\n');
    const b = v.withBody(Buffer.from('new\n'));
    expect(b.whole).toBe('H: 1\n\nnew\n');
    const w = v.withWhole(Buffer.from('Z: 9\n\nzz\n'));
    expect([w.header, w.body]).toEqual(['Z: 9\n\n', 'zz\n']);
    expect(v.whole).toBe('H: 1\n\nbody\n');
  });
});

/** What findBodyStart replaced: line by line, as readmail() walks it. */
function findBodyStartReference(raw: Buffer): number {
  const len = raw.length;
  let p = 0;
  while (p < len && raw[p] === 10) p++;
  if (p < len) p++;
  let end = raw.indexOf(0, p);
  if (end < 0) end = len;
  for (;;) {
    const q = raw.indexOf(10, p);
    if (q < 0 || q >= end) return len;
    if (q + 1 < end && raw[q + 1] === 10) return q + 2;
    p = q + 1;
  }
}

describe('unfold', () => {
  it('matches the lookahead-regex form', () => {
    for (const h of ['a\n b\n\tc\n\n', '\n \n\t\n', 'x\n\n y\n', 'no folds\n', '\n\t\t\n  \n', '']) {
      expect(unfold(h)).toBe(h.replace(/\n(?=[ \t])/g, ' '));
    }
  });
});

describe('findBodyStart', () => {
  it('agrees with the line-by-line scan', () => {
    const cases = [
      'A: b\n\nbody\n',
      '\n\n\nA: b\n\nbody',
      'A: b\r\n\r\nbody',
      'A: b\nc: d\n',
      'A\0: b\n\nbody',
      'A: b\n\n\0body',
      '\n',
      '\n\n',
      'x\n\n',
      '',
      'A: b\n\0\nc\n\nbody',
    ];
    for (const c of cases) expect(findBodyStart(Buffer.from(c, 'latin1')), JSON.stringify(c)).toBe(findBodyStartReference(Buffer.from(c, 'latin1')));
  });
});
