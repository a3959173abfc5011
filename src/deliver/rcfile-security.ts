import type { Stats } from 'node:fs';
import { dirname } from 'node:path';

/**
 * procmail's rcfile screening (docs/procmail-semantics.md §9; procmail.c:tryopen): an
 * rcfile others could have written is ignored with `Suspicious rcfile`,
 * because it would run commands as the recipient.
 */
export interface RcfileCheck {
  /** Owner must be this uid or root. */
  readonly uid: number;
  /** The default ~/.mailrulesrc: group-writable only when the group is the user's own primary group (GROUP_PER_USER). */
  readonly strictGroup: boolean;
  /** The user's primary group, and whether it is a per-user group (its name equals the login). */
  readonly primaryGid: number;
  readonly groupPerUser: boolean;
}

export type StatFn = (path: string) => Stats;

/** True when the file may be used. `path` must be absolute or resolved. */
export function rcfileTrusted(stat: StatFn, path: string, check: RcfileCheck): boolean {
  if (path === '/dev/null') return true;
  let st: Stats;
  let dir: Stats;
  try {
    st = stat(path);
    dir = stat(dirname(path));
  } catch {
    // Missing files are reported as unreadable by the caller, not as suspicious.
    return true;
  }
  if (st.uid !== check.uid && st.uid !== 0) return false;
  if (st.mode & 0o002) return false;
  const sticky = (dir.mode & 0o1000) !== 0;
  if (!sticky && (dir.mode & 0o003) === 0o003) return false;
  if (check.strictGroup) {
    const ownGroup = check.groupPerUser && st.gid === check.primaryGid;
    if (st.mode & 0o020 && !ownGroup) return false;
    const dirOwnGroup = check.groupPerUser && dir.gid === check.primaryGid;
    if (!sticky && (dir.mode & 0o030) === 0o030 && !dirOwnGroup) return false;
  }
  return true;
}
