import type { Clock } from './seams.js';
import { errnoOf } from './seams.js';
import { KERNEL_LOCK_RETRY_MAX_MS, KERNEL_LOCK_RETRY_MIN_MS } from '../limits.js';

/**
 * fcntl() write locks on the open mailbox, so procmail, mutt and dovecot
 * (mbox_write_locks = dotlock fcntl) never interleave with us (docs/procmail-semantics.md
 * §7.5; docs/node-runtime.md §6). Node has no fcntl, so a native addon (ours,
 * native/fcntl-lock.c, else `os-lock`) is loaded on first use; when it cannot be loaded delivery continues with
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

/**
 * native/fcntl-lock.c, built by `npm run build` into dist/fcntl-lock.node:
 * one non-blocking F_SETLK on the calling thread, answering 0 or an errno.
 */
export interface NativeFcntl {
  lock(fd: number, start: number): number;
  unlock(fd: number, start: number): number;
  readonly EAGAIN: number;
  readonly EACCES: number;
}

export type OsLockLoader = () => Promise<OsLock | NativeFcntl>;

/** The addon's file name beside the delivery agent's bundle (scripts/build.mjs copies it there). */
export const NATIVE_FCNTL_FILE = 'fcntl-lock.node';

/** The same addon also makes programs' pipes (os-pipe.ts): it is opened once for both. */
const opened = new Map<string, NativeFcntl>();

/**
 * Loads native/fcntl-lock.c by path with process.dlopen: no module
 * resolution, no package.json, and no libuv thread pool (os-lock runs each
 * call on it). Together that was ~1.5 ms of every delivery to an mbox
 * (bench/startup.mjs). Throws when the addon is missing or built for another Node.
 */
export function loadNativeFcntl(file: string): NativeFcntl {
  const had = opened.get(file);
  if (had !== undefined) return had;
  const mod = { exports: {} as Partial<NativeFcntl> };
  process.dlopen(mod, file);
  const m = mod.exports;
  if (typeof m.lock !== 'function' || typeof m.unlock !== 'function' || typeof m.EAGAIN !== 'number' || typeof m.EACCES !== 'number') {
    throw new Error(`${file}: not the fcntl addon`);
  }
  opened.set(file, m as NativeFcntl);
  return m as NativeFcntl;
}

/** How the lock module is found: seams, so every way loading fails can be tested. */
export interface LockModuleIo {
  /** The directory the addon sits in (the bundle's __dirname), or null when there is none (tests). */
  readonly dir: string | null;
  readonly dlopen: (file: string) => NativeFcntl;
  readonly requireOsLock: () => OsLock;
  /** stat(2), to learn why a file could not be loaded (it throws with the errno). */
  readonly stat: (path: string) => unknown;
  /** Where `require('os-lock')` looks (require.resolve.paths). */
  readonly osLockPaths: () => readonly string[];
}

export type LoadedLockModule = { readonly module: OsLock | NativeFcntl } | { readonly error: string };

/**
 * Our addon when it sits beside the bundle, else os-lock (a plain require,
 * not import(): a dynamic import starts Node's ESM loader, ~10 ms of a ~20 ms
 * delivery). When neither loads, the error says why in
 * errno terms: Node reports an unreadable package as "Cannot find module",
 * so the places it looked are stat()ed for the real reason (EACCES when the
 * install tree is not readable by the user the delivery runs as).
 */
export function loadLockModule(io: LockModuleIo): LoadedLockModule {
  const why: string[] = [];
  if (io.dir !== null) {
    const file = `${io.dir}/${NATIVE_FCNTL_FILE}`;
    try {
      return { module: io.dlopen(file) };
    } catch (e) {
      const errno = statErrno(io, file);
      // Not built here (a failed native build): os-lock does the same, only slower.
      if (errno !== 'ENOENT') why.push(`${file}: ${errno || (e instanceof Error ? e.message : String(e))}`);
    }
  }
  try {
    return { module: io.requireOsLock() };
  } catch (e) {
    const errno = io
      .osLockPaths()
      .map((dir) => statErrno(io, `${dir}/os-lock`))
      .find((code) => code !== '' && code !== 'ENOENT');
    why.push(`os-lock: ${errno ?? (e instanceof Error ? e.message.split('\n')[0]! : String(e))}`);
  }
  return { error: why.join('; ') };
}

function statErrno(io: LockModuleIo, path: string): string {
  try {
    io.stat(path);
    return '';
  } catch (e) {
    return errnoOf(e);
  }
}

const nodeLockModuleIo: LockModuleIo = {
  dir: typeof __dirname === 'string' ? __dirname : null,
  dlopen: loadNativeFcntl,
  requireOsLock: () => require('os-lock') as OsLock,
  stat: (path) => (require('node:fs') as typeof import('node:fs')).statSync(path),
  osLockPaths: () => require.resolve.paths('os-lock') ?? [],
};

let preloaded: LoadedLockModule | null = null;

/**
 * Loads the lock module now, while the install tree is readable: as root in
 * -d mode, before becoming the recipient, who may not be able to read it
 * (src/cli/delivery-agent-entry.ts). Otherwise it is loaded on first use, only when
 * a file folder is actually written, so deliveries to maildirs or pipes never
 * load it.
 */
export function preloadKernelLock(io: LockModuleIo = nodeLockModuleIo): void {
  preloaded ??= loadLockModule(io);
}

const loadOsLock: OsLockLoader = async () => {
  const r = preloaded ?? loadLockModule(nodeLockModuleIo);
  if ('error' in r) throw new Error(r.error);
  return r.module;
};

const isNative = (m: OsLock | NativeFcntl): m is NativeFcntl => typeof (m as NativeFcntl).EAGAIN === 'number';

/**
 * fcntl locking through our addon or os-lock. Attempts are non-blocking and
 * retried with a growing pause up to `timeoutMs` (TIMEOUT): a blocking
 * F_SETLKW would tie up a thread with no way to give up.
 */
export class FcntlLocker implements KernelLocker {
  private mod: Promise<OsLock | NativeFcntl | null> | null = null;
  private warned = false;

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: () => number,
    private readonly onUnavailable: (why: string) => void,
    private readonly loader: OsLockLoader = loadOsLock,
    /** A signal asked the agent to stop: no more waiting for the lock. */
    private readonly stopped: () => boolean = () => false,
  ) {}

  private load(): Promise<OsLock | NativeFcntl | null> {
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

  /** One attempt: true = locked, false = held by someone else, null = failed otherwise. */
  private async attempt(m: OsLock | NativeFcntl, fd: number, start: number): Promise<boolean | null> {
    if (isNative(m)) {
      const err = m.lock(fd, start);
      return err === 0 ? true : err === m.EAGAIN || err === m.EACCES ? false : null;
    }
    try {
      await m.lock(fd, start, 0, { exclusive: true, immediate: true });
      return true;
    } catch (e) {
      const code = errnoOf(e);
      const busy = code === 'EAGAIN' || code === 'EACCES' || /EAGAIN|EACCES|temporarily unavailable|denied/i.test(String(e));
      return busy ? false : null;
    }
  }

  async lock(fd: number, start: number): Promise<boolean> {
    const m = await this.load();
    if (m === null) return true;
    const deadline = this.clock.now() + this.timeoutMs();
    let pause = KERNEL_LOCK_RETRY_MIN_MS;
    for (;;) {
      const got = await this.attempt(m, fd, start);
      if (got === true) return true;
      if (got === null || this.clock.now() >= deadline || this.stopped()) return false;
      await this.clock.sleep(pause);
      pause = Math.min(pause * 2, KERNEL_LOCK_RETRY_MAX_MS);
    }
  }

  async unlock(fd: number, start: number): Promise<boolean> {
    const m = await this.load();
    if (m === null) return true;
    if (isNative(m)) return m.unlock(fd, start) === 0;
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
