/**
 * Which kind of folder a name is, and what procmail creates to deliver to
 * it (mailfold.c foldertype, trymkdir, writefolder): the rules delivery
 * acts on and the dry run predicts with, so both give the same answer. The
 * file system comes in as DirectoryOps: delivery's really stat()s and
 * mkdir()s (folders.ts), the dry run's stat()s and predicts a mkdir from
 * the parent directory (src/dryrun/folders.ts).
 *
 * - `x/` is a maildir, `x/.` an MH folder, anything else a file, unless it
 *   is an existing directory (then a plain directory folder).
 * - A missing directory is created, but only its last component, as mkdir(2)
 *   does: `lists/foo/` needs `lists/`. A maildir also gets new/, cur/, tmp/.
 * - When the directory can't be had, procmail logs `Unable to treat as
 *   directory "x"` and writes to `x` as a file instead, which fails in turn
 *   when its directory is missing (`Error while writing to "x"`), so the
 *   recipe fails and processing goes on (verified: `lists/$MATCH/` without
 *   `lists/`, `nonexistent/dir/box`, `a/b/c/inbox/` all end in DEFAULT). A
 *   maildir whose new/cur/tmp can't be made, and any secondary folder, is
 *   skipped (`Skipped "x"`).
 */
import type { DeliverRequest } from '../eval/requests.js';

export type FolderKind = 'file' | 'maildir' | 'mh' | 'dir';

export interface Folder {
  readonly kind: FolderKind;
  /** The name to write: the folder as written, minus the `/` or `/.` that chose the kind. */
  readonly name: string;
}

/** What is at a name: a directory, something else, nothing, or an error other than ENOENT. */
export type PathState = 'dir' | 'other' | 'missing' | 'unreachable';

export interface DirectoryOps {
  /** What `name` (relative to MAILDIR, or absolute) is now. */
  state(name: string): PathState;
  /** mkdir(2) of `name` (one level); true when it is a directory afterwards. */
  make(name: string): boolean;
  /** Logs one of procmail's error lines (`Unable to treat as directory "x"`). */
  error(text: string): void;
}

/** The kind by syntax alone: `x/.` MH, `x/` maildir, else null (a file or an existing directory). */
function kindBySyntax(folder: string): { kind: 'mh' | 'maildir'; name: string } | null {
  if (folder.length >= 2 && folder.endsWith('/.')) return { kind: 'mh', name: folder.slice(0, -2) };
  if (folder.length > 1 && folder.endsWith('/')) {
    const name = folder.replace(/\/+$/, '');
    return { kind: 'maildir', name: name === '' ? '/' : name };
  }
  return null;
}

/** Makes sure `name` is a directory, creating its last component when missing (mailfold.c trymkdir). */
export function ensureDirectory(ops: DirectoryOps, name: string): boolean {
  const s = ops.state(name);
  if (s === 'dir') return true;
  return s === 'missing' && ops.make(name);
}

/** A maildir's `new`, `cur` and `tmp`, in the directory `dir` already made sure of. */
function ensureMaildirSubdirs(ops: DirectoryOps, dir: string): boolean {
  return ['new', 'cur', 'tmp'].every((sub) => ensureDirectory(ops, `${dir}/${sub}`));
}

/**
 * The folder to write for `folder`, creating directories as procmail would.
 * Secondary folders (`forceDir`) are always directories; one that can't be
 * made is skipped (null), as is a primary maildir whose subdirectories
 * can't be made.
 */
export function classifyFolder(ops: DirectoryOps, folder: string, forceDir: boolean): Folder | null {
  const bySyntax = kindBySyntax(folder);
  let kind: FolderKind;
  let name: string;
  if (bySyntax !== null) {
    kind = bySyntax.kind;
    name = bySyntax.name;
  } else {
    name = folder;
    if (!forceDir) return { kind: ops.state(folder) === 'dir' ? 'dir' : 'file', name };
    kind = 'dir';
  }
  // The directory is asked about once: a maildir's own check was a second stat(2) of it on every delivery.
  const top = ensureDirectory(ops, name);
  if (top && (kind !== 'maildir' || ensureMaildirSubdirs(ops, name))) return { kind, name };
  ops.error(`Unable to treat as directory "${name}"`);
  if (forceDir || (top && kind === 'maildir')) {
    ops.error(`Skipped "${name}"`);
    return null;
  }
  return { kind: 'file', name };
}

/** The kind classifyFolder would pick, without creating anything: for deciding on DEFAULT's lock before the delivery. */
export function folderKind(state: (name: string) => PathState, folder: string): FolderKind {
  const bySyntax = kindBySyntax(folder);
  if (bySyntax !== null) return bySyntax.kind;
  return state(folder) === 'dir' ? 'dir' : 'file';
}

/**
 * The lockfile a delivery holds: the fall-back's `$DEFAULT$LOCKEXT` only when
 * DEFAULT is a file, because writefolder(dolock) locks in its ft_FILE case
 * alone, so a maildir, MH or directory DEFAULT is written unlocked (verified:
 * no `Locking` line, even when the maildir is new).
 */
export function heldLockfile(r: Pick<DeliverRequest, 'fallback' | 'lockfile'>, kind: FolderKind): string | null {
  return r.fallback && kind !== 'file' ? null : r.lockfile;
}

/** An MH folder's next message number: one more than the highest all-numeric name (mailfold.c dirfile). */
export function nextMhNumber(names: Iterable<string>): number {
  let max = 0;
  for (const n of names) if (/^[0-9]+$/.test(n)) max = Math.max(max, Number(n));
  return max + 1;
}
