import { fileUserDb, type UserDb } from '../deliver/userdb.js';

/**
 * The passwd and group files as a UserDb for a long-running service: the
 * delivery agent reads them once per message, but the service runs for
 * months, so it reads them again whenever either file changed (size, mtime
 * or inode) since the last lookup. A user added to the system can get mail
 * at once, without restarting anything.
 */
export interface PasswdFs {
  readFileSync(path: string, encoding: 'latin1'): string;
  statSync(path: string): { mtimeMs: number; size: number; ino: number };
}

export function passwdDb(fs: PasswdFs, passwd = '/etc/passwd', group = '/etc/group'): UserDb {
  let stamp = '';
  let db: UserDb | null = null;
  const signature = (): string =>
    [passwd, group]
      .map((p) => {
        try {
          const st = fs.statSync(p);
          return `${st.ino}:${st.size}:${st.mtimeMs}`;
        } catch {
          return '-';
        }
      })
      .join('/');
  const current = (): UserDb => {
    const now = signature();
    if (db === null || now !== stamp) {
      stamp = now;
      db = fileUserDb(
        (p) => {
          try {
            return fs.readFileSync(p, 'latin1');
          } catch {
            return null;
          }
        },
        passwd,
        group,
      );
    }
    return db;
  };
  return {
    byName: (name) => current().byName(name),
    byUid: (uid) => current().byUid(uid),
    groupsOf: (name, gid) => current().groupsOf(name, gid),
    groupName: (gid) => current().groupName(gid),
  };
}
