import { dirname, join } from 'node:path';
import type { Clock, DeliveryFs } from './seams.js';
import { errnoOf } from './seams.js';
import type { UniqueNames } from './unique-name.js';
import { LOCK_HARD_ERROR_RETRIES, MAX_STALE_LOCK_SIZE } from '../limits.js';

/**
 * procmail-compatible dotlocks (docs/procmail-semantics.md §7.5; locking.c:lockit,
 * exopen.c:xcreat): a unique file is created in the lock's directory and
 * hard-linked to the lock name; the link count, not link()'s return value,
 * says whether we own it (NFS). The file holds "0" and has mode 0444 under
 * the umask. Locks are interchangeable with procmail's, lockfile(1)'s, mutt's
 * and dovecot's dotlocks.
 */
export interface LockTiming {
  /** LOCKSLEEP, seconds between attempts. */
  readonly sleepSec: number;
  /** LOCKTIMEOUT, seconds after which a small lock is stale; 0 = never. */
  readonly timeoutSec: number;
  /** SUSPEND, seconds to wait after forcing a stale lock. */
  readonly suspendSec: number;
}

/** The calls a dotlock makes (a part of DeliveryFs). */
export type LockFs = Pick<DeliveryFs, 'openSync' | 'writeSync' | 'fstatSync' | 'closeSync' | 'linkSync' | 'lstatSync' | 'unlinkSync'>;

export interface DotlockEnv {
  readonly fs: LockFs;
  readonly clock: Clock;
  readonly names: UniqueNames;
  /** Where `Lock failure`, `Forcing lock` and the VERBOSE lines go (the LOGFILE: logfile.ts DeliveryLog). */
  readonly log: { error(text: string): unknown };
  readonly umask: () => number;
  /** VERBOSE is on: log `Locking "x"` / `Unlocking "x"`. */
  readonly verbose: () => boolean;
  /** A signal asked the agent to stop: give up waiting, quietly (stop-signal.ts). */
  readonly stopped?: () => boolean;
}

/** Errors that may be a passing shortage or an NFS hiccup: retried 8 times (locking.c). */
const TRANSIENT = new Set(['ENOSPC', 'EDQUOT', 'ENOENT', 'ENOTDIR', 'EIO']);

/**
 * Acquires `lockPath` (already resolved for the fs). Returns true when the
 * lock is held; on a hard failure logs `Lock failure on "name"` and returns
 * false — procmail then delivers without the lock.
 */
export async function acquireDotlock(env: DotlockEnv, lockPath: string, name: string, timing: LockTiming): Promise<boolean> {
  let transientLeft = LOCK_HARD_ERROR_RETRIES;
  let triedForce = false;
  for (;;) {
    // Stopping: the action this lock guards will not run, so there is no failure to report.
    if (env.stopped?.() === true) return false;
    if (env.verbose()) env.log.error(`Locking "${name}"`);
    const attempt = tryCreateLock(env, lockPath);
    if (attempt.ok) return true;
    const code = attempt.code;
    if (code === 'EEXIST') {
      const stale = isStale(env.fs, lockPath, attempt.fsTimeSec, timing.timeoutSec);
      if (stale === 'stale') {
        if (triedForce) break;
        try {
          env.fs.unlinkSync(lockPath);
          env.log.error(`Forcing lock on "${name}"`);
          await env.clock.sleep(timing.suspendSec * 1000);
          continue;
        } catch {
          triedForce = true;
          env.log.error(`Forced unlock denied on "${name}"`);
        }
      } else {
        triedForce = false;
      }
      transientLeft = LOCK_HARD_ERROR_RETRIES;
    } else if (TRANSIENT.has(code)) {
      if (--transientLeft <= 0) break;
    } else {
      break;
    }
    await env.clock.sleep(timing.sleepSec * 1000);
  }
  env.log.error(`Lock failure on "${name}"`);
  return false;
}

export function releaseDotlock(env: DotlockEnv, lockPath: string, name: string): boolean {
  if (env.verbose()) env.log.error(`Unlocking "${name}"`);
  try {
    env.fs.unlinkSync(lockPath);
    return true;
  } catch {
    env.log.error(`Couldn't unlock "${name}"`);
    return false;
  }
}

type Attempt = { ok: true } | { ok: false; code: string; fsTimeSec: number };

function tryCreateLock(env: DotlockEnv, lockPath: string): Attempt {
  const { fs } = env;
  const nowSec = Math.floor(env.clock.now() / 1000);
  const temp = join(dirname(lockPath), env.names.tempName(nowSec));
  let fsTimeSec = nowSec;
  let created = false;
  try {
    const fd = fs.openSync(temp, 'wx', 0o444 & ~env.umask());
    created = true;
    try {
      // "pid 0, works across networks" (exopen.c).
      fs.writeSync(fd, Buffer.from('0'));
      // The file system's clock decides staleness, which caters for clock skew on NFS (locking.c).
      fsTimeSec = Math.floor(fs.fstatSync(fd).mtimeMs / 1000);
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    // A full disk lets the create through and fails the write: every retry
    // would leave another empty temp file behind (exopen.c unlinks it too).
    if (created) removeQuietly(fs, temp);
    return { ok: false, code: errnoOf(e) || 'EIO', fsTimeSec };
  }
  let code = '';
  try {
    fs.linkSync(temp, lockPath);
  } catch (e) {
    code = errnoOf(e) || 'EIO';
    // NFS: link() may report failure although it succeeded; the link count tells.
    try {
      if (fs.lstatSync(temp).nlink === 2) code = '';
    } catch {
      // keep the link error
    }
  }
  // A leftover temp file would be harmless here: the lock decision is already made.
  removeQuietly(fs, temp);
  return code === '' ? { ok: true } : { ok: false, code, fsTimeSec };
}

function removeQuietly(fs: LockFs, path: string): void {
  try {
    fs.unlinkSync(path);
  } catch {
    // nothing more to do
  }
}

function isStale(fs: LockFs, lockPath: string, nowSec: number, timeoutSec: number): 'stale' | 'fresh' {
  if (timeoutSec <= 0) return 'fresh';
  try {
    const st = fs.lstatSync(lockPath);
    if (st.size > MAX_STALE_LOCK_SIZE || st.isDirectory()) return 'fresh';
    return timeoutSec < nowSec - Math.floor(st.mtimeMs / 1000) ? 'stale' : 'fresh';
  } catch {
    return 'fresh';
  }
}
