import type * as FsModule from 'node:fs';

/**
 * stat(2) and lstat(2) for a long-lived worker, where a missing file is the
 * common answer: each delivery asks for /etc/mailrulesrc, /etc/procmailrc,
 * ~/.mailrulesrc and the system mailbox's lockfile, usually absent. Node
 * builds each ENOENT as an Error with a captured stack (about 10 µs, more
 * than the stat itself); these ask with `throwIfNoEntry: false` and throw
 * an Error of the same shape (message, errno, code, syscall, path) made
 * without a stack. Callers see exactly what they saw before.
 */
export type StatFs = Pick<typeof FsModule, 'statSync' | 'lstatSync'>;

export function quietStat<F extends StatFs>(fs: F): F {
  // A call with options of its own (bigint, or its own throwIfNoEntry) goes through as it is.
  const statSync = (path: FsModule.PathLike, options?: FsModule.StatSyncOptions) =>
    options !== undefined ? fs.statSync(path, options) : (fs.statSync(path, { throwIfNoEntry: false }) ?? throwMissing('stat', path));
  const lstatSync = (path: FsModule.PathLike, options?: FsModule.StatSyncOptions) =>
    options !== undefined ? fs.lstatSync(path, options) : (fs.lstatSync(path, { throwIfNoEntry: false }) ?? throwMissing('lstat', path));
  return { ...fs, statSync, lstatSync } as F;
}

const ENOENT = -2;

function throwMissing(syscall: string, path: FsModule.PathLike): never {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    const shown = String(path);
    throw Object.assign(new Error(`ENOENT: no such file or directory, ${syscall} '${shown}'`), { errno: ENOENT, code: 'ENOENT', syscall, path: shown });
  } finally {
    Error.stackTraceLimit = limit;
  }
}
