import { NORMAL_FILE_MODE } from './modes.js';
import type { FolderContext } from './folder-context.js';
import { dump, writeErrorText } from './dump.js';
import { errnoOf } from './seams.js';
import { syncDirectory } from './maildir.js';
import { dirname } from 'node:path';

/** o+x on a mailbox is procmail's "new mail" marker when the umask leaves it alone (UPDATE_MASK, docs/procmail-semantics.md §5.2). */
const UPDATE_MASK = 0o001;

export interface FolderWrite {
  readonly ok: boolean;
  /** LASTFOLDER for this folder. */
  readonly lastFolder: string;
  readonly bytes: number;
  /** The file was opened and written to (procmail's dump() ran and set lastdump), even if the write failed. */
  readonly dumped?: boolean;
}

/**
 * Appends to a file folder (docs/procmail-semantics.md §7.2): O_APPEND|O_CREAT with mode
 * 0666 under the umask, kernel lock at the end of the file, write, fsync.
 * A failed write is truncated back to the file's former size (dump.ts), so
 * a full disk never leaves half a message that would corrupt the next one;
 * the recipe then fails and the engine goes on (procmail continues with the
 * next recipe). `data` is already escaped and newline-terminated by the
 * caller; dump() separates it from a file that does not end with an empty
 * line. The file is opened for reading too, to see how it ends.
 */
export async function appendToFile(ctx: FolderContext, name: string, data: Buffer, ignoreWriteErrors: boolean): Promise<FolderWrite> {
  const path = ctx.resolve(name);
  const existed = markNewMail(ctx, path);
  ctx.opening(name);
  ctx.tell(-1);
  let fd: number;
  try {
    fd = openAppend(ctx, path);
  } catch {
    if (ignoreWriteErrors) return { ok: true, lastFolder: name, bytes: 0 };
    ctx.log.error(`Error while writing to "${name}"`);
    return { ok: false, lastFolder: name, bytes: 0 };
  }
  const r = await dump(ctx, fd, data, true, true);
  if (r.ok || (ignoreWriteErrors && r.interrupted !== true)) {
    // A file this delivery created needs its name made durable too (fsync(2); maildir.ts syncDirectory). Should that
    // fail, the write fails: the message may then be stored twice (the fallback, the MTA's retry), never lost.
    if (!existed && r.ok && syncDirectory(ctx, dirname(name)) !== null) {
      ctx.log.error(`Error while writing to "${name}"`);
      return { ok: false, lastFolder: name, bytes: r.bytes, dumped: true };
    }
    return { ok: true, lastFolder: name, bytes: r.bytes, dumped: true };
  }
  ctx.log.error(writeErrorText(r.code, name));
  if (r.truncated === true && ctx.chatty()) ctx.log.error('Truncated file to former size');
  return { ok: false, lastFolder: name, bytes: r.bytes, dumped: true };
}

/** O_APPEND, and O_RDWR where the file lets us read it (a write-only mailbox is appended to unseparated). */
function openAppend(ctx: FolderContext, path: string): number {
  const mode = NORMAL_FILE_MODE & ~ctx.umask();
  try {
    return ctx.fs.openSync(path, 'a+', mode);
  } catch (e) {
    if (errnoOf(e) !== 'EACCES') throw e;
    return ctx.fs.openSync(path, 'a', mode);
  }
}

/** Marks an existing file as having new mail (procmail's update bit); whether the file exists. */
function markNewMail(ctx: FolderContext, path: string): boolean {
  let mode: number;
  try {
    mode = ctx.fs.statSync(path).mode & 0o7777;
  } catch {
    // A new file gets its mode at creation.
    return false;
  }
  if (!(ctx.umask() & UPDATE_MASK) && !(mode & UPDATE_MASK)) {
    try {
      ctx.fs.chmodSync(path, mode | UPDATE_MASK);
    } catch {
      // not ours to change: the mail is still delivered
    }
  }
  return true;
}
