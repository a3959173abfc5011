import { describe, expect, it } from 'vitest';
import { passwdDb, type PasswdFs } from '../../src/lmtp/passwd-db.js';

/** Files in memory; each write bumps the mtime, as an editor's save does. */
function files(initial: Record<string, string>) {
  const text = new Map(Object.entries(initial));
  const meta = new Map<string, { ino: number; mtimeMs: number; ctimeMs: number }>();
  let clock = 1;
  for (const p of text.keys()) meta.set(p, { ino: clock, mtimeMs: clock, ctimeMs: clock++ });
  const reads: string[] = [];
  const fs: PasswdFs = {
    readFileSync: (p) => {
      reads.push(p);
      const t = text.get(p);
      if (t === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return t;
    },
    statSync: (p) => {
      const m = meta.get(p);
      const t = text.get(p);
      if (m === undefined || t === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return { ...m, size: t.length };
    },
  };
  return {
    fs,
    reads,
    write(p: string, t: string, how: 'edit' | 'replace' | 'same-times' = 'edit') {
      text.set(p, t);
      const m = meta.get(p) ?? { ino: 100 + clock, mtimeMs: 0, ctimeMs: 0 };
      clock++;
      if (how === 'edit') meta.set(p, { ino: m.ino, mtimeMs: clock, ctimeMs: clock });
      else if (how === 'replace') meta.set(p, { ino: 100 + clock, mtimeMs: m.mtimeMs, ctimeMs: m.ctimeMs });
      else meta.set(p, m);
    },
    remove(p: string) {
      text.delete(p);
    },
  };
}

const PASSWD = 'alice:x:5001:5001::/home/alice:/bin/sh\nalice:x:5009:5009::/elsewhere:/bin/sh\nbob:x:5002:5002::/home/bob:/bin/sh\n';
const GROUP = 'alice:x:5001:\nstaff:x:50:alice,bob\nother:x:50:\n';

describe('passwdDb (the long-running processes\' users and groups)', () => {
  it('parses each file once while it is unchanged, and keeps the first entry as getpwnam and getgrgid do', () => {
    const f = files({ '/etc/passwd': PASSWD, '/etc/group': GROUP });
    const db = passwdDb(f.fs);
    for (let i = 0; i < 5; i++) {
      expect(db.byName('alice')?.uid).toBe(5001);
      expect(db.byUid(5002)?.name).toBe('bob');
      expect(db.groupName(50)).toBe('staff');
      expect(db.groupsOf('bob', 5002)).toEqual([5002, 50]);
    }
    expect(f.reads).toEqual(['/etc/passwd', '/etc/group']);
  });

  it('reads only the file a lookup needs', () => {
    const f = files({ '/etc/passwd': PASSWD, '/etc/group': GROUP });
    passwdDb(f.fs).groupName(5001);
    expect(f.reads).toEqual(['/etc/group']);
  });

  it('sees an edit, a file replaced by rename, and a change that kept the times but not the size', () => {
    const f = files({ '/etc/passwd': PASSWD, '/etc/group': GROUP });
    const db = passwdDb(f.fs);
    expect(db.byName('carol')).toBe(null);
    f.write('/etc/passwd', `${PASSWD}carol:x:5003:5003::/home/carol:/bin/sh\n`);
    expect(db.byName('carol')?.uid).toBe(5003);
    f.write('/etc/group', 'alice:x:5001:\nwheel:x:50:\n', 'replace');
    expect(db.groupName(50)).toBe('wheel');
    f.write('/etc/group', 'alice:x:5001:\nwheel:x:50:\nmail:x:8:alice\n', 'same-times');
    expect(db.groupsOf('alice', 5001)).toEqual([5001, 8]);
  });

  it('treats a missing file as empty, and finds it once it appears', () => {
    const f = files({ '/etc/passwd': PASSWD });
    const db = passwdDb(f.fs);
    expect(db.groupName(50)).toBe(null);
    f.write('/etc/group', GROUP);
    expect(db.groupName(50)).toBe('staff');
    f.remove('/etc/passwd');
    expect(db.byName('alice')).toBe(null);
  });
});
