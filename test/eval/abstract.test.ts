import { describe, expect, it } from 'vitest';
import { folderLine, formatAbstract } from '../../src/eval/log-abstract.js';

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
