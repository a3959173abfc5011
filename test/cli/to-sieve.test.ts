import { describe, expect, it } from 'vitest';
import { runToSieve, type ToSieveIo, type ToSieveOptions } from '../../src/cli/to-sieve.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  written: Map<string, Buffer>;
}

function run(files: Record<string, string>, opts: ToSieveOptions = {}, extra: Partial<ToSieveIo> = {}): Run {
  let stdout = '';
  let stderr = '';
  const written = new Map<string, Buffer>();
  const io: ToSieveIo = {
    stdout: (s) => {
      stdout += typeof s === 'string' ? s : s.toString('latin1');
    },
    stderr: (s) => {
      stderr += s;
    },
    readFile: (p) => files[p] ?? null,
    writeFile: (p, data) => {
      written.set(p, data);
    },
    environment: new Map(),
    ...extra,
  };
  return { code: runToSieve('rules.rc', opts, io), stdout, stderr, written };
}

describe('mailrules to-sieve', () => {
  it('writes the script on stdout and the report on stderr; exit 0 when everything converted', () => {
    const r = run({ 'rules.rc': ':0\n* ^Subject:.*urgent\nurgent/\n' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('if header :contains "Subject" "urgent" {\n  fileinto :create "urgent";\n  stop;\n}\n');
    expect(r.stderr).toBe(
      ['rules.rc:1:1: note: converted', ':0', '^', 'to-sieve: 1 recipe: 1 converted, 0 converted with a caveat, 0 not convertible', ''].join('\n'),
    );
  });

  it('exits 1 when something did not convert, still writing the script, the recipe as a comment', () => {
    const r = run({ 'rules.rc': ':0\n* ? spamc -c\nspam/\n:0\ninbox/\n' });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('# rules.rc:1: NOT CONVERTED: "?" runs a program');
    expect(r.stdout).toContain('fileinto :create "inbox";');
    expect(r.stderr).toContain('rules.rc:2:1: error: not convertible: "?" runs a program; Sieve runs none (--allow-pipe converts it to vnd.dovecot.execute)\n* ? spamc -c\n^\n');
  });

  it('writes the script to -o, and the JSON report with --json', () => {
    const r = run({ 'rules.rc': ':0 c\n* ^From:.*boss\n! me@example.org\n:0\n* ^Subject: Hello there\nx/\n' }, { output: 'out.sieve', json: true, separator: '.' });
    expect(r.code).toBe(0);
    expect(r.written.get('out.sieve')!.toString('latin1')).toContain('redirect :copy "me@example.org";');
    const json = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ schema: 1, rcfile: 'rules.rc', separator: '.', allowPipe: false, recipes: { total: 2, converted: 1, caveat: 1, notConvertible: 0 } });
    expect(json['sieve']).toBeUndefined();
    expect((json['entries'] as { status: string; line: number; reasons: { code: string }[] }[]).map((e) => [e.line, e.status, e.reasons.map((x) => x.code)])).toEqual([
      [1, 'converted', []],
      [4, 'caveat', ['fold']],
    ]);
    expect(r.stderr).toBe('');
  });

  it('puts the script into the JSON when there is no -o', () => {
    const r = run({ 'rules.rc': ':0\n/dev/null\n' }, { json: true });
    expect((JSON.parse(r.stdout) as { sieve: string }).sieve).toContain('discard;\nstop;\n');
  });

  it('keeps the rc file\'s bytes: a UTF-8 rc gives a UTF-8 script', () => {
    const rc = Buffer.from(':0\n* ^Subject:.*café\ncafé/\n', 'utf8').toString('latin1');
    const r = run({ 'rules.rc': rc });
    expect(Buffer.from(r.stdout, 'latin1').toString('utf8')).toContain('fileinto :create "café";');
  });

  it('exits 64 for a bad separator, 66 for an unreadable rc file, 73 when OUT cannot be written', () => {
    expect(run({ 'rules.rc': '' }, { separator: ':' }).code).toBe(64);
    const missing = run({});
    expect(missing.code).toBe(66);
    expect(missing.stderr).toBe('mailrules to-sieve: cannot read "rules.rc"\n');
    const full = run({ 'rules.rc': ':0\nx/\n' }, { output: '/full/out.sieve' }, {
      writeFile: () => {
        throw new Error('ENOSPC: no space left on device');
      },
    });
    expect(full.code).toBe(73);
    expect(full.stderr).toContain('cannot write "/full/out.sieve": ENOSPC');
  });
});
