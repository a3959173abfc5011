import type { FolderContext } from './folder-context.js';
import type { StoredFile } from './maildir.js';
import { syncOrUndo, tryUnlink } from './maildir.js';
import { createTemp, writeStored } from './mh.js';
import { ultoan } from './ultoan.js';

/**
 * A plain existing directory as folder (docs/procmail-semantics.md §7.4): the file is
 * named `$MSGPREFIX` + ultoan(inode), so the name is unique as long as the
 * file exists. The temp file is renamed, keeping its inode.
 */
export async function writeDirectory(ctx: FolderContext, dir: string, data: Buffer, ignoreWriteErrors: boolean): Promise<StoredFile> {
  const temp = createTemp(ctx, dir);
  if (temp === null) return { ok: false, lastFolder: dir, bytes: 0, file: null };
  let target: string;
  try {
    target = `${dir}/${ctx.msgPrefix()}${ultoan(ctx.fs.statSync(ctx.resolve(temp)).ino)}`;
    if (exists(ctx, target)) throw new Error('avoid overwriting an old message');
    ctx.fs.renameSync(ctx.resolve(temp), ctx.resolve(target));
  } catch {
    tryUnlink(ctx, temp);
    ctx.log.error(`Couldn't create or rename temp file "${temp}"`);
    return { ok: false, lastFolder: dir, bytes: 0, file: null };
  }
  return writeStored(ctx, target, data, ignoreWriteErrors);
}

export function linkIntoDirectory(ctx: FolderContext, dir: string, source: string): string | null {
  let target = dir;
  try {
    target = `${dir}/${ctx.msgPrefix()}${ultoan(ctx.fs.statSync(ctx.resolve(source)).ino)}`;
    if (ctx.verbose()) ctx.log.error(`Linking to "${target}"`);
    ctx.fs.linkSync(ctx.resolve(source), ctx.resolve(target));
  } catch {
    ctx.log.error(`Couldn't make link to "${target}"`);
    return null;
  }
  return syncOrUndo(ctx, dir, target) ? target : null;
}

function exists(ctx: FolderContext, name: string): boolean {
  try {
    ctx.fs.lstatSync(ctx.resolve(name));
    return true;
  } catch {
    return false;
  }
}
