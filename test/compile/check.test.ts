import { describe, expect, it } from 'vitest';
import { runCheck, type JsonDiagnostic } from '../../src/cli/check.js';

function run(files: Record<string, string>, paths: string[], json = false) {
  let out = '';
  const code = runCheck(paths, { json }, {
    stdout: (s) => { out += s; },
    stderr: (s) => { out += s; },
    readFile: (p) => {
      const f = files[p];
      if (f === undefined) throw new Error(`ENOENT ${p}`);
      return f;
    },
  });
  return { code, out };
}

describe('runCheck', () => {
  it('exits 0 for a clean file and prints nothing', () => {
    expect(run({ 'a.rc': ':0\n* ^Subject: x\nbox\n' }, ['a.rc'])).toEqual({ code: 0, out: '' });
  });
  it('exits 0 with warnings only', () => {
    const r = run({ 'a.rc': 'FOO=two words\n' }, ['a.rc']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('a.rc:1:9: warning:');
  });
  it('warns about DELIVERED=yes and still exits 0', () => {
    const r = run({ 'a.rc': 'DELIVERED=yes\n' }, ['a.rc'], true);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as JsonDiagnostic[]).map((d) => `${d.line}:${d.col} ${d.severity} ${d.code}`)).toEqual(['1:1 warning delivered-early']);
  });
  it('exits 78 with errors and prints the caret', () => {
    const r = run({ 'a.rc': 'A=1\n:0\n* a(b\nbox\n' }, ['a.rc']);
    expect(r.code).toBe(78);
    expect(r.out).toBe('a.rc:3:3: error: Invalid regexp "a(b"\n* a(b\n  ^\n');
  });
  it('follows literal INCLUDERC and SWITCHRC relative to the rc directory or a literal MAILDIR', () => {
    const files = {
      'dir/main.rc': 'INCLUDERC=inc.rc\nMAILDIR=/m\nSWITCHRC=sw.rc\nINCLUDERC=$HOME/x.rc\n',
      'dir/inc.rc': '}\n',
      '/m/sw.rc': ':0\n',
    };
    const r = run(files, ['dir/main.rc'], true);
    const ds = JSON.parse(r.out) as JsonDiagnostic[];
    expect(ds.map((d) => `${d.file}:${d.line}:${d.col} ${d.severity} ${d.code}`)).toEqual([
      'dir/inc.rc:1:1 error unexpected-brace',
      '/m/sw.rc:1:1 error incomplete-recipe',
    ]);
    expect(r.code).toBe(78);
  });
  it('warns about a missing include and errors on a missing command-line file', () => {
    const r = run({ 'a.rc': 'INCLUDERC=gone.rc\n' }, ['a.rc', 'nope.rc'], true);
    const ds = JSON.parse(r.out) as JsonDiagnostic[];
    expect(ds.map((d) => [d.file, d.severity, d.message])).toEqual([
      ['a.rc', 'warning', 'Couldn\'t read "gone.rc"'],
      ['nope.rc', 'error', 'Couldn\'t read "nope.rc"'],
    ]);
  });
  it('a file that cannot be read: one line without :0:0, the reason, exit 66', () => {
    let out = '';
    const code = runCheck(['rules'], { json: false }, {
      stdout: (s) => { out += s; },
      stderr: (s) => { out += s; },
      readFile: () => {
        throw Object.assign(new Error('EISDIR: illegal operation on a directory, read'), { code: 'EISDIR' });
      },
    });
    expect(code).toBe(66);
    expect(out).toBe('rules: error: Couldn\'t read "rules": is a directory\n');
  });
  it('66 wins over errors in the other files', () => {
    expect(run({ 'a.rc': ':0\n* a(b\nbox\n' }, ['a.rc', 'nope.rc']).code).toBe(66);
  });
  it('a binary file (a NUL byte) is one error, "not a text file", and is not compiled', () => {
    const bin = 'FOO=1\n\x7fELF\x02\x01\x01\x00\x00\x00:0\n\x1b[2J\n';
    const r = run({ 'a.out': bin }, ['a.out']);
    expect(r.code).toBe(78);
    expect(r.out).toBe('a.out: error: not a text file (a NUL byte on line 2)\n');
  });
  it('control bytes are escaped in every diagnostic, the caret still under its column', () => {
    const r = run({ 'a.rc': ':0\n* \x1b]0;t\x07a(b\x9b\nbox\n' }, ['a.rc']);
    expect(r.out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    expect(r.out).toBe('a.rc:2:3: error: Invalid regexp "\\x1b]0;t\\x07a(b\\x9b"\n* \\x1b]0;t\\x07a(b\\x9b\n  ^\n');
    // The caret under a character after an escaped one moves by the escape's width.
    const later = run({ 'a.rc': 'FOO=\x01two words\n' }, ['a.rc']);
    expect(later.out).toMatch(/^a\.rc:1:10: warning: .*\nFOO=\\x01two words\n {12}\^\n$/);
  });
  it('does not loop on include cycles', () => {
    const r = run({ 'a.rc': 'INCLUDERC=b.rc\n', 'b.rc': 'INCLUDERC=a.rc\n' }, ['a.rc']);
    expect(r.code).toBe(0);
  });
});
