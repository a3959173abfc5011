/**
 * Engine behaviours verified against procmail 3.22 (the differential cases
 * named in each test): read-time messages, regex and scoring corner cases,
 * program names in messages, internal defaults, rcfile chaining and the
 * in-memory Content-Length rewrite.
 */
import { describe, expect, it } from 'vitest';
import { repairRegex } from '../../src/compile/regex/paren-scan.js';
import type { EngineInput } from '../../src/eval/input.js';
import { readmail } from '../../src/eval/message.js';
import { runEngine, type EngineRun, type ScriptedProgram } from '../helpers/scripted-answerer.js';

const MSG = 'From: Alice <alice@example.com>\nSubject: Hello there\n\nbody line1\nline2\n';
const NORMAL_ENV = { DEFAULT: 'DEFAULT', LOCKEXT: '.lock', SENDMAIL: '/usr/sbin/sendmail', SENDMAILFLAGS: '-oi', SHELLMETAS: '&|<>~;?*[', MAILDIR: '/m' };

interface Opts {
  programs?: Record<string, ScriptedProgram>;
  files?: Record<string, string>;
  failFolders?: string[];
  message?: string;
  over?: Partial<EngineInput>;
}

function run(rc: string | string[], o: Opts = {}): EngineRun {
  const script = { ...(o.programs ? { programs: o.programs } : {}), ...(o.files ? { files: o.files } : {}), ...(o.failFolders ? { failFolders: o.failFolders } : {}) };
  return runEngine(rc, { message: o.message ?? MSG, env: NORMAL_ENV, script, over: { pid: 1, ...o.over } });
}

const LOGP = (s: string) => `procmail: ${s}\n`;

describe('read-time messages, logged when procmail reads the statement (cases 014-024, 060, 073-076)', () => {
  it('logs header leftovers before the conditions, CR included', () => {
    const { a } = run(':0 Z\n* ^Subject: Hello\n{ LOG="in\n" }\n:0\r\n/dev/null\n');
    expect(a.log()).toBe(LOGP('Skipped "Z"') + 'in\n' + LOGP('Skipped "\r"'));
  });
  it('logs `Closing brace unexpected` for a stray `}`', () => {
    const { a } = run('}\nLOG="after\n"\n');
    expect(a.log()).toBe(LOGP('Closing brace unexpected') + 'after\n');
  });
  it('logs `Missing action` where the recipe was, and counts it as not matched', () => {
    const { a } = run('LOG="1\n"\n:0\n* ^Subject\n\n:0 E\n{ LOG="else\n" }\n');
    expect(a.log()).toBe('1\n' + LOGP('Missing action') + 'else\n');
  });
  it('logs filter-flag on a folder and the ignored block flags whatever the conditions', () => {
    const { a } = run(':0 f\n* ^X-Nope\nbox\n:0 hb:\n* ^X-Nope\n{ }\n');
    expect(a.log()).toBe(
      LOGP('Extraneous filter-flag ignored') +
        LOGP('Extraneous locallockfile ignored') +
        LOGP('Extraneous deliver-body flag ignored') +
        LOGP('Extraneous deliver-head flag ignored'),
    );
    expect(a.of('deliver').filter((d) => !d.fallback)).toHaveLength(0);
  });
  it('delivers the whole message for `f` on a folder', () => {
    const { a } = run(':0 fh\nbox\n');
    expect(a.of('deliver')[0]!.data.toString('latin1')).toBe(MSG);
  });
  it('logs copy-flag only when the filter or capture runs', () => {
    expect(run(':0 c\n* ^X-Nope\nX=| echo\n').a.log()).toBe('');
    expect(run(':0 c\nX=| echo\n:0 fwc\n| sed\n').a.log()).toBe(LOGP('Extraneous copy-flag ignored').repeat(2));
  });
  it('reads through a block it skips: leftovers, skipped lines, missing actions, extraneous flags', () => {
    const rc = ':0\n* ^X-Nope\n{\n  -junk\n  :0 Z\n  * >From\n  x\n  :0 f\n  y\n  :0\n  * a\n\n  :0\n  z\n}\nLOG="end\n"\n';
    const { a } = run(rc);
    expect(a.log()).toBe(
      LOGP('Skipped "-junk"') + LOGP('Skipped "Z"') + LOGP('Extraneous filter-flag ignored') + LOGP('Missing action') + 'end\n',
    );
  });
  it('has the parent of a `c` block read through it again', () => {
    const { a } = run(':0 c\n{\n:0 Z\n/dev/null\n}\n:0\n/dev/null\n');
    expect(a.log()).toBe(LOGP('Skipped "Z"').repeat(2));
  });
});

describe('conditions (cases 104, 130, 160, 161)', () => {
  const probe = (cond: string, opts: Opts = {}) =>
    run(`:0\n* ${cond}\n{ LOG="yes\n" }\n:0 E\n{ LOG="no\n" }\n`, opts).a.log();
  it('size tests log what follows the number', () => {
    expect(probe('>From')).toBe(LOGP('Skipped "From"') + 'yes\n');
    expect(probe('< 10 x')).toBe(LOGP('Skipped "x"') + 'no\n');
  });
  it('a size test with `$` is expanded once: `>$^^` is `> 0`', () => {
    expect(probe('>$^^')).toBe(LOGP('Skipped "$^^"') + 'yes\n');
    expect(probe('>$N', { over: { env: { ...NORMAL_ENV, N: '100000' } } })).toBe('no\n');
  });
  it('an invalid regexp is logged and then run as procmail compiled it', () => {
    expect(probe('Subject)zzz')).toBe(LOGP('Invalid regexp "Subject)zzz"') + 'yes\n');
    expect(probe('zzz)Subject')).toBe(LOGP('Invalid regexp "zzz)Subject"') + 'no\n');
    expect(probe('(Hello')).toBe(LOGP('Invalid regexp "(Hello"') + 'yes\n');
    expect(repairRegex('(a|')).toBe('(a|)');
    expect(repairRegex('[)]x)y')).toBe('[)]x');
  });
  it('a macro right after the quoting backslash is not expanded', () => {
    const env = { ...NORMAL_ENV, V: 'TO_x' };
    expect(probe('V ?? \\^TO_x', { over: { env } })).toBe('yes\n');
    expect(probe('V ?? ^TO_x', { over: { env } })).toBe('no\n');
  });
});

describe('scoring (cases 178, 188, 189)', () => {
  const score = (conds: string) => run(`:0 B\n${conds}\n{ LOG="match $=\n" }\n:0 E\n{ LOG="nomatch $=\n" }\n`, { message: 'Subject: x\n\nx\nx\nx\nx\n' }).a.log();
  it('an empty first match adds +infinity for x >= 1', () => expect(score('* 1^1 x*')).toBe('match 2147483647\n'));
  it('the empty regex scores once', () => expect(score('* -3^0\n* 1^1 ^.*$')).toBe('match 2\n'));
  it('`,` is no decimal point', () => expect(run(':0\n* 2,5^0 ^Subject\n{ LOG="m $=\n" }\n').a.log()).toBe(''));
});

describe('programs (cases 242, 244, 294, timeouts)', () => {
  it('without a shell: LASTFOLDER is the words, messages quote the first', () => {
    const { a, out } = run('SHELLMETAS\n:0 w\n| echo a > b\n', { programs: {} });
    expect(out.lastFolder).toBe('echo a > b');
    const f = run(':0 w\n| exit 1\n:0\nafter\n', { programs: { 'exit 1': { exit: 2 } } });
    expect(f.a.log()).toBe(LOGP('Program failure (2) of "exit"'));
    expect(a.of('pipe')[0]!.command).toEqual({ shell: false, text: ' echo a > b', argv: ['echo', 'a', '>', 'b'] });
  });
  it('a forward failure quotes $SENDMAIL', () => {
    const { a } = run(':0 w\n! x@y\n', { programs: { '/usr/sbin/sendmail -oi x@y': { exit: 1 } } });
    expect(a.log()).toBe(LOGP('Program failure (1) of "/usr/sbin/sendmail"'));
  });
  it('a program killed by a signal fails with -N for w, silently for W', () => {
    const programs = { 'sleep 9': { exit: null, signal: 15 } };
    expect(run(':0 w\n| sleep 9\n', { programs }).a.log()).toBe(LOGP('Program failure (-15) of "sleep"'));
    expect(run(':0 W\n| sleep 9\n', { programs }).a.log()).toBe('');
  });
});

describe('variables (cases 221, 039)', () => {
  it('`$_` in an included file is made absolute against MAILDIR; a missing one is named as given', () => {
    const { a } = run('INCLUDERC=inc.rc\nINCLUDERC=nope.rc\n', { files: { 'inc.rc': 'LOG="[$_]\n"\n' } });
    expect(a.log()).toBe('[/m/inc.rc]\n' + LOGP('Couldn\'t read "nope.rc"'));
  });
  it('a bad substitution drops the character after the name', () => {
    expect(run('A=x\nB=${A%x}y\nLOG="[$B]\n"\n').a.log()).toBe(LOGP('Bad substitution of "A"') + '[x}y]\n');
  });
  it('uses procmail\'s defaults for SHELLMETAS, LOCKEXT, SENDMAIL(FLAGS) absent from the environment (-p -m)', () => {
    const { a } = run(':0:\nbox\n', { over: { env: {} } });
    expect(a.of('deliver')[0]!.lockfile).toBe('box.lock');
    const p = run(':0 c\n| cat > x\n:0\n! a@b\n', { over: { env: {} } });
    expect(p.a.of('pipe')[0]!.command.shell).toBe(true);
    expect(p.a.of('forward')[0]!.call.argv).toEqual(['/usr/sbin/sendmail', '-oi', 'a@b']);
    expect(p.a.of('forward')[0]!.call.env.SENDMAIL).toBeUndefined();
  });
  it('an unset makes the internal value empty', () => {
    const { a } = run('LOCKEXT\n:0:\nbox\n');
    expect(a.of('deliver')[0]!.lockfile).toBe('box');
    // MSGPREFIX too (verified: a plain-directory file is then named by its inode number alone); `-p -m` keeps `msg.`.
    expect(run('MSGPREFIX\n:0\nd\n').a.of('deliver')[0]!.msgPrefix).toBe('');
    expect(run(':0\nd\n', { over: { env: {} } }).a.of('deliver')[0]!.msgPrefix).toBe('msg.');
  });
  it('requests carry VERBOSE as procmail holds it: unsetting it keeps it on', () => {
    const { a } = run('VERBOSE=on\nVERBOSE\nTIMEOUT=5\nTIMEOUT\nLOCKSLEEP=3\n:0:\nbox\n');
    const d = a.of('deliver')[0]!;
    expect(d.log.verbose).toBe(true);
    expect(d.timeoutSec).toBe(5);
    expect(d.lock.sleepSec).toBe(3);
  });
  it('asks for the comsat notice just before the closing abstract, where COMSAT leaves it on (comsat.c)', () => {
    const env = { ...NORMAL_ENV, LOGNAME: 'u' };
    const kinds = (r: EngineRun): string[] => r.a.requests.map((q) => q.kind);
    const on = run(':0\nbox\n', { over: { comsat: true, env } });
    expect(on.a.of('comsat')).toMatchObject([{ host: '127.0.0.1', port: 512, logname: 'u', final: null, lastFolder: 'box' }]);
    expect(kinds(on).slice(-1)).toEqual(['comsat']);
    expect(run(':0\nbox\n', { over: { comsat: true, env: { ...env, COMSAT: 'no' } } }).a.of('comsat')).toEqual([]);
    expect(run(':0\nbox\n', { over: { env } }).a.of('comsat')).toEqual([]);
    expect(run('COMSAT=5150@10.1.2.3\nDEFAULT\nORGMAIL\n', { over: { env } }).a.of('comsat')).toMatchObject([{ host: '10.1.2.3', port: 5150, final: '**Bounced**' }]);
  });
  it('a pipe gets $SHELL with SHELLFLAGS as one argument, the text last', () => {
    const { a } = run('SHELL=/bin/sh\nSHELLFLAGS="-e -c"\n:0\n| cat > x\n');
    expect(a.of('pipe')[0]!.call.argv).toEqual(['/bin/sh', '-e -c', ' cat > x']);
  });
});

describe('several rcfiles (EngineInput.chain)', () => {
  const sys = 'LOG="sys\n"\n:0\n* ^Subject\n{ }\n';
  it('by default the second runs only after a HOST mismatch', () => {
    expect(run([sys, 'LOG="user\n"\n']).a.log()).toBe('sys\n');
    expect(run(['HOST=other\n', 'LOG="user\n"\n']).a.log()).toBe('user\n');
  });
  it('in sequence the next rcfile starts when one ends, with fresh bookkeeping', () => {
    const user = ':0 A\n{ LOG="A ran\n" }\n:0 E\n{ LOG="E ran\n" }\n';
    expect(run([sys, user], { over: { chain: 'sequence' } }).a.log()).toBe('sys\nE ran\n');
  });
  it('in sequence a HOST mismatch ends processing with nothing delivered', () => {
    const { a, out } = run(['HOST=other\n', 'LOG="user\n"\n'], { over: { chain: 'sequence' } });
    expect(a.log()).toBe('');
    expect(out.disposition).toBe('host-mismatch');
  });
  it('in sequence a delivery in the first ends everything', () => {
    expect(run([':0\nbox\n', 'LOG="user\n"\n'], { over: { chain: 'sequence' } }).a.log()).toBe('');
  });
});

describe('Content-Length (docs/procmail-semantics.md §7.2)', () => {
  const msg = 'From: a\nContent-Length: 99999\nSubject: s\n\n0123456789\n';
  it('is rewritten in the message the engine holds, right-aligned in the field width', () => {
    const { a } = run(':0 h\nhead\n', { message: msg });
    expect(a.of('deliver')[0]!.data.toString('latin1')).toBe('From: a\nContent-Length:    11\nSubject: s\n\n');
    expect(run(':0\n* ^Content-Length: +11$\nyes\n', { message: msg }).a.of('deliver')[0]!.folders).toEqual(['yes']);
  });
  it('is left alone under -Y', () => {
    const { a } = run(':0 h\nhead\n', { message: msg, over: { berkeley: true } });
    expect(a.of('deliver')[0]!.data.toString('latin1')).toContain('Content-Length: 99999\n');
  });
  it('fills a too-narrow field with 9s and leaves messages without it untouched', () => {
    const narrow = readmail(Buffer.from('Content-length:1\n\n0123456789\n', 'latin1'), false);
    expect(narrow.header).toBe('Content-length:9\n\n');
    const plain = Buffer.from(MSG, 'latin1');
    expect(readmail(plain, false).raw).toBe(plain);
  });
});

describe('abstract size when nothing was delivered (cases 319, 320)', () => {
  it('shows the bytes of the failed DEFAULT write', () => {
    const { a, out } = run('LOGFILE=log\n', { failFolders: ['DEFAULT'] });
    expect(out.disposition).toBe('bounced');
    const abs = a.of('log').find((r) => r.source === 'abstract')!.text;
    expect(abs).toContain('**Bounced**\t');
    expect(abs.endsWith(`${String(MSG.length).padStart(7)}\n`)).toBe(true);
  });
});
