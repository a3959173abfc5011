import { describe, expect, it } from 'vitest';
import { DryRunAnswerer, type DryRunFs } from '../../src/dryrun/answerer.js';
import type { ProgramRunner } from '../../src/dryrun/programs.js';
import type { DeliverAnswer } from '../../src/eval/requests.js';
import { conditionReq, deliverReq, filterReq, forwardReq, pipeReq, quiet, sh, trapReq } from '../helpers/requests.js';

const origin = { span: { file: 'rc', line: 3, col: 1, start: 10, end: 20 }, conditions: [], reason: 'recipe matched' };
const data = Buffer.from('Subject: x\n\nbody\n');

/** An in-memory, read-only file system: directories and files by absolute path. */
function memFs(dirs: string[], files: Record<string, string>): DryRunFs {
  return {
    isDirectory: (p) => dirs.includes(p),
    readText: (p) => files[p] ?? null,
    readdir: (p) => (dirs.includes(p) ? Object.keys(files).filter((f) => f.startsWith(`${p}/`)).map((f) => f.slice(p.length + 1)) : null),
  };
}

function answerer(opts: { exec?: boolean; runner?: ProgramRunner; fs?: DryRunFs } = {}): DryRunAnswerer {
  return new DryRunAnswerer({
    exec: opts.exec ?? true,
    answers: null,
    runner: opts.runner ?? (() => ({ exitCode: 7, output: Buffer.from('ran'), stderr: Buffer.alloc(0), failure: null })),
    fs: opts.fs ?? memFs(['/m', '/m/mh', '/m/plain'], { '/m/mh/3': '', '/m/mh/12': '', '/m/mh/x': '', '/m/list': 'Alice@Example.com\n*@friends.example\n' }),
    initialDir: '/m',
  });
}

describe('DryRunAnswerer', () => {
  it('answers deliveries with procmail folder types and plausible LASTFOLDERs', () => {
    const a = answerer();
    const recs = a.begin();
    const plain = (x: DeliverAnswer) => ({ kind: x.kind, ok: x.ok, lastFolder: x.lastFolder, bytes: x.bytes });
    expect(plain(a.answer(deliverReq(['md/', 'mh/.', 'plain'], data, { origin })))).toEqual({ kind: 'delivered', ok: true, lastFolder: 'md/new/dry-run.1 mh/13 plain/msg.dry-run.2', bytes: data.length });
    // A file takes no secondary folders (procmail: `Skipped`); the next MH number is taken.
    expect(plain(a.answer(deliverReq(['box', 'mh/.', '/dev/null'], data, { origin })))).toEqual({ kind: 'delivered', ok: true, lastFolder: 'box', bytes: data.length + 1 });
    expect(recs[1]!.logged).toBe('procmail: Skipped "mh/. /dev/null"\n');
    expect(a.answer(deliverReq(['mh/.'], data, { origin }))).toMatchObject({ lastFolder: 'mh/14' });
  });

  it('predicts what delivery cannot create: only the last component of a directory, else `Unable to treat as directory` and a failed write', () => {
    const a = answerer();
    const recs = a.begin();
    for (const folder of ['lists/foo/', 'nonexistent/dir/box', 'a/b/c/inbox/']) {
      expect(a.answer(deliverReq([folder], data, { origin }))).toMatchObject({ ok: false });
    }
    expect(recs.map((r) => r.logged)).toEqual([
      'procmail: Unable to treat as directory "lists/foo"\nprocmail: Error while writing to "lists/foo"\n',
      'procmail: Error while writing to "nonexistent/dir/box"\n',
      'procmail: Unable to treat as directory "a/b/c/inbox"\nprocmail: Error while writing to "a/b/c/inbox"\n',
    ]);
    // lists/ made by one delivery makes lists/foo/ possible for the next.
    expect(a.answer(deliverReq(['lists/'], data, { origin }))).toMatchObject({ ok: true });
    expect(a.answer(deliverReq(['lists/foo/'], data, { origin }))).toMatchObject({ ok: true, lastFolder: 'lists/foo/new/dry-run.2' });
  });

  it('never runs delivering pipes, forwards or TRAP, and runs ? conditions unless --no-exec', () => {
    let runs = 0;
    const runner: ProgramRunner = () => {
      runs++;
      return { exitCode: 1, output: Buffer.alloc(0), stderr: Buffer.alloc(0), failure: null };
    };
    const a = answerer({ runner });
    a.begin();
    const command = sh('rm -rf /');
    expect(a.answer(pipeReq(command, data, { wait: 'w', origin }))).toMatchObject({ exitCode: 0, assumed: true });
    // An explicit W: a non-zero exit is the usual answer (formail -D: not a duplicate).
    expect(a.answer(pipeReq(command, data, { wait: 'W', quiet: true, origin }))).toMatchObject({ exitCode: 1, assumed: true });
    // Without w the exit status is never looked at: nothing is assumed.
    expect(a.answer(pipeReq(command, data, { origin }))).toEqual({ kind: 'program', exitCode: 0, wroteAll: true, output: Buffer.alloc(0), bytes: data.length + 1 });
    expect(a.answer(forwardReq(['/usr/sbin/sendmail', '-oi', 'x@y'], ['x@y'], data, { origin }))).toMatchObject({ exitCode: 0 });
    expect(a.answer(trapReq(command, data, { origin }))).toMatchObject({ exitCode: 0 });
    expect(runs).toBe(0);
    // A TRAP whose status becomes the exit code (EXITCODE set empty) runs like a `?` condition.
    expect(a.answer(trapReq(command, data, { origin, decides: true }))).toMatchObject({ exitCode: 1 });
    expect(runs).toBe(1);
    expect(a.answer(conditionReq(command, data, { origin }))).toMatchObject({ exitCode: 1 });
    expect(runs).toBe(2);
    const noExec = answerer({ exec: false, runner });
    noExec.begin();
    expect(noExec.answer(filterReq(command, data, { origin }))).toMatchObject({ exitCode: 0, output: data, assumed: true });
    expect(runs).toBe(2);
  });

  it('reads list files (ext matching) and follows chdir only into existing directories', () => {
    const a = answerer();
    const recs = a.begin();
    expect(a.answer({ kind: 'lookup', file: 'list', addresses: ['bob@x', 'alice@example.com'], origin, log: quiet })).toMatchObject({ matched: 'alice@example.com' });
    expect(a.answer({ kind: 'lookup', file: 'list', addresses: ['pat@friends.example'], origin, log: quiet })).toMatchObject({ matched: 'pat@friends.example' });
    expect(a.answer({ kind: 'chdir', dir: 'nope', origin, log: quiet })).toMatchObject({ ok: false });
    expect(a.answer({ kind: 'chdir', dir: 'plain', origin, log: quiet })).toMatchObject({ ok: true });
    expect(a.currentDir).toBe('/m/plain');
    expect(recs).toHaveLength(4);
    a.begin();
    expect(a.currentDir).toBe('/m');
  });
});
