import { describe, expect, it } from 'vitest';
import { DryRunAnswerer, type DryRunFs } from '../../src/dryrun/answerer.js';
import type { ProgramRunner } from '../../src/dryrun/programs.js';
import type { Feed, Request } from '../../src/eval/requests.js';

const feed: Feed = { header: true, body: true, raw: false, ignoreWriteErrors: false };
const origin = { span: { file: 'rc', line: 3, col: 1, start: 10, end: 20 }, conditions: [], reason: 'recipe matched' };
const vars = { MSGPREFIX: 'msg.', SHELL: '/bin/sh' };
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
    a.begin();
    const req: Request = { kind: 'deliver', folders: ['box', 'md/', 'mh/.', 'plain', '/dev/null'], lockfile: null, data, feed, fallback: false, origin, vars };
    expect(a.answer(req)).toEqual({ kind: 'delivered', ok: true, lastFolder: 'box md/new/dry-run.1 mh/13 plain/msg.dry-run.2 /dev/null', bytes: data.length + 1 });
  });

  it('never runs delivering pipes, forwards or TRAP, and runs ? conditions unless --no-exec', () => {
    let runs = 0;
    const runner: ProgramRunner = () => {
      runs++;
      return { exitCode: 1, output: Buffer.alloc(0), stderr: Buffer.alloc(0), failure: null };
    };
    const a = answerer({ runner });
    a.begin();
    const command = { shell: true as const, text: 'rm -rf /' };
    expect(a.answer({ kind: 'pipe', command, data, feed, wait: 'w', lockfile: null, origin, vars })).toMatchObject({ exitCode: 0, assumed: true });
    expect(a.answer({ kind: 'forward', argv: ['/usr/sbin/sendmail', '-oi', 'x@y'], data, feed, wait: null, lockfile: null, origin, vars })).toMatchObject({ exitCode: 0 });
    expect(a.answer({ kind: 'trap', command, data, origin, vars })).toMatchObject({ exitCode: 0 });
    expect(runs).toBe(0);
    expect(a.answer({ kind: 'run-condition', command, data, origin, vars })).toMatchObject({ exitCode: 1 });
    expect(runs).toBe(1);
    const noExec = answerer({ exec: false, runner });
    noExec.begin();
    expect(noExec.answer({ kind: 'filter', command, data, feed, wait: 'w', lockfile: null, origin, vars })).toMatchObject({ exitCode: 0, output: data, assumed: true });
    expect(runs).toBe(1);
  });

  it('reads list files (ext matching) and follows chdir only into existing directories', () => {
    const a = answerer();
    const recs = a.begin();
    expect(a.answer({ kind: 'lookup', file: 'list', addresses: ['bob@x', 'alice@example.com'], origin, vars })).toMatchObject({ matched: 'alice@example.com' });
    expect(a.answer({ kind: 'lookup', file: 'list', addresses: ['pat@friends.example'], origin, vars })).toMatchObject({ matched: 'pat@friends.example' });
    expect(a.answer({ kind: 'chdir', dir: 'nope', origin, vars })).toMatchObject({ ok: false });
    expect(a.answer({ kind: 'chdir', dir: 'plain', origin, vars })).toMatchObject({ ok: true });
    expect(a.currentDir).toBe('/m/plain');
    expect(recs).toHaveLength(4);
    a.begin();
    expect(a.currentDir).toBe('/m');
  });
});
