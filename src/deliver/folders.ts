import type { Feed } from '../eval/requests.js';
import type { FolderContext } from './folder-context.js';
import { classifyFolder, type DirectoryOps, type FolderKind, type PathState } from './folder-kind.js';
import { appendToFile } from './mbox.js';
import { errnoOf } from './seams.js';
import { linkIntoMaildir, writeMaildir, type StoredFile } from './maildir.js';
import { linkIntoMh, writeMh } from './mh.js';
import { linkIntoDirectory, writeDirectory } from './directory.js';
import { escapeFromLines, headerEnd, rewriteContentLength } from './message-format.js';
import { stripFromLine, withTrailingNewline } from '../eval/program-input.js';

/**
 * The file system as folder classification sees it (folder-kind.ts), for
 * real: stat(), and mkdir() with 0777 under the umask; another delivery
 * creating the directory meanwhile is as good as creating it.
 */
export function directoryOps(ctx: FolderContext): DirectoryOps {
  return {
    state: (name) => pathState(ctx, name),
    make(name) {
      try {
        ctx.fs.mkdirSync(ctx.resolve(name), { mode: 0o777 & ~ctx.umask() });
        return true;
      } catch (e) {
        return errnoOf(e) === 'EEXIST' && pathState(ctx, name) === 'dir';
      }
    },
    error: (text) => ctx.log.error(text),
  };
}

export function pathState(ctx: FolderContext, name: string): PathState {
  try {
    return ctx.fs.statSync(ctx.resolve(name)).isDirectory() ? 'dir' : 'other';
  } catch (e) {
    return errnoOf(e) === 'ENOENT' ? 'missing' : 'unreachable';
  }
}

export interface FolderOptions {
  readonly feed: Feed;
  /** -Y: Berkeley mbox, Content-Length ignored. */
  readonly berkeley: boolean;
}

/**
 * The bytes written for a kind of folder (docs/procmail-semantics.md §7.1, §7.2): files get
 * Content-Length rewritten, From_ lines escaped and the trailing newline;
 * MH and directories the newline; maildir loses the From_ line and gets
 * nothing added. `r` turns escaping and the newline off.
 */
export function folderBytes(kind: FolderKind, data: Buffer, opts: FolderOptions): Buffer {
  return prepareFolderBytes(kind, data, opts).bytes;
}

/**
 * folderBytes, plus the size procmail's abstract shows when the write
 * fails: dump() sets lastdump to the message length before any From_
 * escape or added newline, and a failed write never gets to add them
 * (mailfold.c:dump).
 */
export function prepareFolderBytes(kind: FolderKind, data: Buffer, opts: FolderOptions): { bytes: Buffer; failedSize: number } {
  const { feed } = opts;
  let bytes = data;
  let escapeFrom = 0;
  let headerEndAt = 0;
  if (!feed.header && feed.bodyCovered !== undefined && !opts.berkeley) {
    // Only the body: the bytes the message's Content-Length covers stay unescaped.
    escapeFrom = Math.min(data.length, feed.bodyCovered);
  } else if (feed.header) {
    headerEndAt = headerEnd(data);
    // The field describes the whole message; with only the header fed the body length is unknown here.
    if (opts.berkeley || !feed.body) {
      escapeFrom = Math.max(0, headerEndAt - 1);
    } else {
      const cl = rewriteContentLength(data);
      bytes = cl.data;
      escapeFrom = cl.escapeFrom;
    }
  }
  if (kind === 'maildir') {
    const out = feed.header ? stripFromLine(bytes) : bytes;
    return { bytes: out, failedSize: out.length };
  }
  const failedSize = bytes.length;
  if (feed.raw) return { bytes, failedSize };
  if (kind === 'file') bytes = escapeFromLines(bytes, headerEndAt, escapeFrom);
  return { bytes: withTrailingNewline(bytes), failedSize };
}

/** The abstract's size after a failed folder write (see prepareFolderBytes); 0 when nothing was written to. */
function failedBytes(r: { ok: boolean; bytes: number; dumped?: boolean }, failedSize: number): number {
  if (r.ok) return r.bytes;
  return r.dumped === true ? failedSize : 0;
}

export interface FoldersResult {
  readonly ok: boolean;
  readonly lastFolder: string;
  readonly bytes: number;
}

/**
 * Stores the message in the first folder and hard-links it into the others
 * (docs/procmail-semantics.md §7.4, `Linking to`). LASTFOLDER lists every name.
 */
export async function deliverToFolders(ctx: FolderContext, folders: readonly string[], data: Buffer, opts: FolderOptions): Promise<FoldersResult> {
  const [first, ...rest] = folders;
  if (first === undefined) return { ok: false, lastFolder: '', bytes: 0 };
  const ops = directoryOps(ctx);
  const primary = classifyFolder(ops, first, false);
  if (primary === null) return { ok: false, lastFolder: first, bytes: 0 };
  const ignore = opts.feed.ignoreWriteErrors;
  if (primary.kind === 'file') {
    if (rest.length > 0) ctx.log.error(`Skipped "${rest.join(' ')}"`);
    // /dev/null is "saved the effort on": no lock, no newline (docs/procmail-semantics.md §7.2).
    if (primary.name === '/dev/null') {
      // Still "opened" (mailfold.c opena), and seeking /dev/null gives offset 0.
      ctx.opening('/dev/null');
      ctx.tell(0);
      return { ok: true, lastFolder: '/dev/null', bytes: data.length };
    }
    const prepared = prepareFolderBytes('file', data, opts);
    const r = await appendToFile(ctx, primary.name, prepared.bytes, ignore);
    return { ...r, bytes: failedBytes(r, prepared.failedSize) };
  }
  const prepared = prepareFolderBytes(primary.kind, data, opts);
  const bytes = prepared.bytes;
  let stored: StoredFile;
  if (primary.kind === 'maildir') stored = await writeMaildir(ctx, primary.name, bytes, ignore);
  else if (primary.kind === 'mh') stored = await writeMh(ctx, primary.name, bytes, ignore);
  else stored = await writeDirectory(ctx, primary.name, bytes, ignore);
  if (!stored.ok || stored.file === null) return { ...stored, bytes: failedBytes(stored, prepared.failedSize) };
  const names = [stored.lastFolder];
  for (const other of rest) {
    const folder = classifyFolder(ops, other, true);
    if (folder === null) continue;
    const linked =
      folder.kind === 'maildir'
        ? linkIntoMaildir(ctx, folder.name, stored.file)
        : folder.kind === 'mh'
          ? linkIntoMh(ctx, folder.name, stored.file)
          : linkIntoDirectory(ctx, folder.name, stored.file);
    if (linked !== null) names.push(linked);
  }
  return { ok: true, lastFolder: names.join(' '), bytes: stored.bytes };
}
