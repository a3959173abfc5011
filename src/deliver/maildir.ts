import { NORMAL_FILE_MODE } from './modes.js';
import type { FolderContext } from './folder-context.js';
import type { FolderWrite } from './mbox.js';
import { dump, writeErrorText, type DumpResult } from './dump.js';
import { errnoOf } from './seams.js';
import { UNIQUE_FILE_RETRIES } from '../limits.js';

/** A stored message: what LASTFOLDER shows, and the file the secondary folders link to. */
export interface StoredFile extends FolderWrite {
  readonly file: string | null;
}

/**
 * Maildir delivery (docs/procmail-semantics.md §7.3): create `tmp/<time>.<pid>_<serial>.<host>`
 * with O_EXCL, write, fsync, link() into `new/`, unlink the tmp name, fsync
 * `new/`. Readers never see a partial message. The data arrives without
 * From_ line, escaping or added newline (the caller prepares it).
 *
 * Exactly two fsyncs, in this order, because a message only counts as
 * delivered once it survives a crash: the file's, before the link, so
 * that a name in new/ never points at data still in memory (the maildir
 * protocol's "write, fsync, then link"; linking first would let a crash
 * leave an empty or cut message in new/ beside the MTA's retry); then
 * new/'s, after it, because fsync(2) on a file "does not necessarily
 * ensure that the entry in the directory containing the file has also
 * reached disk. For that an explicit fsync() on a file descriptor for the
 * directory is also needed" (fsync(2)). procmail 3.22 stops after the
 * first. We never sync tmp/: its name need not outlive a crash. An
 * fdatasync(2) of the new file would write the same blocks (its size
 * changed, so its inode goes out either way).
 */
export async function writeMaildir(ctx: FolderContext, dir: string, data: Buffer, ignoreWriteErrors: boolean): Promise<StoredFile> {
  const created = createUnique(ctx, dir);
  if (created === null) return { ok: false, lastFolder: dir, bytes: 0, file: null };
  const { name, fd } = created;
  const tmp = `${dir}/tmp/${name}`;
  const r = await dump(ctx, fd, data, false);
  if (!r.ok && (!ignoreWriteErrors || r.interrupted === true)) return abandonFile(ctx, tmp, r, dir);
  const target = `${dir}/new/${name}`;
  try {
    moveNoReplace(ctx, ctx.resolve(tmp), ctx.resolve(target));
  } catch {
    tryUnlink(ctx, tmp);
    ctx.log.error(`Couldn't create or rename temp file "${tmp}"`);
    return { ok: false, lastFolder: dir, bytes: r.bytes, dumped: true, file: null };
  }
  if (!syncOrUndo(ctx, `${dir}/new`, target)) return { ok: false, lastFolder: dir, bytes: r.bytes, dumped: true, file: null };
  ctx.lastFolder(target);
  return { ok: true, lastFolder: target, bytes: r.bytes, dumped: true, file: target };
}

/** A secondary maildir folder gets a hard link to the stored file (docs/procmail-semantics.md §7.4). */
export function linkIntoMaildir(ctx: FolderContext, dir: string, source: string): string | null {
  const created = createUnique(ctx, dir);
  if (created === null) return null;
  const { name, fd } = created;
  try {
    ctx.fs.closeSync(fd);
  } catch {
    // only reserved the name
  }
  tryUnlink(ctx, `${dir}/tmp/${name}`);
  const target = `${dir}/new/${name}`;
  if (ctx.verbose()) ctx.log.error(`Linking to "${target}"`);
  try {
    ctx.fs.linkSync(ctx.resolve(source), ctx.resolve(target));
  } catch {
    ctx.log.error(`Couldn't make link to "${target}"`);
    return null;
  }
  return syncOrUndo(ctx, `${dir}/new`, target) ? target : null;
}

function createUnique(ctx: FolderContext, dir: string): { name: string; fd: number } | null {
  let last = '';
  for (let attempt = 0; attempt <= UNIQUE_FILE_RETRIES; attempt++) {
    const name = ctx.names.maildirName(Math.floor(ctx.clock.now() / 1000));
    last = `${dir}/tmp/${name}`;
    try {
      return { name, fd: ctx.fs.openSync(ctx.resolve(last), 'wx', NORMAL_FILE_MODE & ~ctx.umask()) };
    } catch (e) {
      if (errnoOf(e) !== 'EEXIST') break;
    }
  }
  ctx.log.error(`Couldn't create or rename temp file "${last}"`);
  return null;
}

/** link() never overwrites; rename() only where hard links are impossible (docs/procmail-semantics.md §7.3). */
function moveNoReplace(ctx: FolderContext, from: string, to: string): void {
  try {
    ctx.fs.linkSync(from, to);
  } catch (e) {
    const code = errnoOf(e);
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw e;
    ctx.fs.renameSync(from, to);
    return;
  }
  ctx.fs.unlinkSync(from);
}

/**
 * fsync(2) of a directory, so that a name just made in it survives a crash:
 * the error code when the sync failed (EIO, ENOSPC, …: the name may be lost),
 * else null. A directory that cannot be opened for reading (mode 0300) or a
 * file system without directory fsync (EINVAL, ENOTSUP) gives null: there
 * only the file's own fsync vouches for the message, as with procmail, which
 * never syncs a directory.
 */
export function syncDirectory(ctx: FolderContext, dir: string): string | null {
  let fd: number;
  try {
    fd = ctx.fs.openSync(ctx.resolve(dir), 'r');
  } catch {
    return null;
  }
  try {
    ctx.fs.fsyncSync(fd);
    return null;
  } catch (e) {
    const code = errnoOf(e);
    return code === 'EINVAL' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' ? null : code;
  } finally {
    try {
      ctx.fs.closeSync(fd);
    } catch {
      // the sync's outcome is what counts
    }
  }
}

/**
 * The directory of a message's new name synced; when that fails the name is
 * removed again and the write counts as failed, so the message is never
 * reported stored while its name may not outlive a crash (the MTA retries,
 * or DEFAULT takes it).
 */
export function syncOrUndo(ctx: FolderContext, dir: string, name: string): boolean {
  const failed = syncDirectory(ctx, dir);
  if (failed === null) return true;
  tryUnlink(ctx, name);
  ctx.log.error(`Error while writing to "${name}"`);
  return false;
}

/**
 * A message file whose write failed: removed, the error logged as procmail
 * words it, no comsat offset (mailfold.c dump() failing for MH, maildir and
 * directory folders).
 */
export function abandonFile(ctx: FolderContext, file: string, r: DumpResult & { ok: false }, lastFolder: string): StoredFile {
  ctx.tell(-1);
  tryUnlink(ctx, file);
  ctx.log.error(writeErrorText(r.code, file));
  return { ok: false, lastFolder, bytes: r.bytes, dumped: true, file: null };
}

export function tryUnlink(ctx: FolderContext, name: string): void {
  try {
    ctx.fs.unlinkSync(ctx.resolve(name));
  } catch {
    // already gone
  }
}
