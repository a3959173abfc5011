import type { Clock } from './seams.js';
import { errnoOf } from './seams.js';
import { KERNEL_LOCK_RETRY_MAX_MS, KERNEL_LOCK_RETRY_MIN_MS } from '../limits.js';

/**
 * fcntl() write locks on the open mailbox, so procmail, mutt and dovecot
 * (mbox_write_locks = dotlock fcntl) never interleave with us (procmail.md
 * §7.5; node-stack.md §6). Node has no fcntl, so the native `os-lock` addon
 * is loaded on first use; when it cannot be loaded delivery continues with
 * dotlocks only, and that is said once in the log.
 */
export interface KernelLocker {
  /** Write-locks from `start` to the end of the file; false when not possible (then procmail logs `Kernel-lock failed` and writes anyway). */
  lock(fd: number, start: number): Promise<boolean>;
  unlock(fd: number, start: number): Promise<boolean>;
}

interface OsLock {
  lock(fd: number, start: number, length: number, options: { exclusive: boolean; immediate: boolean }): Promise<void>;
  unlock(fd: number, start: number, length: number): Promise<void>;
}

export type OsLockLoader = () => Promise<OsLock>;

// A plain require, not import(): a dynamic import starts Node's ESM loader,
// ~10 ms of a ~20 ms delivery (node-stack.md §2). Called only when a file
// folder is actually written, so deliveries to maildirs or pipes never load
// the addon at all.
const loadOsLock: OsLockLoader = async () => require('os-lock') as OsLock;

/**
 * fcntl locking through os-lock. Attempts are non-blocking and retried with
 * a growing pause up to `timeoutMs` (TIMEOUT): a blocking F_SETLKW would tie
 * up a libuv thread with no way to give up.
 */
export class FcntlLocker implements KernelLocker {
  private mod: Promise<OsLock | null> | null = null;
  private warned = false;

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: () => number,
    private readonly onUnavailable: (why: string) => void,
    private readonly loader: OsLockLoader = loadOsLock,
  ) {}

  private load(): Promise<OsLock | null> {
    if (this.mod === null) {
      this.mod = this.loader().then(
        (m) => m,
        (e: unknown) => {
          if (!this.warned) {
            this.warned = true;
            this.onUnavailable(e instanceof Error ? e.message : String(e));
          }
          return null;
        },
      );
    }
    return this.mod;
  }

  async lock(fd: number, start: number): Promise<boolean | never> {
    const m = await this.load();
    if (m === null) return true;
    const deadline = this.clock.now() + this.timeoutMs();
    let pause = KERNEL_LOCK_RETRY_MIN_MS;
    for (;;) {
      try {
        await m.lock(fd, start, 0, { exclusive: true, immediate: true });
        return true;
      } catch (e) {
        const code = errnoOf(e);
        const busy = code === 'EAGAIN' || code === 'EACCES' || /EAGAIN|EACCES|temporarily unavailable|denied/i.test(String(e));
        if (!busy || this.clock.now() >= deadline) return false;
      }
      await this.clock.sleep(pause);
      pause = Math.min(pause * 2, KERNEL_LOCK_RETRY_MAX_MS);
    }
  }

  async unlock(fd: number, start: number): Promise<boolean> {
    const m = await this.load();
    if (m === null) return true;
    try {
      await m.unlock(fd, start, 0);
      return true;
    } catch {
      return false;
    }
  }
}

/** For tests and platforms where kernel locks are not wanted. */
export const noKernelLocks: KernelLocker = {
  lock: async () => true,
  unlock: async () => true,
};
