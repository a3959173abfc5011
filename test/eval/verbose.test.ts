import { describe, expect, it } from 'vitest';
import { ctime } from '../../src/eval/logtext.js';
import { runRc } from './helpers.js';

describe('VERBOSE lines (docs/procmail-semantics.md §8.2)', () => {
  it('logs VERBOSE lines without the clock stamp (the answerer writes `[pid] <ctime>`)', () => {
    expect(runRc('VERBOSE=on\nX=1\n').a.log()).toBe('procmail: Assigning "X=1"\n');
    expect(runRc('X=1\n:0\n* (a\n{ }\n').a.log()).toBe('procmail: Invalid regexp "(a"\n');
  });
  it('marks the abstract logged when processing ends, with its folder', () => {
    const { a } = runRc('LOGABSTRACT=all\n:0 c\ncopy\n');
    const abstracts = a.of('log').filter((r) => r.source === 'abstract').map((r) => r.abstract);
    expect(abstracts).toEqual([
      { folder: 'copy', closing: false },
      { folder: 'DEFAULT', closing: true },
    ]);
  });
  it('formats ctime like C: space-padded day, TZ from the environment', () => {
    expect(ctime(Date.UTC(2001, 0, 1, 0, 0, 0), 'UTC')).toBe('Mon Jan  1 00:00:00 2001');
    expect(ctime(Date.UTC(2001, 0, 1, 0, 0, 0), 'Europe/Amsterdam')).toBe('Mon Jan  1 01:00:00 2001');
  });
  it('logs an empty MATCH assignment before Matched, except when searching MATCH itself', () => {
    const { a } = runRc('VERBOSE=on\n:0\n* ^Subject: \\/.*\n* MATCH ?? Hello \\/.*\n{ }\n');
    expect(a.log()).toBe(
      'procmail: Assigning "MATCH="\nprocmail: Matched "Hello there"\nprocmail: Match on "^Subject: \\/.*"\n' +
        'procmail: Matched "there"\nprocmail: Match on "Hello \\/.*"\n',
    );
  });
  it('shows a `?` program by its first word when run without a shell', () => {
    const { a } = runRc('VERBOSE=on\n:0\n* ? true\n{ }\n');
    expect(a.log()).toBe('procmail: Executing "true"\nprocmail: Match on "true"\n');
  });
  it('assigns LASTFOLDER before executing a delivering pipe or a forward', () => {
    const { a } = runRc('VERBOSE=on\n:0 c\n| cat > x\n:0\n! a@b\n', {}, { env: { SENDMAIL: '/bin/false', SENDMAILFLAGS: '-oi', SHELLMETAS: '&|<>~;?*[' } });
    expect(a.log()).toContain('procmail: Assigning "LASTFOLDER= cat > x"\nprocmail: Executing " cat > x"\n');
    expect(a.log()).toContain('procmail: Assigning "LASTFOLDER=/bin/false -oi a@b"\nprocmail: Executing "/bin/false,-oi,a@b"\n');
  });
});
