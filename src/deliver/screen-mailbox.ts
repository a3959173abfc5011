import { dirname, join } from 'node:path';
import type { Clock, DeliveryFs } from './seams.js';
import { errnoOf } from './seams.js';
import { ultoan } from './ultoan.js';

/**
 * procmail's start-up screening of the system mailbox (docs/procmail-semantics.md §9;
 * foldinfo.c:screenmailbox), run on ORGMAIL before any rcfile in every mode
 * but -m. A mailbox the recipient doesn't own, can't write, that is a
 * symlink or has other hard links is moved out of the way to
 * `BOGUS.$LOGNAME.<ultoan inode>` (after one SUSPEND-long second look, in
 * case another delivery was just creating it); loose permissions are
 * tightened; a missing mailbox is created (owned by the recipient), so it
 * exists even when the rcfile delivers elsewhere (verified). A suid or sgid
 * mailbox is SysV autoforwarding: -d refuses it with exit 67.
 */
export interface ScreenOptions {
  readonly fs: DeliveryFs;
  readonly clock: Clock;
  /** The recipient. */
  readonly uid: number;
  readonly gid: number;
  readonly logname: string;
  /** -d mode: a suid/sgid mailbox is fatal. */
  readonly deliveryMode: boolean;
  /** SUSPEND, seconds: the wait before a second look at a suspicious mailbox. */
  readonly suspendSec: number;
  /** Whether we may chown (running as root): a mailbox we create is given to the recipient. */
  readonly privileged: boolean;
  readonly lockext: string;
  log(text: string): void;
}

export type ScreenResult =
  /** The mailbox is fine (or was made fine). */
  | { readonly kind: 'ok' }
  /** It could not be made usable: procmail drops ORGMAIL (nix_sysmbox). */
  | { readonly kind: 'unusable' }
  /** Autoforwarding mailbox: exit EX_NOUSER. */
  | { readonly kind: 'autoforward' };

/** procmail's INIT_UMASK at screening time: the tightened mode drops group and other bits. */
const SCREEN_UMASK = 0o077;
/** u+x on a mailbox says "leave my permissions alone" (OVERRIDE_MASK). */
const OVERRIDE_MASK = 0o100;
/**
 * Bits that trigger the tightening: other access and group execute. Group
 * read/write is tolerated (verified: 0660 kept, 0664 and 0610 become 0600),
 * as procmail allows on spools it can't write itself.
 */
const LOOSE_BITS = 0o017;
const S_ISUID = 0o4000;
const S_ISGID = 0o2000;

export async function screenMailbox(path: string, o: ScreenOptions): Promise<ScreenResult> {
  // Only plain-file system mailboxes are screened; "" and directory types are left alone.
  if (path === '' || path.endsWith('/')) return { kind: 'ok' };
  const { fs } = o;
  let secondLook = false;
  for (let round = 0; round < 4; round++) {
    let st: ReturnType<DeliveryFs['lstatSync']>;
    try {
      st = fs.lstatSync(path);
    } catch (e) {
      if (errnoOf(e) !== 'ENOENT') return couldntCreate(o, path);
      const made = create(o, path);
      if (made === 'exists') continue;
      if (made === 'failed') return couldntCreate(o, path);
      return { kind: 'ok' };
    }
    const mode = st.mode & 0o7777;
    const isDir = st.isDirectory();
    const bogus = st.uid !== o.uid || (mode & 0o200) === 0 || st.isSymbolicLink() || (isDir ? (mode & 0o100) === 0 : st.nlink !== 1);
    if (bogus) {
      // Maybe another delivery is half-way through creating it (st_nlink==2): close eyes and look again.
      if (!secondLook) {
        secondLook = true;
        await o.clock.sleep(o.suspendSec * 1000);
        continue;
      }
      const target = bogusName(path, o.logname, st.ino);
      o.log(`Renaming bogus mailbox "${path}" info "${target}"`);
      try {
        fs.renameSync(path, target);
      } catch {
        return couldntCreate(o, path);
      }
      continue;
    }
    if (o.deliveryMode && ((mode & S_ISUID) !== 0 || (!isDir && (mode & S_ISGID) !== 0))) {
      o.log('Autoforwarding mailbox found');
      return { kind: 'autoforward' };
    }
    if ((mode & OVERRIDE_MASK) === 0 && (mode & LOOSE_BITS) !== 0) {
      o.log(`Enforcing stricter permissions on "${path}"`);
      try {
        fs.chmodSync(path, mode & ~SCREEN_UMASK);
      } catch {
        // procmail doesn't check either; delivery still goes ahead.
      }
    }
    if (!isDir && (mode & 0o020) === 0) moveBogusLock(o, path + o.lockext);
    return { kind: 'ok' };
  }
  return couldntCreate(o, path);
}

function couldntCreate(o: ScreenOptions, path: string): ScreenResult {
  o.log(`Couldn't create "${path}"`);
  return { kind: 'unusable' };
}

/** An empty mailbox, mode 0600, handed to the recipient (exopen.c:xcreat doCHOWN). */
function create(o: ScreenOptions, path: string): 'created' | 'exists' | 'failed' {
  let fd: number;
  try {
    fd = o.fs.openSync(path, 'wx', 0o666 & ~SCREEN_UMASK);
  } catch (e) {
    return errnoOf(e) === 'EEXIST' ? 'exists' : 'failed';
  }
  try {
    if (o.privileged) o.fs.chownSync?.(path, o.uid, o.gid);
  } catch {
    // The bogus-owner check would catch it next time.
  } finally {
    o.fs.closeSync(fd);
  }
  return 'created';
}

/** A lockfile owned by someone else than the recipient or root is moved away silently (foldinfo.c). */
function moveBogusLock(o: ScreenOptions, lock: string): void {
  try {
    const st = o.fs.lstatSync(lock);
    if (st.uid === o.uid || st.uid === 0) return;
    o.fs.renameSync(lock, bogusName(lock, o.logname, st.ino));
  } catch {
    // none there, or it can't be moved: the lock code deals with it
  }
}

/** Where a bogus mailbox or lockfile goes: `BOGUS.$LOGNAME.<ultoan inode>` in the same directory (foldinfo.c:rnmbogus). */
export function bogusName(path: string, logname: string, ino: number): string {
  return join(dirname(path), `BOGUS.${logname}.${ultoan(ino)}`);
}
