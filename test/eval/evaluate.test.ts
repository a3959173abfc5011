import { describe, expect, it } from 'vitest';
import type { EngineInput } from '../../src/eval/input.js';
import { withTrailingNewline } from '../../src/eval/program-input.js';
import { runEngine, ScriptedAnswerer, type EngineRun, type Script } from '../helpers/scripted-answerer.js';

const MSG =
  'From alice@example.com  Mon Jan  1 00:00:00 2001\n' +
  'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: Hello there\n continued subject\n\nbody line1\nline2\n';

const ENV = { DEFAULT: 'DEFAULT', LOCKEXT: '.lock', SENDMAIL: '/usr/sbin/sendmail', SENDMAILFLAGS: '-oi', SHELLMETAS: '&|<>~;?*[', SHELL: '/bin/sh', SHELLFLAGS: '-c', HOST: 'vm' };

function runRc(rc: string | string[], script: Script = {}, over: Partial<EngineInput> = {}): EngineRun {
  return runEngine(rc, { message: MSG, env: ENV, script, over });
}

/** `LOG` values, for probing variables the way docs/procmail-semantics.md §13 C does. */
function logs(a: ScriptedAnswerer): string {
  return a.of('log').filter((r) => r.source === 'LOG').map((r) => r.text).join('');
}

describe('delivery and fall-back (docs/procmail-semantics.md §7.7)', () => {
  it('delivers to a matching folder and ends', () => {
    const { out, a } = runRc(':0:\n* ^Subject:.*hello\nhello.mbox\n:0\nnever\n');
    expect(a.delivered()).toEqual(['hello.mbox']);
    expect(a.of('deliver')[0]!.lockfile).toBe('hello.mbox.lock');
    expect(out).toMatchObject({ exitCode: 0, disposition: 'delivered', lastFolder: 'hello.mbox' });
  });
  it('falls off the end into DEFAULT with its lock, flagged fallback', () => {
    const { out, a } = runRc(':0\n* ^X-Nope\nnope\n');
    const d = a.of('deliver');
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ folders: ['DEFAULT'], lockfile: 'DEFAULT.lock', fallback: true });
    expect(d[0]!.origin.reason).toBe('fell off the end of the rcfile');
    expect(out.exitCode).toBe(0);
  });
  it('tries ORGMAIL (unlocked) when DEFAULT fails, then bounces 73 or requeues 75', () => {
    const s = { failFolders: ['DEFAULT', '/var/mail/x'] };
    const r1 = runRc('', s, { env: { DEFAULT: 'DEFAULT', ORGMAIL: '/var/mail/x', LOCKEXT: '.lock' } });
    expect(r1.a.delivered()).toEqual(['FALLBACK:DEFAULT', 'FALLBACK:/var/mail/x']);
    expect(r1.a.of('deliver')[1]!.lockfile).toBeNull();
    expect(r1.out).toMatchObject({ exitCode: 73, disposition: 'bounced' });
    const r2 = runRc('', s, { tempfail: true, env: { DEFAULT: 'DEFAULT', ORGMAIL: '/var/mail/x' } });
    expect(r2.out).toMatchObject({ exitCode: 75, disposition: 'requeued' });
  });
  it('skips ORGMAIL when it equals DEFAULT', () => {
    const { a } = runRc('', { failFolders: ['same'] }, { env: { DEFAULT: 'same', ORGMAIL: 'same' } });
    expect(a.delivered()).toEqual(['FALLBACK:same']);
  });
  it('under -m delivers only to a DEFAULT the rc (or command line) assigned', () => {
    const r1 = runRc('', {}, { filterMode: true, env: { DEFAULT: '/var/mail/u' } });
    expect(r1.a.delivered()).toEqual([]);
    expect(r1.out.exitCode).toBe(73);
    const r2 = runRc('DEFAULT=mine\n', {}, { filterMode: true, env: { DEFAULT: '/var/mail/u' } });
    expect(r2.a.delivered()).toEqual(['FALLBACK:mine']);
    const r3 = runRc('', {}, { filterMode: true, env: {}, assignments: [{ name: 'DEFAULT', value: 'cl' }] });
    expect(r3.a.delivered()).toEqual(['FALLBACK:cl']);
  });
  it('continues after a failed delivering recipe', () => {
    const { a, out } = runRc(':0\nbad\n:0\ngood\n', { failFolders: ['bad'] });
    expect(a.delivered()).toEqual(['bad', 'good']);
    expect(out.lastFolder).toBe('good');
  });
  it('c delivers a copy and continues', () => {
    const { a } = runRc(':0 c\ncopy\n:0\nfinal\n');
    expect(a.delivered()).toEqual(['copy', 'final']);
  });
  it('splits unquoted folder expansions', () => {
    const { a } = runRc('F="dir/ two/"\n:0\n$F\n');
    expect(a.of('deliver')[0]!.folders).toEqual(['dir/', 'two/']);
  });
  it('feeds h/b parts', () => {
    const { a } = runRc(':0 hc\nh\n:0 bc\nb\n:0\nall\n');
    const d = a.of('deliver');
    expect(d[0]!.data.toString('latin1').endsWith('continued subject\n\n')).toBe(true);
    expect(d[1]!.data.toString('latin1')).toBe('body line1\nline2\n');
    expect(d[2]!.data.toString('latin1')).toBe(MSG);
    expect(d[0]!.feed).toMatchObject({ header: true, body: false });
  });
});

describe('flag chaining (docs/procmail-semantics.md §2)', () => {
  // LOG probes of which recipes ran; each body is a block logging its letter.
  const probe = (flags: string, cond: string, tag: string) => `:0 ${flags}\n${cond ? `* ${cond}\n` : ''}{ LOG="${tag}" }\n`;
  it('E runs only when the previous recipe did not', () => {
    const { a } = runRc(probe('', '^X-Nope', '1') + probe('E', '', '2') + probe('E', '', '3'));
    expect(logs(a)).toBe('2');
  });
  it('A runs when the last non-A recipe matched; a also needs success', () => {
    const { a } = runRc(probe('', '^Subject', '1') + probe('A', '', '2') + probe('a', '', '3') + probe('', '^X-Nope', '4') + probe('A', '', '5'));
    expect(logs(a)).toBe('123');
  });
  it('e runs when the previous recipe matched and its action failed', () => {
    const { a } = runRc(':0\n* ^Subject\nbad\n' + probe('e', '', 'E'), { failFolders: ['bad'] });
    expect(logs(a)).toBe('E');
    const r2 = runRc(':0 c\n* ^Subject\ngood\n' + probe('e', '', 'E'));
    expect(logs(r2.a)).toBe('');
  });
  it('a block pushes and pops prevcond/lastcond, so E after a block is an else', () => {
    const { a } = runRc(':0\n* ^Subject\n{\n:0\n* ^X-Nope\n{ }\n}\n' + probe('E', '', 'else'));
    expect(logs(a)).toBe('');
    const r2 = runRc(':0\n* ^X-Nope\n{\n}\n' + probe('E', '', 'else'));
    expect(logs(r2.a)).toBe('else');
  });
  it('c on a block: the clone runs the block and the rest, the parent skips the block', () => {
    // Verified with procmail: blk (clone) and after (parent), one copy each.
    const { a, out } = runRc(':0 c\n{\n:0\nblk\n}\n:0\nafter\n');
    expect(a.delivered()).toEqual(['blk', 'after']);
    expect(out.lastFolder).toBe('after');
    // A block that delivers nothing: both processes deliver "after" (two copies).
    const r2 = runRc(':0 c\n{\n}\n:0\nafter\n');
    expect(r2.a.delivered()).toEqual(['after', 'after']);
  });
});

describe('conditions and MATCH (docs/procmail-semantics.md §1.5, §3.5)', () => {
  it('sets MATCH even when a later condition fails', () => {
    // Verified with procmail: M=Hello.
    const { a } = runRc(':0\n* ^Subject:.*\\/Hello\n* ^X-Nope\n{ }\nLOG="M=$MATCH|$=\n"\n');
    expect(logs(a)).toBe('M=Hello|0\n');
  });
  it('searches VAR ?? values and sizes', () => {
    const { a } = runRc('V=abc\n:0\n* V ?? ^^abc^^\n* < 100000\n* > 10\n{ LOG=yes }\n:0\n* V ?? > 3\n{ LOG=no }\n');
    expect(logs(a)).toBe('yes');
  });
  it('re-parses $ conditions after expansion', () => {
    const { a } = runRc('P=Hello\nN="!"\n:0\n* $ ^Subject: $P\n{ LOG=1 }\n:0\n* $ $N ^Subject: $P\n{ LOG=2 }\n');
    expect(logs(a)).toBe('1');
  });
  it('runs ? programs with the header on stdin', () => {
    const { a } = runRc(':0\n* ? check\n{ LOG=ok }\n:0 B\n* ! ? fail\n{ LOG=neg }\n', { programs: { fail: { exit: 1 } } });
    const rc = a.of('run-condition');
    // The search area, with procmail's trailing-newline rule applied: exactly the bytes the program reads.
    expect(rc[0]!.call.input.toString('latin1').endsWith('subject\n\n')).toBe(true);
    expect(rc[1]!.call.input.toString('latin1')).toBe('body line1\nline2\n\n');
    expect(logs(a)).toBe('okneg');
  });
  it('scores weighted conditions and sets $= for every recipe', () => {
    // docs/procmail-semantics.md §4: 1^1 over 4 lines = 4, ? prog exit 0 adds w, else x.
    const { a } = runRc(':0 B\n* 1^1 ^.*$\n{ }\nLOG="$=|"\n:0\n* 5^3 ? ok\n* 2^7 ? bad\n{ }\nLOG="$=|"\n:0\n* -1^0 ^Subject\n{ LOG=ran }\nLOG="$="\n', { programs: { bad: { exit: 1 } } });
    expect(logs(a)).toMatch(/^\d+\|12\|-1$/);
  });
});

describe('variables and special assignments (docs/procmail-semantics.md §1.3, §5.2)', () => {
  it('expands specials', () => {
    const { a } = runRc('LOG="$$|$0|$#|$1|${U:-d}|$_"\nSHIFT=1\nLOG="|$1|$#"\n', {}, { args: ['a', 'b'] });
    expect(logs(a)).toBe('4242|procmail|2|a|d|rc0|b|1');
  });
  it('runs backticks with the whole message, stripping all newlines', () => {
    const { a } = runRc('X=`date`\nLOG="[$X]"\n', { programs: { date: { out: 'today\n\n' } } });
    expect(logs(a)).toBe('[today]');
    const c = a.of('capture')[0]!;
    expect(c.form).toBe('backtick');
    expect(c.call.input.toString('latin1')).toBe(withTrailingNewline(Buffer.from(MSG, 'latin1')).toString('latin1'));
  });
  it('VAR=| strips exactly one newline and is non-delivering', () => {
    const { a, out } = runRc(':0\nX=| echo\nLOG="[$X]"\n', { programs: { echo: { out: 'a\n\n' } } });
    expect(logs(a)).toBe('[a\n]');
    expect(a.of('capture')[0]!.form).toBe('assign');
    expect(out.disposition).toBe('delivered');
    expect(a.delivered()).toEqual(['FALLBACK:DEFAULT']);
  });
  it('yields chdir, open-log, log, global-lock and umask requests', () => {
    const { a } = runRc('MAILDIR=/m\nLOGFILE=l\nLOG=hi\nLOCKFILE=g.lock\nLOCKFILE\nUMASK=022\n');
    expect(a.of('chdir')[0]!.dir).toBe('/m');
    expect(a.of('open-log')[0]!.path).toBe('l');
    expect(a.of('global-lock').map((r) => [r.release, r.acquire])).toEqual([[null, 'g.lock'], ['g.lock', null]]);
    expect(a.of('umask')[0]!.mask).toBe(0o22);
  });
  it('a failed MAILDIR chdir leaves MAILDIR=.', () => {
    const { a } = runRc('MAILDIR=/nope\nLOG="$MAILDIR"\n', { failChdir: true });
    expect(logs(a)).toBe('.');
    expect(a.logText()).toContain('procmail: Couldn\'t chdir to "/nope"\n');
  });
  it('decides shell vs argv by SHELLMETAS', () => {
    const { a } = runRc('A=x\n:0 c\n| cat $A "$A b"\n:0\n| cat > $A\n');
    const p = a.of('pipe');
    expect(p[0]!.command).toEqual({ shell: false, text: ' cat $A "$A b"', argv: ['cat', 'x', 'x b'] });
    expect(p[1]!.command).toEqual({ shell: true, text: ' cat > $A' });
  });
  it('forwards through SENDMAIL with split SENDMAILFLAGS', () => {
    const { a, out } = runRc('SENDMAILFLAGS="-oi -f x"\n:0\n! a@b "c d"\n');
    expect(a.of('forward')[0]!.call.argv).toEqual(['/usr/sbin/sendmail', '-oi', '-f', 'x', 'a@b', 'c d']);
    expect(a.of('forward')[0]!.addresses).toEqual(['a@b', 'c d']);
    expect(out.lastFolder).toBe('/usr/sbin/sendmail -oi -f x a@b c d');
  });
});

describe('filters (docs/procmail-semantics.md §7.6)', () => {
  it('replaces the fed part with the output', () => {
    const { a } = runRc(':0 fb\n| rev\n:0\nbox\n', { programs: { rev: { out: 'new body\n' } } });
    expect(a.of('deliver')[0]!.data.toString('latin1').endsWith('\n\nnew body\n')).toBe(true);
  });
  it('with w, a failing filter keeps the original and the recipe fails', () => {
    const { a } = runRc(':0 fbw\n| rev\n:0 e\n{ LOG=failed }\n:0\nbox\n', { programs: { rev: { exit: 3, out: 'x' } } });
    expect(a.of('deliver')[0]!.data.toString('latin1')).toBe(MSG);
    // Run without a shell: procmail quotes the first word of its NUL-separated buffer (differential case 244).
    expect(a.logText()).toContain('Program failure (3) of "rev"');
    expect(a.logText()).toContain('Rescue of unfiltered data succeeded');
    expect(logs(a)).toBe('failed');
  });
  it('without w, the output is used even if the filter fails', () => {
    const { a } = runRc(':0 fb\n| rev\n:0\nbox\n', { programs: { rev: { exit: 3, out: 'replaced\n' } } });
    expect(a.of('deliver')[0]!.data.toString('latin1').endsWith('\n\nreplaced\n')).toBe(true);
  });
});

describe('INCLUDERC, SWITCHRC, HOST (docs/procmail-semantics.md §1.7)', () => {
  it('includes inline; variables persist; a missing file logs and continues', () => {
    const { a } = runRc('INCLUDERC=inc.rc\nLOG="$X"\nINCLUDERC=missing\n:0\nend\n', { files: { 'inc.rc': 'X=fromInc\n' } });
    expect(logs(a)).toBe('fromInc');
    expect(a.logText()).toContain('procmail: Couldn\'t read "missing"\n');
    expect(a.delivered()).toEqual(['end']);
  });
  it('switches to another rcfile and never returns', () => {
    const { a } = runRc('SWITCHRC=other.rc\n:0\nnever\n', { files: { 'other.rc': ':0\nother\n' } });
    expect(a.delivered()).toEqual(['other']);
  });
  it('unsetting SWITCHRC ends the current rcfile', () => {
    const { a } = runRc('SWITCHRC\n:0\nnever\n');
    expect(a.delivered()).toEqual(['FALLBACK:DEFAULT']);
  });
  it('a HOST mismatch exits 0 delivering nothing (verified), or moves to the next rcfile', () => {
    const r1 = runRc('LOGFILE=log\nHOST=nothere\n:0\nfoo\n');
    expect(r1.a.delivered()).toEqual([]);
    expect(r1.out).toMatchObject({ exitCode: 0, disposition: 'host-mismatch' });
    expect(r1.a.of('log').find((r) => r.source === 'abstract')!.text).toContain('  Folder: \t\t\t\t\t\t\t\t      0\n');
    const r2 = runRc(['HOST=nothere\n:0\nfoo\n', ':0\nsecond\n']);
    expect(r2.a.delivered()).toEqual(['second']);
  });
  it('ends an include loop where procmail runs out of file descriptors, and goes on', () => {
    const { out, a } = runRc('INCLUDERC=self.rc\n', { files: { 'self.rc': 'INCLUDERC=self.rc\n' } });
    expect(out.exitCode).toBe(0);
    expect(a.log()).toBe('procmail: Couldn\'t read "self.rc"\n');
    expect(a.delivered()).toEqual(['FALLBACK:DEFAULT']);
  });
  it('stops a SWITCHRC loop with a tempfail (procmail would spin for ever)', () => {
    const { out, a } = runRc('SWITCHRC=self.rc\n', { files: { 'self.rc': 'SWITCHRC=self.rc\n' } });
    expect(out.exitCode).toBe(75);
    expect(a.logText()).toContain('Limit exceeded');
  });
});

describe('EXITCODE and TRAP (docs/procmail-semantics.md §6.4)', () => {
  it('EXITCODE overrides the status even after delivery', () => {
    expect(runRc('EXITCODE=42\n:0\nbox\n').out.exitCode).toBe(42);
  });
  it('EXITCODE= with TRAP takes the trap status; without EXITCODE the trap sees it', () => {
    const r1 = runRc('EXITCODE=\nTRAP="t; exit 7"\n:0\nbox\n', { programs: { 't; exit 7': { exit: 7 } } });
    expect(r1.out.exitCode).toBe(7);
    const r2 = runRc('TRAP="t; exit 7"\n:0\nbox\n', { programs: { 't; exit 7': { exit: 7 } } });
    expect(r2.out.exitCode).toBe(0);
    expect(r2.a.of('trap')[0]!.call.env.EXITCODE).toBe('0');
    expect(r1.a.of('trap')[0]!.decides).toBe(true);
    expect(r2.a.of('trap')[0]!.decides).toBe(false);
  });
});

describe('log abstract (docs/procmail-semantics.md §8.1)', () => {
  it('is logged once a LOGFILE is open, byte for byte', () => {
    const { a } = runRc('LOGFILE=log\n:0\ninbox\n');
    const ab = a.of('log').filter((r) => r.source === 'abstract');
    expect(ab.map((r) => r.text)).toEqual([
      `From alice@example.com  Mon Jan  1 00:00:00 2001\n Subject: Hello there\n  Folder: inbox\t\t\t\t\t\t\t\t    ${String(MSG.length).padStart(3)}\n`,
    ]);
  });
  it('is not logged without LOGFILE, and logged per c-copy with LOGABSTRACT=all', () => {
    expect(runRc(':0\ninbox\n').a.of('log').filter((r) => r.source === 'abstract')).toHaveLength(0);
    const { a } = runRc('LOGFILE=log\nLOGABSTRACT=all\n:0 c\ncopy\n:0\ninbox\n');
    expect(a.of('log').filter((r) => r.source === 'abstract')).toHaveLength(2);
  });
});

describe('trace', () => {
  it('reports recipes, conditions and requests with origins', () => {
    const { trace, a } = runRc(':0\n* ^Subject\n* ^From:\ninbox\n');
    const rec = trace.find((e) => e.kind === 'recipe');
    expect(rec).toMatchObject({ kind: 'recipe', ran: true, why: 'conditions held' });
    expect(a.of('deliver')[0]!.origin.conditions).toHaveLength(2);
    expect(trace.some((e) => e.kind === 'request' && e.delivering)).toBe(true);
  });
});
