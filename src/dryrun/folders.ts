import { dirname, isAbsolute, resolve } from 'node:path';
import type { DeliverRequest } from '../eval/requests.js';
import { classifyFolder, nextMhNumber, type DirectoryOps, type Folder, type PathState } from '../deliver/folder-kind.js';
import { prepareFolderBytes } from '../deliver/folders.js';
import { lookPath, type DryRunFs, type Looked } from './look.js';
import { BoundedMap } from '../bounded-map.js';
import { DRYRUN_FOLDER_CACHE_SIZE } from '../limits.js';

/**
 * What delivering to folders would do, predicted from a read-only look at
 * the file system with the same rules delivery acts on
 * (src/deliver/folder-kind.ts: which kind a folder is, what gets created,
 * `Unable to treat as directory`, `Skipped`) and the same bytes
 * (src/deliver/folders.ts prepareFolderBytes). A directory delivery would
 * create, or a file it would append to, is remembered (Overlay), so later
 * deliveries, and later messages of a replay, see them as delivery would.
 */

/** procmail's folder types as reports name them; /dev/null is `null`. */
export type FolderType = 'mbox' | 'maildir' | 'mh' | 'directory' | 'null';

export interface FolderTarget {
  /** The folder as the rc named it (expanded). */
  readonly folder: string;
  /** The kind delivery would write it as (a maildir it cannot make is tried as a file: `mbox`). */
  readonly type: FolderType;
  /** Absolute path after resolving against MAILDIR. */
  readonly path: string;
  /** The name as it would appear in LASTFOLDER (dry-run names for maildir and directory files). */
  readonly stored: string;
  /** `stored` as an absolute path. */
  readonly file: string;
  /** False when nothing would be written there (skipped, or the write would fail). */
  readonly written: boolean;
}

export interface PredictedDelivery {
  readonly ok: boolean;
  readonly lastFolder: string;
  /** The bytes delivery would write (the abstract's size), computed on demand: only a logged abstract needs them. */
  readonly size: () => number;
  readonly folders: readonly FolderTarget[];
  /** procmail's error lines delivery would log (`procmail: Unable to treat as directory "x"\n`…). */
  readonly logged: readonly string[];
}

/**
 * What earlier (predicted) deliveries would have created: directories,
 * files, MH numbers taken. What the current message added is journaled, so
 * another branch of the same message can start from before it (atMark).
 */
export class Overlay {
  private readonly dirSet = new Set<string>();
  private readonly fileSet = new Set<string>();
  private readonly mh = new Map<string, number>();
  private journal: Change[] = [];
  /** Counts every change, so a caller can tell whether a step changed anything. */
  version = 0;

  hasDir(path: string): boolean {
    return this.dirSet.has(path);
  }

  hasFile(path: string): boolean {
    return this.fileSet.has(path);
  }

  nextMh(path: string): number | undefined {
    return this.mh.get(path);
  }

  addDir(path: string): void {
    if (this.dirSet.has(path)) return;
    this.dirSet.add(path);
    this.version++;
    this.journal.push({ kind: 'dir', path });
  }

  addFile(path: string): void {
    if (this.fileSet.has(path)) return;
    this.fileSet.add(path);
    this.version++;
    this.journal.push({ kind: 'file', path });
  }

  setMh(path: string, next: number): void {
    this.journal.push({ kind: 'mh', path, old: this.mh.get(path) });
    this.mh.set(path, next);
    this.version++;
  }

  /** A new message starts: what it adds is journaled from here. */
  mark(): void {
    this.journal = [];
  }

  /** A copy as it was at the mark, to predict another branch of the message with. */
  atMark(): Overlay {
    const o = new Overlay();
    for (const d of this.dirSet) o.dirSet.add(d);
    for (const f of this.fileSet) o.fileSet.add(f);
    for (const [k, v] of this.mh) o.mh.set(k, v);
    for (let i = this.journal.length - 1; i >= 0; i--) {
      const c = this.journal[i]!;
      if (c.kind === 'mh') {
        if (c.old === undefined) o.mh.delete(c.path);
        else o.mh.set(c.path, c.old);
      } else if (c.kind === 'dir') o.dirSet.delete(c.path);
      else o.fileSet.delete(c.path);
    }
    return o;
  }
}

type Change = { readonly kind: 'dir' | 'file'; readonly path: string } | { readonly kind: 'mh'; readonly path: string; readonly old: number | undefined };

export interface PredictOptions {
  readonly cwd: string;
  /** -Y */
  readonly berkeley: boolean;
  /** Numbers the dry-run names of maildir and directory files. */
  readonly serial: () => number;
}

export class FolderPredictor {
  /** stat() results: a dry run changes nothing, so they cannot go stale (the overlay holds what delivery would change). */
  private readonly looks = new Map<string, Looked>();
  /**
   * Directory folders (maildir, MH, plain) already had, by directory and
   * name: classifying them again would create and log nothing. Off while a
   * branch of a message is explored, whose overlay lacks what the message made.
   */
  private readonly classified = new BoundedMap<string, Map<string, Folder>>(DRYRUN_FOLDER_CACHE_SIZE);
  memo = true;

  /** Names made absolute, by directory: the same folders come back for every message of a replay. */
  private readonly absNames = new BoundedMap<string, Map<string, string>>(DRYRUN_FOLDER_CACHE_SIZE);

  /** `name` resolved against `cwd`, the same string each time (cheap to look up again). */
  abs(cwd: string, name: string): string {
    let names = this.absNames.get(cwd);
    if (names === undefined) {
      names = new BoundedMap(DRYRUN_FOLDER_CACHE_SIZE);
      this.absNames.set(cwd, names);
    }
    let p = names.get(name);
    if (p === undefined) {
      p = isAbsolute(name) ? name : resolve(cwd, name);
      names.set(name, p);
    }
    return p;
  }

  constructor(
    private readonly fs: DryRunFs,
    public overlay: Overlay,
  ) {}

  look(path: string): Looked {
    if (this.overlay.hasDir(path)) return 'dir';
    if (this.overlay.hasFile(path)) return 'file';
    let l = this.looks.get(path);
    if (l === undefined) {
      l = lookPath(this.fs, path);
      this.looks.set(path, l);
    }
    return l;
  }

  private writable(path: string): boolean {
    if (this.overlay.hasDir(path) || this.overlay.hasFile(path)) return true;
    return this.fs.writable?.(path) ?? true;
  }

  /** The state of a name for folder-kind.ts. */
  state(path: string): PathState {
    const l = this.look(path);
    return l === 'dir' ? 'dir' : l === 'missing' ? 'missing' : l === 'unreachable' ? 'unreachable' : 'other';
  }

  /** classifyFolder, remembered for directory folders it found ready. */
  private classify(ops: DirectoryOps, cwd: string, folder: string, forceDir: boolean, logged: readonly string[]): Folder | null {
    let byName = this.memo ? this.classified.get(cwd) : undefined;
    const key = forceDir ? `\u0001${folder}` : folder;
    const hit = byName?.get(key);
    if (hit !== undefined) return hit;
    const version = this.overlay.version;
    const nlogged = logged.length;
    const f = classifyFolder(ops, folder, forceDir);
    if (this.memo && f !== null && f.kind !== 'file' && this.overlay.version === version && logged.length === nlogged) {
      if (byName === undefined) {
        byName = new BoundedMap(DRYRUN_FOLDER_CACHE_SIZE);
        this.classified.set(cwd, byName);
      }
      byName.set(key, f);
    }
    return f;
  }

  predict(req: DeliverRequest, o: PredictOptions): PredictedDelivery {
    const logged: string[] = [];
    const abs = (name: string): string => this.abs(o.cwd, name);
    const ops: DirectoryOps = {
      state: (name) => this.state(abs(name)),
      // mkdir(2) creates the last component only, in a directory this user may write to.
      make: (name) => {
        const path = abs(name);
        const parent = dirname(path);
        if (this.look(parent) !== 'dir' || !this.writable(parent)) return false;
        this.overlay.addDir(path);
        return true;
      },
      error: (text) => logged.push(`procmail: ${text}\n`),
    };
    const [first, ...rest] = req.folders;
    const targets: FolderTarget[] = [];
    const notWritten = (folder: string, type: FolderType): void => {
      targets.push({ folder, type, path: abs(folder), stored: folder, file: abs(folder), written: false });
    };
    const done = (ok: boolean, lastFolder: string, size: () => number): PredictedDelivery => ({ ok, lastFolder, size, folders: targets, logged });
    const none = (): number => 0;
    if (first === undefined) return done(false, '', none);
    const fopts = { feed: req.feed, berkeley: o.berkeley };
    const primary = this.classify(ops, o.cwd, first, false, logged);
    if (primary === null) {
      notWritten(first, 'maildir');
      for (const f of rest) notWritten(f, typeOf(f));
      return done(false, first, none);
    }
    if (primary.kind === 'file') {
      if (rest.length > 0) logged.push(`procmail: Skipped "${rest.join(' ')}"\n`);
      const ignore = req.feed.ignoreWriteErrors;
      if (primary.name === '/dev/null') {
        targets.push({ folder: first, type: 'null', path: '/dev/null', stored: '/dev/null', file: '/dev/null', written: true });
        for (const f of rest) notWritten(f, typeOf(f));
        return done(true, '/dev/null', () => req.data.length);
      }
      const prepared = (): ReturnType<typeof prepareFolderBytes> => prepareFolderBytes('file', req.data, fopts);
      const path = abs(primary.name);
      const write = this.appendable(path);
      targets.push({ folder: first, type: 'mbox', path, stored: primary.name, file: path, written: write !== 'no-open' && (write === 'ok' || ignore) });
      for (const f of rest) notWritten(f, typeOf(f));
      if (write === 'ok') {
        this.overlay.addFile(path);
        return done(true, primary.name, () => prepared().bytes.length);
      }
      if (ignore) return done(true, primary.name, none);
      logged.push(`procmail: Error while writing to "${primary.name}"\n`);
      // mailfold.c lastdump: a write that failed still counts the bytes it was given; an open that failed, none.
      return done(false, primary.name, write === 'no-open' ? none : () => prepared().failedSize);
    }
    const kind = primary.kind;
    const stored = this.storedName(primary, req.msgPrefix, o, abs);
    if (stored === null) {
      logged.push(`procmail: Couldn't create or rename temp file "${primary.name}"\n`);
      notWritten(first, typeOfKind(primary));
      return done(false, primary.name, none);
    }
    const dir = abs(primary.name);
    // The stored name is the folder's name and a file in it: its path is the folder's and the same file.
    targets.push({ folder: first, type: typeOfKind(primary), path: dir, stored, file: dir + stored.slice(primary.name.length), written: true });
    const names = [stored];
    for (const other of rest) {
      const f = this.classify(ops, o.cwd, other, true, logged);
      const linked = f === null ? null : this.storedName(f, req.msgPrefix, o, abs);
      if (f === null || linked === null) {
        if (f !== null) logged.push(`procmail: Couldn't make link to "${f.name}"\n`);
        notWritten(other, f === null ? typeOf(other) : typeOfKind(f));
        continue;
      }
      const fdir = abs(f.name);
      targets.push({ folder: other, type: typeOfKind(f), path: fdir, stored: linked, file: fdir + linked.slice(f.name.length), written: true });
      names.push(linked);
    }
    return done(true, names.join(' '), () => prepareFolderBytes(kind, req.data, fopts).bytes.length);
  }

  /** Appending to a file (O_APPEND|O_CREAT): `ok`, `no-open` when it can't be opened or created, `fails` when the write would fail. */
  private appendable(path: string): 'ok' | 'no-open' | 'fails' {
    switch (this.look(path)) {
      case 'file':
      case 'other':
        return this.writable(path) ? 'ok' : 'no-open';
      case 'full':
        return 'fails';
      case 'missing': {
        const parent = dirname(path);
        return this.look(parent) === 'dir' && this.writable(parent) ? 'ok' : 'no-open';
      }
      default:
        return 'no-open';
    }
  }

  /** The name a file stored in (or linked into) `f` would get, or null when its directory is not writable. */
  private storedName(f: Folder, msgPrefix: string, o: PredictOptions, abs: (name: string) => string): string | null {
    const dir = abs(f.kind === 'maildir' ? `${f.name}/tmp` : f.name);
    if (!this.writable(dir)) return null;
    switch (f.kind) {
      case 'maildir':
        return `${f.name}/new/dry-run.${o.serial()}`;
      case 'mh': {
        const path = abs(f.name);
        const next = this.overlay.nextMh(path) ?? nextMhNumber(this.overlay.hasDir(path) ? [] : (this.fs.readdir(path) ?? []));
        this.overlay.setMh(path, next + 1);
        return `${f.name}/${next}`;
      }
      default:
        return `${f.name}/${msgPrefix}dry-run.${o.serial()}`;
    }
  }
}

function typeOfKind(f: Folder): FolderType {
  return f.kind === 'file' ? 'mbox' : f.kind === 'dir' ? 'directory' : f.kind;
}

/** The type a folder's name suggests, for one that is never reached. */
function typeOf(folder: string): FolderType {
  if (folder === '/dev/null') return 'null';
  if (folder.length >= 2 && folder.endsWith('/.')) return 'mh';
  if (folder.length > 1 && folder.endsWith('/')) return 'maildir';
  return 'mbox';
}
