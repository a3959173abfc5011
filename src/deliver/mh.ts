import * as path from 'node:path';
import { NORMAL_FILE_MODE } from './modes.js';
import type { FolderContext } from './folder-context.js';
import type { StoredFile } from './maildir.js';
import { abandonFile, syncOrUndo, tryUnlink } from './maildir.js';
import { dump } from './dump.js';
import { errnoOf } from './seams.js';
import { UNIQUE_FILE_RETRIES } from '../limits.js';
import { nextMhNumber } from './folder-kind.js';

/**
 * MH folders `dir/.` (docs/procmail-semantics.md §7.4; mailfold.c:dirfile): the message
 * number is one more than the highest all-numeric name; a temp file is
 * hard-linked to that number, retrying upwards on EEXIST, so two deliveries
 * never take the same number.
 */
export async function writeMh(ctx: FolderContext, dir: string, data: Buffer, ignoreWriteErrors: boolean): Promise<StoredFile> {
  const temp = createTemp(ctx, dir);
  if (temp === null) return { ok: false, lastFolder: dir, bytes: 0, file: null };
  const target = linkNextNumber(ctx, dir, temp);
  tryUnlink(ctx, temp);
  if (target === null) {
    ctx.log.error(`Couldn't create or rename temp file "${temp}"`);
    return { ok: false, lastFolder: dir, bytes: 0, file: null };
  }
  return writeStored(ctx, target, data, ignoreWriteErrors);
}

/** Secondary MH folder: link the stored file under the next number. */
export function linkIntoMh(ctx: FolderContext, dir: string, source: string): string | null {
  const target = linkNextNumber(ctx, dir, source);
  if (target === null) {
    ctx.log.error(`Couldn't make link to "${dir}/${highestNumber(ctx, dir) + 1}"`);
    return null;
  }
  if (ctx.verbose()) ctx.log.error(`Linking to "${target}"`);
  return syncOrUndo(ctx, dir, target) ? target : null;
}

/** Writes the message into a file just created for it (MH and directory folders); a failure removes the file. */
export async function writeStored(ctx: FolderContext, name: string, data: Buffer, ignoreWriteErrors: boolean): Promise<StoredFile> {
  ctx.opening(name);
  ctx.tell(-1);
  let fd: number;
  try {
    fd = ctx.fs.openSync(ctx.resolve(name), 'a', NORMAL_FILE_MODE & ~ctx.umask());
  } catch {
    tryUnlink(ctx, name);
    ctx.log.error(`Error while writing to "${name}"`);
    return { ok: false, lastFolder: name, bytes: 0, file: null };
  }
  const r = await dump(ctx, fd, data, true);
  if (!r.ok && (!ignoreWriteErrors || r.interrupted === true)) return abandonFile(ctx, name, r, name);
  // The file's name was made before its data (mailfold.c); once both are written, the name is made durable too.
  if (!syncOrUndo(ctx, path.dirname(name), name)) {
    ctx.tell(-1);
    return { ok: false, lastFolder: name, bytes: r.bytes, dumped: true, file: null };
  }
  return { ok: true, lastFolder: name, bytes: r.bytes, dumped: true, file: name };
}

/** An empty file with procmail's temp name in `dir`, or null (logged by the caller). */
export function createTemp(ctx: FolderContext, dir: string): string | null {
  let last = '';
  for (let attempt = 0; attempt <= UNIQUE_FILE_RETRIES; attempt++) {
    last = `${dir}/${ctx.names.tempName(Math.floor(ctx.clock.now() / 1000))}`;
    try {
      ctx.fs.closeSync(ctx.fs.openSync(ctx.resolve(last), 'wx', NORMAL_FILE_MODE & ~ctx.umask()));
      return last;
    } catch (e) {
      if (errnoOf(e) !== 'EEXIST') break;
    }
  }
  ctx.log.error(`Couldn't create or rename temp file "${last}"`);
  return null;
}

function linkNextNumber(ctx: FolderContext, dir: string, source: string): string | null {
  let n = highestNumber(ctx, dir);
  // Bounded: a directory filling up under us must not loop forever.
  for (let i = 0; i < 1000; i++) {
    n++;
    const target = `${dir}/${n}`;
    try {
      ctx.fs.linkSync(ctx.resolve(source), ctx.resolve(target));
      return target;
    } catch (e) {
      if (errnoOf(e) !== 'EEXIST') return null;
    }
  }
  return null;
}

function highestNumber(ctx: FolderContext, dir: string): number {
  let names: string[] = [];
  try {
    names = ctx.fs.readdirSync(ctx.resolve(dir));
  } catch {
    // procmail logs nothing useful here either; numbering starts at 1.
  }
  return nextMhNumber(names) - 1;
}
