import { describe, expect, it } from 'vitest';
import { runRc } from './helpers.js';

describe('Missing action / Incomplete recipe: the conditions still run', () => {
  it('runs conditions, sets MATCH, logs in procmail order and counts as not matched', () => {
    const rc = ':0\n* 3^0\n{ }\n:0\n* ^Subject: \\/.*\n* ? probe\n* 2^1 e\n* (abc\n\n:0 A\n{ LOG="A ran\n" }\n:0 E\n{ LOG="E ran [$MATCH] [$=]\n" }\n';
    const { a, trace } = runRc(rc);
    expect(a.of('run-condition').map((r) => (r.command.shell ? r.command.text : r.command.argv.join(' ')))).toEqual(['probe']);
    expect(a.log()).toBe('procmail: Invalid regexp "(abc"\nprocmail: Missing action\nE ran [Hello there] [0]\n');
    const ev = trace.find((e) => e.kind === 'recipe' && e.why === 'missing action');
    expect(ev).toBeDefined();
  });
  it('evaluates nothing when A/E prerequisites fail, but still logs Missing action', () => {
    const { a } = runRc(':0\n* ^Subject\n{ }\n:0 E\n* ? probe\n\n:0\n/dev/null\n');
    expect(a.of('run-condition')).toHaveLength(0);
    expect(a.log()).toBe('procmail: Missing action\n');
  });
  it('logs VERBOSE condition lines before Missing action', () => {
    const { a } = runRc('VERBOSE=on\n:0\n* ^Subject: \\/H\n\n:0\n/dev/null\n');
    const t = a.log();
    expect(t.indexOf('Matched "H"')).toBeGreaterThan(-1);
    expect(t.indexOf('Match on "^Subject: \\/H"')).toBeLessThan(t.indexOf('Missing action'));
  });
  it('Incomplete recipe at the end of the file runs its conditions and updates $=', () => {
    const { a } = runRc('LOG="x"\n:0\n* 4^0\n* ? probe');
    expect(a.of('run-condition')).toHaveLength(1);
    expect(a.log()).toContain('procmail: Incomplete recipe\n');
  });
  // Checked with procmail 3.22 (docs/procmail-semantics.md §13 A): the logs below are its.
  it('uses the flags as conditions() leaves them: `eE` logs the conflict and E no longer keeps prevcond', () => {
    const rc = ':0\n* ^Subject\n{ }\n:0 eE\n* ^Subject\n\n:0 E\n{ LOG="E ran\n" }\n:0\n/dev/null\n';
    const { a } = runRc(rc);
    expect(a.log()).toBe('procmail: Conflicting else-if-flag suppressed\nprocmail: Missing action\nE ran\n');
  });
  it('logs the header leftovers first, also inside a skipped block', () => {
    const rc = ':0 Z\n* ^Subject\n\n:0\n* ^X-Nope\n{\n:0 Y eE\n* ? probe\n\n:0\n{ }\n}\n:0\n/dev/null\n';
    const { a } = runRc(rc);
    expect(a.of('run-condition')).toHaveLength(0);
    expect(a.log()).toBe('procmail: Skipped "Z"\nprocmail: Missing action\nprocmail: Skipped "Y eE"\nprocmail: Missing action\n');
  });
  it('an Incomplete recipe inside a skipped block logs the conflict and the error only', () => {
    const { a } = runRc(':0\n* ^X-Nope\n{\n:0 eE Q\n* ? probe\n');
    expect(a.of('run-condition')).toHaveLength(0);
    expect(a.log()).toBe('procmail: Skipped "Q"\nprocmail: Conflicting else-if-flag suppressed\nprocmail: Incomplete recipe\n');
  });
});
