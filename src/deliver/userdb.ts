/**
 * Who the recipient is (-d user) and which groups they are in, read from
 * /etc/passwd and /etc/group like getpwnam(3) and initgroups(3) on a
 * files-only system. A seam, so tests need no real accounts.
 */
export interface UserEntry {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly dir: string;
  readonly shell: string;
}

export interface UserDb {
  byName(name: string): UserEntry | null;
  byUid(uid: number): UserEntry | null;
  /** Supplementary groups of `name` plus its primary group (initgroups). */
  groupsOf(name: string, gid: number): number[];
  /** The name of group `gid` (getgrgid), or null. */
  groupName(gid: number): string | null;
}

export interface GroupEntry {
  readonly name: string;
  readonly gid: number;
  readonly members: readonly string[];
}

export function fileUserDb(read: (path: string) => string | null, passwd = '/etc/passwd', group = '/etc/group'): UserDb {
  let users: UserEntry[] | null = null;
  const all = (): UserEntry[] => {
    if (users === null) users = parsePasswd(read(passwd) ?? '');
    return users;
  };
  return {
    byName: (name) => all().find((u) => u.name === name) ?? null,
    byUid: (uid) => all().find((u) => u.uid === uid) ?? null,
    groupsOf: (name, gid) => memberGroups(parseGroup(read(group) ?? ''), name, gid),
    groupName: (gid) => parseGroup(read(group) ?? '').find((g) => g.gid === gid)?.name ?? null,
  };
}

/** initgroups(3): the primary group `gid` and every group that lists `name` as a member, each once. */
export function memberGroups(groups: readonly GroupEntry[], name: string, gid: number): number[] {
  const gids = new Set<number>([gid]);
  for (const g of groups) if (g.members.includes(name)) gids.add(g.gid);
  return [...gids];
}

/** /etc/group: `name:password:gid:member,member`; comments and malformed lines skipped. */
export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 3 || line.startsWith('#') || f[2] === '') continue;
    const gid = Number(f[2]);
    if (!Number.isInteger(gid)) continue;
    out.push({ name: f[0]!, gid, members: (f[3] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '') });
  }
  return out;
}

export function parsePasswd(text: string): UserEntry[] {
  const out: UserEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 7 || line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid) || f[2] === '' || f[3] === '') continue;
    out.push({ name: f[0]!, uid, gid, dir: f[5]!, shell: f[6]!.trim() });
  }
  return out;
}
