import { describe, expect, it } from 'vitest';
import type { EngineInput } from '../../src/eval/input.js';
import { ctime } from '../../src/eval/logtext.js';
import { runEngine, ScriptedAnswerer, type EngineRun, type Script } from '../helpers/scripted-answerer.js';

// Behaviours checked against procmail 3.22 (differential cases 340–348 and
// VERBOSE runs recorded in the report of this change).

const MSG = 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: Hello there\nDate: Mon, 01 Jan 2001\n\nbody\n';

function runRc(rc: string, script: Script = {}, over: Partial<EngineInput> = {}): EngineRun {
  const env = { DEFAULT: 'DEFAULT', LOCKEXT: '.lock', SHELLMETAS: '&|<>~;?*[', SHELL: '/bin/sh', HOST: 'vm', TZ: 'UTC' };
  return runEngine(rc, { message: MSG, env, script, name: 'rc', over });
}

/** Every log line the engine asked for, in order, without the abstract. */
function logText(a: ScriptedAnswerer): string {
  return a.of('log').filter((r) => r.source !== 'abstract').map((r) => r.text).join('');
}

describe('Missing action / Incomplete recipe: the conditions still run', () => {
  it('runs conditions, sets MATCH, logs in procmail order and counts as not matched', () => {
    const rc = ':0\n* 3^0\n{ }\n:0\n* ^Subject: \\/.*\n* ? probe\n* 2^1 e\n* (abc\n\n:0 A\n{ LOG="A ran\n" }\n:0 E\n{ LOG="E ran [$MATCH] [$=]\n" }\n';
    const { a, trace } = runRc(rc);
    expect(a.of('run-condition').map((r) => (r.command.shell ? r.command.text : r.command.argv.join(' ')))).toEqual(['probe']);
    expect(logText(a)).toBe('procmail: Invalid regexp "(abc"\nprocmail: Missing action\nE ran [Hello there] [0]\n');
    const ev = trace.find((e) => e.kind === 'recipe' && e.why === 'missing action');
    expect(ev).toBeDefined();
  });
  it('evaluates nothing when A/E prerequisites fail, but still logs Missing action', () => {
    const { a } = runRc(':0\n* ^Subject\n{ }\n:0 E\n* ? probe\n\n:0\n/dev/null\n');
    expect(a.of('run-condition')).toHaveLength(0);
    expect(logText(a)).toBe('procmail: Missing action\n');
  });
  it('logs VERBOSE condition lines before Missing action', () => {
    const { a } = runRc('VERBOSE=on\n:0\n* ^Subject: \\/H\n\n:0\n/dev/null\n');
    const t = logText(a);
    expect(t.indexOf('Matched "H"')).toBeGreaterThan(-1);
    expect(t.indexOf('Match on "^Subject: \\/H"')).toBeLessThan(t.indexOf('Missing action'));
  });
  it('Incomplete recipe at the end of the file runs its conditions and updates $=', () => {
    const { a } = runRc('LOG="x"\n:0\n* 4^0\n* ? probe');
    expect(a.of('run-condition')).toHaveLength(1);
    expect(logText(a)).toContain('procmail: Incomplete recipe\n');
  });
  // Checked with procmail 3.22 (docs/procmail-semantics.md §13 A): the logs below are its.
  it('uses the flags as conditions() leaves them: `eE` logs the conflict and E no longer keeps prevcond', () => {
    const rc = ':0\n* ^Subject\n{ }\n:0 eE\n* ^Subject\n\n:0 E\n{ LOG="E ran\n" }\n:0\n/dev/null\n';
    const { a } = runRc(rc);
    expect(logText(a)).toBe('procmail: Conflicting else-if-flag suppressed\nprocmail: Missing action\nE ran\n');
  });
  it('logs the header leftovers first, also inside a skipped block', () => {
    const rc = ':0 Z\n* ^Subject\n\n:0\n* ^X-Nope\n{\n:0 Y eE\n* ? probe\n\n:0\n{ }\n}\n:0\n/dev/null\n';
    const { a } = runRc(rc);
    expect(a.of('run-condition')).toHaveLength(0);
    expect(logText(a)).toBe('procmail: Skipped "Z"\nprocmail: Missing action\nprocmail: Skipped "Y eE"\nprocmail: Missing action\n');
  });
  it('an Incomplete recipe inside a skipped block logs the conflict and the error only', () => {
    const { a } = runRc(':0\n* ^X-Nope\n{\n:0 eE Q\n* ? probe\n');
    expect(a.of('run-condition')).toHaveLength(0);
    expect(logText(a)).toBe('procmail: Skipped "Q"\nprocmail: Conflicting else-if-flag suppressed\nprocmail: Incomplete recipe\n');
  });
});

describe('LINEBUF overflow (docs/procmail-semantics.md §5.2)', () => {
  const xs = (n: number) => 'x'.repeat(n);
  it('an assignment that does not fit keeps the old value and sets PROCMAIL_OVERFLOW', () => {
    const { a } = runRc(`LINEBUF=128\nA=old\nA=${xs(127)}\nB=${xs(126)}\nLOG="[$A][\${B:+fits}][$PROCMAIL_OVERFLOW]\n"\n`);
    expect(logText(a)).toBe('procmail: Exceeded LINEBUF\n[old][fits][yes]\n');
  });
  it('a condition of LINEBUF bytes fails even when negated; one byte less fits', () => {
    const long = runRc(`LINEBUF=128\n:0\n* ! ${xs(126)}\n{ LOG="held\n" }\n`);
    expect(logText(long.a)).toBe('procmail: Exceeded LINEBUF\n');
    const fits = runRc(`LINEBUF=128\n:0\n* ! ${xs(125)}\n{ LOG="held\n" }\n`);
    expect(logText(fits.a)).toBe('held\n');
  });
  it('an expanded condition that overflows fails', () => {
    const { a } = runRc(`LINEBUF=128\nB=${xs(60)}\n:0\n* ! $ $B$B$B\n{ LOG="held\n" }\n`);
    expect(logText(a)).toBe('procmail: Exceeded LINEBUF\n');
  });
  it('a folder action that overflows fails the recipe without a delivery request', () => {
    const { a } = runRc(`LINEBUF=128\nB=${xs(60)}\n:0\nbox$B$B$B\n:0 e\n{ LOG="failed\n" }\n:0\nok\n`);
    expect(a.delivered()).toEqual(['ok']);
    expect(logText(a)).toBe('procmail: Exceeded LINEBUF\nfailed\n');
  });
  it('the quick path leaves long conditions to the slow one', () => {
    // All-regex recipe: the quick path would otherwise miss the overflow.
    const { a } = runRc(`LINEBUF=128\n:0\n* ^Subject\n* ! ${xs(130)}\n{ LOG="held\n" }\n`);
    expect(logText(a)).toBe('procmail: Exceeded LINEBUF\n');
  });
});

describe('MATCH from weighted conditions (docs/procmail-semantics.md §3.5, §4)', () => {
  it('a weighted `\\/` regex sets MATCH from its last match', () => {
    const { a } = runRc(':0\n* 1^1 ^[A-Z][a-z]+: \\/[a-z]+\n{ }\nLOG="[$MATCH][$=]\n"\n');
    expect(logText(a)).toBe('[Mon][4]\n');
  });
  it('a failing weighted recipe still sets MATCH', () => {
    const { a } = runRc(':0\n* -1^0 ^Subject: \\/.*\n{ }\nLOG="[$MATCH][$=]\n"\n');
    expect(logText(a)).toBe('[Hello there][-1]\n');
  });
  it('a negated weighted regex that matches sets MATCH; one that does not leaves it', () => {
    const { a } = runRc(':0\n* 1^0 ! ^From: \\/.*\n{ }\nLOG="[$MATCH][$=]\n"\n:0\n* 1^0 ! ^X-Nope: \\/.*\n{ }\nLOG="[$MATCH][$=]\n"\n');
    expect(logText(a)).toBe('[Alice <alice@example.com>][0]\n[Alice <alice@example.com>][1]\n');
  });
});

describe('VERBOSE lines (docs/procmail-semantics.md §8.2)', () => {
  it('logs VERBOSE lines without the clock stamp (the answerer writes `[pid] <ctime>`)', () => {
    expect(logText(runRc('VERBOSE=on\nX=1\n').a)).toBe('procmail: Assigning "X=1"\n');
    expect(logText(runRc('X=1\n:0\n* (a\n{ }\n').a)).toBe('procmail: Invalid regexp "(a"\n');
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
    expect(logText(a)).toBe(
      'procmail: Assigning "MATCH="\nprocmail: Matched "Hello there"\nprocmail: Match on "^Subject: \\/.*"\n' +
        'procmail: Matched "there"\nprocmail: Match on "Hello \\/.*"\n',
    );
  });
  it('shows a `?` program by its first word when run without a shell', () => {
    const { a } = runRc('VERBOSE=on\n:0\n* ? true\n{ }\n');
    expect(logText(a)).toBe('procmail: Executing "true"\nprocmail: Match on "true"\n');
  });
  it('assigns LASTFOLDER before executing a delivering pipe or a forward', () => {
    const { a } = runRc('VERBOSE=on\n:0 c\n| cat > x\n:0\n! a@b\n', {}, { env: { SENDMAIL: '/bin/false', SENDMAILFLAGS: '-oi', SHELLMETAS: '&|<>~;?*[' } });
    expect(logText(a)).toContain('procmail: Assigning "LASTFOLDER= cat > x"\nprocmail: Executing " cat > x"\n');
    expect(logText(a)).toContain('procmail: Assigning "LASTFOLDER=/bin/false -oi a@b"\nprocmail: Executing "/bin/false,-oi,a@b"\n');
  });
});

describe('DELIVERED=yes (docs/procmail-semantics.md §5.2)', () => {
  it('exits 0 once the message is delivered, whatever EXITCODE says afterwards', () => {
    const { out } = runRc('DELIVERED=yes\nEXITCODE=5\n:0\nbox\n');
    expect(out).toMatchObject({ exitCode: 0, deliveredEarly: true });
  });
  it('returns the failure instead of losing the message when nothing could be delivered', () => {
    const { out, trace } = runRc('DELIVERED=yes\n:0\n* ^X-Nope\nnope\n', { failFolders: ['DEFAULT'] });
    expect(out).toMatchObject({ exitCode: 73, disposition: 'bounced', deliveredEarly: true });
    expect(trace.some((e) => e.kind === 'note' && e.text.includes('would have lost'))).toBe(true);
  });
  it('DELIVERED=no changes nothing', () => {
    const { out } = runRc('DELIVERED=no\nEXITCODE=5\n:0\nbox\n');
    expect(out.exitCode).toBe(5);
    expect(out.deliveredEarly).toBeUndefined();
  });
});
