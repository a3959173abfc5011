import { memberGroups, parseGroup, parsePasswd, type GroupEntry, type UserDb, type UserEntry } from '../deliver/userdb.js';

/**
 * The passwd and group files as a UserDb for long-running processes (the
 * service, for RCPT; a worker, for the rcfile trust check's group name):
 * the delivery agent reads and parses them once per message, but these
 * processes run for months and look up on every delivery. Each file is
 * parsed once and parsed again when it changed (inode, size, mtime or
 * ctime differ from the last look), so a user added to the system gets
 * mail at once, without restarting anything; a lookup costs one stat(2)
 * of the file it needs, never a read. Lookups keep getpwnam(3)'s and
 * getgrgid(3)'s rule: the first matching line wins.
 */
export interface PasswdFs {
  readFileSync(path: string, encoding: 'latin1'): string;
  statSync(path: string): { mtimeMs: number; ctimeMs: number; size: number; ino: number };
}

interface Users {
  readonly byName: ReadonlyMap<string, UserEntry>;
  readonly byUid: ReadonlyMap<number, UserEntry>;
}

interface Groups {
  readonly all: readonly GroupEntry[];
  readonly names: ReadonlyMap<number, string>;
}

export function passwdDb(fs: PasswdFs, passwd = '/etc/passwd', group = '/etc/group'): UserDb {
  const users = watchedFile(fs, passwd, (text): Users => {
    const byName = new Map<string, UserEntry>();
    const byUid = new Map<number, UserEntry>();
    for (const u of parsePasswd(text)) {
      if (!byName.has(u.name)) byName.set(u.name, u);
      if (!byUid.has(u.uid)) byUid.set(u.uid, u);
    }
    return { byName, byUid };
  });
  const groups = watchedFile(fs, group, (text): Groups => {
    const all = parseGroup(text);
    const names = new Map<number, string>();
    for (const g of all) if (!names.has(g.gid)) names.set(g.gid, g.name);
    return { all, names };
  });
  return {
    byName: (name) => users().byName.get(name) ?? null,
    byUid: (uid) => users().byUid.get(uid) ?? null,
    groupsOf: (name, gid) => memberGroups(groups().all, name, gid),
    groupName: (gid) => groups().names.get(gid) ?? null,
  };
}

/**
 * `path` parsed by `parse`, again whenever a stat(2) says it changed. A
 * missing or unreadable file reads as empty. A change between the stat and
 * the read is caught by the next lookup's stat, which then differs.
 */
function watchedFile<T>(fs: PasswdFs, path: string, parse: (text: string) => T): () => T {
  let stamp: string | null = null;
  let value: T | null = null;
  return () => {
    let now: string;
    try {
      const st = fs.statSync(path);
      now = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    } catch {
      now = '-';
    }
    if (value === null || now !== stamp) {
      let text = '';
      try {
        text = fs.readFileSync(path, 'latin1');
      } catch {
        // missing or unreadable: no entries
      }
      value = parse(text);
      stamp = now;
    }
    return value;
  };
}
