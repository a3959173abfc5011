import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import { compileRc } from '../compile/compile.js';
import type { CompiledRc } from '../compile/compiled-rc.js';
import type { EngineInput } from '../eval/input.js';
import type { Stats } from 'node:fs';
import type { LdaIo } from './agent-io.js';
import type { LdaArgs } from './command-line-args.js';
import { rcfileTrusted, type StatFn } from './rcfile-security.js';
import type { UserEntry } from './userdb.js';

const SYSTEM_RCFILES = ['/etc/mailrulesrc', '/etc/procmailrc'];
const USER_RCFILES = ['.mailrulesrc', '.procmailrc'];

/**
 * The rcfiles to run (docs/procmail-semantics.md §6.1, §6.2): -m's rcfile relative to the
 * cwd; named rcfiles absolute, `./x` from the cwd, others from $HOME; else
 * the system rcfile then the user's. Ours (`mailrulesrc`) are preferred,
 * procmail's used when ours don't exist. Suspicious files are ignored.
 */
export function loadRcfiles(args: LdaArgs, user: UserEntry, io: LdaIo, complain: (t: string) => void): { rcfiles: CompiledRc[]; chain: EngineInput['chain'] } {
  const home = user.dir;
  const cache = io.compiledRcCache?.(user) ?? null;
  const stat = statOnce(io);
  const read = (path: string, shown: string, check: 'none' | 'loose' | 'strict'): CompiledRc | null => {
    if (check !== 'none' && !trusted(io, stat, path, user, check === 'strict')) {
      complain(`Suspicious rcfile "${shown}"`);
      complain(`Couldn't read "${shown}"`);
      return null;
    }
    let text: string;
    try {
      text = io.fs.readFileSync(path).toString('latin1');
    } catch {
      complain(`Couldn't read "${shown}"`);
      return null;
    }
    // Only an rcfile the user could edit anyway may come from the user's cache (compiled-rc-cache.ts).
    if (cache === null || !ownedBy(stat, path, user.uid)) return compileRc(text, shown);
    const hit = cache.get(path, shown, text);
    if (hit !== null) return hit;
    const compiled = compileRc(text, shown);
    cache.put(path, compiled);
    return compiled;
  };
  const exists = (path: string): boolean => {
    try {
      stat(path);
      return true;
    } catch {
      return false;
    }
  };
  if (args.filter) {
    const rc = args.rcfiles[0]!;
    const path = resolvePath(io.cwd, rc);
    const p = read(path, rc, rc.startsWith('./') ? 'none' : 'loose');
    return { rcfiles: p === null ? [] : [p], chain: 'host-mismatch' };
  }
  if (args.recipients === null && args.rcfiles.length > 0) {
    const out: CompiledRc[] = [];
    for (const rc of args.rcfiles) {
      const path = isAbsolute(rc) ? rc : rc.startsWith('./') ? resolvePath(io.cwd, rc) : join(home, rc);
      if (!exists(path)) {
        // Named by its full path (verified: `procmail chek` says Couldn't read "/root/chek"), then on to DEFAULT.
        complain(`Couldn't read "${path}"`);
        continue;
      }
      const p = read(path, rc, rc.startsWith('./') ? 'none' : 'loose');
      if (p !== null) out.push(p);
    }
    // Command-line rcfiles: the next runs only after a HOST mismatch (docs/procmail-semantics.md §1.7).
    return { rcfiles: out, chain: 'host-mismatch' };
  }
  const system = args.preserve ? undefined : SYSTEM_RCFILES.find(exists);
  // A relative home can't give a trustworthy rcfile: procmail skips it and delivers to the system mailbox (verified).
  const homeOk = isAbsolute(home);
  if (!homeOk) complain('default rcfile is not an absolute path');
  const userRc = homeOk ? USER_RCFILES.map((f) => join(home, f)).find(exists) : undefined;
  const etc = system === undefined ? null : read(system, system, 'none');
  const mine = userRc === undefined ? null : read(userRc, userRc, 'strict');
  // procmail runs /etc/procmailrc and then goes on with the user's rcfile, each with fresh per-rcfile state (procmail.c startrc).
  return { rcfiles: [etc, mine].filter((p): p is CompiledRc => p !== null), chain: 'sequence' };
}

/**
 * stat(2) asked once per path for one lookup of the rcfiles, its answer
 * (or its error) kept for the other questions asked of that path: whether
 * it exists, whether it may be trusted, whom it belongs to. One view of
 * each file for all three, and no second or third system call and Stats
 * object for the same answer: an LMTP worker looks the rcfiles up for
 * every message.
 */
function statOnce(io: LdaIo): StatFn {
  const seen = new Map<string, { st: Stats } | { error: unknown }>();
  return (path) => {
    let r = seen.get(path);
    if (r === undefined) {
      try {
        r = { st: io.fs.statSync(path) };
      } catch (error) {
        r = { error };
      }
      seen.set(path, r);
    }
    if ('error' in r) throw r.error;
    return r.st;
  };
}

function ownedBy(stat: StatFn, path: string, uid: number): boolean {
  try {
    return stat(path).uid === uid;
  } catch {
    return false;
  }
}

function trusted(io: LdaIo, stat: StatFn, path: string, user: UserEntry, strict: boolean): boolean {
  return rcfileTrusted(stat, path, {
    uid: user.uid,
    strictGroup: strict,
    primaryGid: user.gid,
    groupPerUser: isGroupPerUser(io, user),
  });
}

/** Debian's GROUP_PER_USER: the primary group is the user's own when it has the user's name. */
function isGroupPerUser(io: LdaIo, user: UserEntry): boolean {
  return io.userdb.groupName(user.gid) === user.name;
}
