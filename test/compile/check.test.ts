import { describe, expect, it } from 'vitest';
import { runCheck, type JsonDiagnostic } from '../../src/cli/check.js';

function run(files: Record<string, string>, paths: string[], json = false, quiet = true, env?: Record<string, string>) {
  let out = '';
  const code = runCheck(paths, { json, quiet }, {
    ...(env !== undefined ? { env } : {}),
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
  it('exits 0 for a clean file and prints one summary line, nothing with --quiet', () => {
    const rc = ':0\n* ^Subject: x\nbox\n:0\n{\n  :0\n  b\n}\nINCLUDERC=inc.rc\n';
    const files = { 'a.rc': rc, 'inc.rc': ':0\nc\n' };
    expect(run(files, ['a.rc'], false, false)).toEqual({ code: 0, out: '4 recipes in 2 files read: no problems\n' });
    expect(run(files, ['a.rc'])).toEqual({ code: 0, out: '' });
    const warned = run({ 'a.rc': 'FOO=two words\nX=`a`\nINCLUDERC=$X\n' }, ['a.rc'], false, false);
    expect(warned.out.split('\n').slice(-2)).toEqual(['0 recipes in 1 file read: 2 warnings', '']);
  });
  it('follows INCLUDERC=$HOME/… and $MAILDIR-relative names as the dry run expands them, or says where it could not', () => {
    const files = {
      'a.rc': 'INCLUDERC=$HOME/h.rc\nMAILDIR=$HOME/Mail\nINCLUDERC=$MAILDIR/m.rc\nINCLUDERC=rel.rc\nPM=${HOME}/pm\nINCLUDERC=$PM/p.rc\nINCLUDERC=${UNSET:-/opt}/d.rc\nX=`date`\nSWITCHRC=$X/x.rc\nINCLUDERC=$1.rc\n',
      '/home/u/h.rc': '}\n',
      '/home/u/Mail/m.rc': '}\n',
      '/home/u/Mail/rel.rc': '}\n',
      '/home/u/pm/p.rc': '}\n',
      '/opt/d.rc': '}\n',
    };
    const r = run(files, ['a.rc'], true, true, { HOME: '/home/u', MAILDIR: '/home/u', LOGNAME: 'u' });
    const ds = JSON.parse(r.out) as JsonDiagnostic[];
    expect(ds.map((d) => `${d.file}:${d.line} ${d.code} ${d.severity === 'warning' ? d.message : ''}`)).toEqual([
      '/home/u/h.rc:1 unexpected-brace ',
      '/home/u/Mail/m.rc:1 unexpected-brace ',
      '/home/u/Mail/rel.rc:1 unexpected-brace ',
      '/home/u/pm/p.rc:1 unexpected-brace ',
      '/opt/d.rc:1 unexpected-brace ',
      'a.rc:9 include-not-followed SWITCHRC not checked: $X has a value only delivery knows',
      'a.rc:10 include-not-followed INCLUDERC not checked: $1 is known only in delivery',
    ]);
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
    const r = run(files, ['dir/main.rc'], true, true, { HOME: '/h' });
    const ds = JSON.parse(r.out) as JsonDiagnostic[];
    expect(ds.map((d) => `${d.file}:${d.line}:${d.col} ${d.severity} ${d.code}`)).toEqual([
      'dir/inc.rc:1:1 error unexpected-brace',
      '/m/sw.rc:1:1 error incomplete-recipe',
      'dir/main.rc:4:11 warning unreadable',
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
  it('does not loop on include cycles, and warns where one closes', () => {
    const r = run({ 'a.rc': 'INCLUDERC=b.rc\n', 'b.rc': 'LOG=x\nINCLUDERC=a.rc\n' }, ['a.rc'], true);
    expect(r.code).toBe(0);
    const ds = JSON.parse(r.out) as JsonDiagnostic[];
    expect(ds.map((d) => `${d.file}:${d.line}:${d.col} ${d.code}`)).toEqual(['b.rc:2:11 include-cycle']);
    expect(ds[0]!.message).toMatch(/^INCLUDERC cycle "a\.rc" -> "b\.rc" -> "a\.rc": procmail reads it inside itself again and again unless a condition stops it, until it runs out of file descriptors/);
  });
  it('warns about an rc that includes itself through $_, and a SWITCHRC back to itself', () => {
    const r = run({ 'a.rc': ':0\n* ^X-Again\n{ INCLUDERC=$_ }\n', 'b.rc': 'SWITCHRC=b.rc\n' }, ['a.rc', 'b.rc'], true);
    expect((JSON.parse(r.out) as JsonDiagnostic[]).map((d) => `${d.file}:${d.line} ${d.message.split(':')[0]}`)).toEqual([
      'a.rc:3 "a.rc" includes itself',
      'b.rc:1 "b.rc" switches to itself',
    ]);
  });
  it('warns about lines that do not fit LINEBUF, as each kind of line overflows in procmail (cases 343-345, 408, 409)', () => {
    const x = (n: number) => 'x'.repeat(n);
    const rc = [
      `A=${x(2047)}`, // 2049 characters: longer than the default 2048
      `B=${x(2046)}`, // exactly 2048: fits
      'LINEBUF=128',
      ':0',
      `* ${x(128)}`,
      `| cat ${x(123)}`, // 128 after the `|`
      `:0 c:${x(124)}`, // the header's words joined: 128, fits
      x(123), // a leading name of LINEBUF-5
      'SENDMAIL=/bin/true',
      'SENDMAILFLAGS=',
      ':0',
      `! ${x(118)}`, // /bin/true and the address: 128, fits
      ':0',
      `! ${x(119)}`,
      '',
    ].join('\n');
    const r = run({ 'a.rc': rc }, ['a.rc'], true);
    expect((JSON.parse(r.out) as JsonDiagnostic[]).filter((d) => d.code === 'linebuf').map((d) => `${d.line} ${d.message.split(':')[0]}`)).toEqual([
      "1 2049 characters do not fit procmail's LINEBUF (2048)",
      "5 128 characters do not fit procmail's LINEBUF (128)",
      "6 128 characters do not fit procmail's LINEBUF (128)",
      "8 123 characters do not fit procmail's LINEBUF (128)",
      "14 129 characters do not fit procmail's LINEBUF (128)",
    ]);
  });
});
