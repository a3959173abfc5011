/**
 * procmail 3.22 behaviours found by running real rc files side by side
 * (differential cases 400-499 record each one from the real procmail;
 * these tests pin the engine's side of the subtle ones).
 */
import { describe, expect, it } from 'vitest';
import type { EngineInput } from '../../src/eval/input.js';
import { runEngine, type EngineRun, type Script } from '../helpers/scripted-answerer.js';

const MSG = 'From: Alice <alice@example.com>\nSubject: Hello there\n\nbody line1\nline2\n';
const ENV = { DEFAULT: 'DEFAULT', LOCKEXT: '.lock', SENDMAIL: '/usr/sbin/sendmail', SENDMAILFLAGS: '-oi', SHELLMETAS: '&|<>~;?*[', SHELL: '/bin/sh', MAILDIR: '/m' };

function run(rc: string | string[], script: Script = {}, over: Partial<EngineInput> = {}): EngineRun {
  return runEngine(rc, { message: MSG, env: ENV, script, over: { pid: 1, ...over } });
}

/** procmail's own lines and LOG output, without the abstract. */
function logText(r: EngineRun): string {
  return r.a.log();
}

describe('a command named `test` runs through the shell (pipes.c metaparse without GOT_bin_test; case 401)', () => {
  it('in a `?` condition, a backtick, a pipe and after expansion; not as /usr/bin/test or testx', () => {
    const { a } = run('T=test\n:0\n* ? test -z "$x"\n{ }\n:0\n* ? $T -n x\n{ }\n:0\n* ? /usr/bin/test -z x\n{ }\n:0\n* ? testx\n{ }\nR=`test`\n:0 c\n| test -z "$x"\n');
    const shells = [...a.of('run-condition'), ...a.of('capture'), ...a.of('pipe')].map((r) => (r.command.shell ? `sh: ${r.command.text}` : `exec: ${r.command.argv.join(' ')}`));
    expect(shells).toEqual([
      'sh:  test -z "$x"',
      'sh:  $T -n x',
      'exec: /usr/bin/test -z x',
      'exec: testx',
      'sh: test',
      'sh:  test -z "$x"',
    ]);
    // The engine resolves the shell: the request carries $SHELL $SHELLFLAGS and the text, nothing for the answerer to look up.
    const calls = [...a.of('run-condition'), ...a.of('capture'), ...a.of('pipe')].filter((r) => r.command.shell).map((r) => r.call.argv);
    expect(calls).toEqual([
      ['/bin/sh', '-c', ' test -z "$x"'],
      ['/bin/sh', '-c', ' $T -n x'],
      ['/bin/sh', '-c', 'test'],
      ['/bin/sh', '-c', ' test -z "$x"'],
    ]);
  });
});

describe('the abstract after a HOST mismatch (mailfold.c logabstract, lastdump; case 402)', () => {
  it('shows $LASTFOLDER and the bytes of the last dump, failed attempts included', () => {
    const r = run('LOGFILE=log\n:0 bw\n| cat; exit 1\n:0\n* ? cat\n{ }\n:0 h\nV=| cat\nHOST=elsewhere\n', { programs: { 'cat; exit 1': { exit: 1 } } }, { hostname: 'here' });
    expect(logText(r)).toBe('procmail: Program failure (1) of " cat; exit 1"\n');
    const abstract = r.a.of('log').filter((l) => l.source === 'abstract').map((l) => l.text);
    // The `?` program got the header (its text, as the ScriptedAnswerer counts it), the failed pipe the body.
    const header = 'From: Alice <alice@example.com>\nSubject: Hello there\n\n'.length;
    expect(abstract).toEqual([expect.stringMatching(new RegExp(`^ Subject: Hello there\\n  Folder:  cat; exit 1\\t+ +${header}\\n$`))]);
    expect(r.out).toMatchObject({ exitCode: 0, disposition: 'host-mismatch' });
  });
});

describe('an rc that INCLUDERCs itself with nothing to stop it (case 406 records a guarded one)', () => {
  it("nests as deep as procmail can open files, logs Couldn't read once, then finishes every level and delivers", () => {
    const rc = 'LOG="d"\nINCLUDERC=$_\nLOG="b"\n';
    const r = run(rc, { files: { rc0: rc, '/m/rc0': rc } });
    const log = logText(r);
    // procmail under the usual 1024 descriptors: 1018 levels (MAX_INCLUDE_DEPTH), verified.
    expect(log).toBe('d'.repeat(1018) + 'procmail: Couldn\'t read "/m/rc0"\n' + 'b'.repeat(1018));
    expect(r.a.delivered()).toEqual(['FALLBACK:DEFAULT']);
    expect(r.out.exitCode).toBe(0);
  });
});

describe('recipe headers read through the expander (procmail.c readparse; cases 407, 408)', () => {
  it('takes flags, a lockfile and leftovers from the expanded words, split as in an action line', () => {
    const r = run('F="c W"\nL=box.lock\nZ=Zq\n:0 $F:$L $Z\nbox\n:0\nend\n');
    expect(r.a.of('deliver').map((d) => `${d.folders.join(' ')} lock=${d.lockfile}`)).toEqual(['box lock=box.lock', 'end lock=null']);
    expect(logText(r)).toBe('procmail: Skipped "Zq"\n');
  });
  it('gives up on the rcfile, and the one that included it, when the expanded header overflows LINEBUF', () => {
    const inc = `L=${'x'.repeat(60)}\n:0 c:$L$L$L\nnever\nLOG="inc after"\n`;
    const r = run('LINEBUF=128\nINCLUDERC=inc\nLOG="main after"\n:0\nnever\n', { files: { inc } });
    expect(logText(r)).toBe('procmail: Exceeded LINEBUF\n');
    expect(r.a.delivered()).toEqual(['FALLBACK:DEFAULT']);
  });
  it('accepts a literal header of exactly LINEBUF characters (its words joined)', () => {
    const r = run(`LINEBUF=128\n:0 c:${'x'.repeat(124)}\nbox\n`);
    expect(logText(r)).toBe('');
    expect(r.a.delivered()[0]).toBe('box');
  });
});
