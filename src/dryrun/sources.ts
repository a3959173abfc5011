import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { errnoOf } from '../deliver/seams.js';
import { join, relative } from 'node:path';
import micromatch from 'micromatch';
import { DRYRUN_READ_CHUNK_BYTES } from '../limits.js';

/**
 * Message sources for `mailrules test`: where saved mail comes from.
 *
 * An argument names one of:
 * - a file holding one message, or an mbox (a file whose first line starts
 *   with `From `), split the way `formail -s` splits (docs/procmail-semantics.md §10): a
 *   message starts at the start of the file or right after a blank line,
 *   at a line beginning `From `. Bytes are kept exactly as stored (the blank
 *   line that ends a message stays with it, `>From` is not unescaped), so
 *   each message is what procmail would have been fed;
 * - a maildir (a directory with `cur/` or `new/`): the files of cur/ and new/
 *   in delivery order, which their names give: the delivery time first, then
 *   the rest, digit runs compared as numbers (`999.x` before `1000.x`,
 *   `_2` before `_10`);
 * - an MH folder (`.mh_sequences`, or only numeric file names): numeric order;
 * - any other directory: its files, recursively, in name order (dot-files skipped);
 * - a glob (micromatch syntax) matched against the paths under its base;
 * - `-`: standard input.
 *
 * Big mboxes are streamed in chunks (docs/node-runtime.md §3.4): a 100,000-message
 * file is never held in memory at once. Reading is synchronous because the
 * dry-run engine loop is (one message at a time, no per-message promise).
 */

export interface SourceMessage {
  /** How reports name the message: the path, with `#N` for the Nth message of a multi-message mbox. */
  readonly id: string;
  readonly data: Buffer;
}

export type SourceKind = 'file' | 'maildir' | 'mh' | 'directory' | 'stdin';

export interface Source {
  readonly kind: SourceKind;
  /** The path as the user gave it (or as found under a directory or glob). */
  readonly path: string;
}

/** Read-only file-system seam (the dry run never writes, so nothing else is needed). */
export interface SourceFs {
  statKind(path: string): 'file' | 'directory' | 'other' | null;
  readdir(path: string): string[];
  openRead(path: string): number;
  read(fd: number, buf: Buffer, offset: number, length: number): number;
  close(fd: number): void;
}

export const nodeSourceFs: SourceFs = {
  statKind(path) {
    try {
      const st = statSync(path);
      return st.isFile() ? 'file' : st.isDirectory() ? 'directory' : 'other';
    } catch {
      return null;
    }
  },
  readdir: (path) => readdirSync(path),
  openRead: (path) => openSync(path, 'r'),
  read(fd, buf, offset, length) {
    // Pipes can report EAGAIN when stdin is non-blocking; retrying is the documented remedy.
    for (;;) {
      try {
        return readSync(fd, buf, offset, length, null);
      } catch (err) {
        if (errnoOf(err) === 'EAGAIN') continue;
        if (errnoOf(err) === 'EOF') return 0;
        throw err;
      }
    }
  },
  close: (fd) => closeSync(fd),
};

export interface ResolvedInputs {
  readonly sources: Source[];
  /** Inputs that name nothing (exit 66, EX_NOINPUT). */
  readonly missing: string[];
}

/** Turn command-line message arguments into sources, expanding globs. */
export function resolveInputs(inputs: readonly string[], fs: SourceFs = nodeSourceFs): ResolvedInputs {
  const sources: Source[] = [];
  const missing: string[] = [];
  for (const input of inputs) {
    if (input === '-') {
      sources.push({ kind: 'stdin', path: '-' });
      continue;
    }
    const kind = fs.statKind(input);
    if (kind === 'file') sources.push({ kind: 'file', path: input });
    else if (kind === 'directory') sources.push({ kind: directoryKind(input, fs), path: input });
    else if (kind === null && micromatch.scan(input).isGlob) {
      const found = expandGlob(input, fs);
      if (found.length === 0) missing.push(input);
      for (const path of found) sources.push({ kind: 'file', path });
    } else missing.push(input);
  }
  return { sources, missing };
}

function directoryKind(dir: string, fs: SourceFs): SourceKind {
  if (fs.statKind(join(dir, 'cur')) === 'directory' || fs.statKind(join(dir, 'new')) === 'directory') return 'maildir';
  const names = fs.readdir(dir).filter((n) => !n.startsWith('.'));
  if (fs.statKind(join(dir, '.mh_sequences')) === 'file') return 'mh';
  const files = names.filter((n) => fs.statKind(join(dir, n)) === 'file');
  if (files.length > 0 && files.every((n) => /^[0-9]+$/.test(n))) return 'mh';
  return 'directory';
}

function expandGlob(pattern: string, fs: SourceFs): string[] {
  const scan = micromatch.scan(pattern);
  const base = scan.base === '' ? '.' : scan.base;
  const matcher = micromatch.matcher(pattern, { dot: false });
  const out: string[] = [];
  for (const path of walkFiles(base, fs)) {
    // Match against the path spelled the way the pattern spells its base.
    const spelled = scan.base === '' ? relative('.', path) : path;
    if (matcher(spelled)) out.push(spelled);
  }
  return out;
}

/** Regular files under `dir`, depth first, names sorted, dot-files skipped. */
function walkFiles(dir: string, fs: SourceFs): string[] {
  const out: string[] = [];
  const visit = (d: string): void => {
    let names: string[];
    try {
      names = fs.readdir(d).sort();
    } catch {
      return;
    }
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const p = join(d, name);
      const k = fs.statKind(p);
      if (k === 'file') out.push(p);
      else if (k === 'directory') visit(p);
    }
  };
  visit(dir);
  return out;
}

export interface ReadOptions {
  /** Each file (or stdin) is one message, as an MTA hands it over: no mbox splitting. */
  readonly oneMessage?: boolean;
}

/** All messages of all sources, in order. */
export function* readSources(sources: readonly Source[], fs: SourceFs = nodeSourceFs, o: ReadOptions = {}): Generator<SourceMessage> {
  for (const src of sources) yield* readSource(src, fs, o);
}

export function* readSource(src: Source, fs: SourceFs = nodeSourceFs, o: ReadOptions = {}): Generator<SourceMessage> {
  const split = o.oneMessage !== true;
  switch (src.kind) {
    case 'stdin':
      yield* readFd(0, '-', fs, split);
      return;
    case 'file':
      yield* readFile(src.path, fs, split);
      return;
    case 'maildir': {
      const files: { name: string; path: string }[] = [];
      for (const sub of ['cur', 'new']) {
        const d = join(src.path, sub);
        if (fs.statKind(d) !== 'directory') continue;
        for (const name of fs.readdir(d)) {
          const p = join(d, name);
          if (!name.startsWith('.') && fs.statKind(p) === 'file') files.push({ name, path: p });
        }
      }
      files.sort((a, b) => deliveryOrder(a.name, b.name) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      for (const f of files) yield* readFile(f.path, fs, split);
      return;
    }
    case 'mh': {
      const nums = fs
        .readdir(src.path)
        .filter((n) => /^[0-9]+$/.test(n))
        .sort((a, b) => Number(a) - Number(b));
      for (const n of nums) {
        const p = join(src.path, n);
        if (fs.statKind(p) === 'file') yield* readFile(p, fs, split);
      }
      return;
    }
    case 'directory':
      for (const p of walkFiles(src.path, fs)) yield* readFile(p, fs, split);
      return;
  }
}

/**
 * Maildir names in delivery order: they start with the delivery time in
 * seconds and go on with what made them unique that second (`.<pid>_<n>.`,
 * `.M<usec>P<pid>.`): comparing digit runs as numbers orders both.
 */
export function deliveryOrder(a: string, b: string): number {
  const ra = a.match(/\d+|\D+/g) ?? [];
  const rb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(ra.length, rb.length); i++) {
    const x = ra[i]!;
    const y = rb[i]!;
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const nx = x.replace(/^0+(?=\d)/, '');
      const ny = y.replace(/^0+(?=\d)/, '');
      if (nx.length !== ny.length) return nx.length - ny.length;
      if (nx !== ny) return nx < ny ? -1 : 1;
      continue;
    }
    return x < y ? -1 : 1;
  }
  return ra.length - rb.length;
}

function* readFile(path: string, fs: SourceFs, split: boolean): Generator<SourceMessage> {
  const fd = fs.openRead(path);
  try {
    yield* readFd(fd, path, fs, split);
  } finally {
    fs.close(fd);
  }
}

const FROM_SEP = Buffer.from('\n\nFrom ', 'latin1');
const FROM_ = Buffer.from('From ', 'latin1');

/**
 * Streams one file: a single message, or an mbox split at `\n\nFrom `.
 * The read size doubles while one message outgrows it, so a huge message
 * costs linear, not quadratic, copying.
 */
function* readFd(fd: number, path: string, fs: SourceFs, split: boolean): Generator<SourceMessage> {
  let pending: Buffer = Buffer.alloc(0);
  let scanFrom = 0;
  let isMbox: boolean | null = null;
  let count = 0;
  // The first message is held back until we know whether there is a second,
  // so a one-message mbox is named by its plain path.
  let first: Buffer | null = null;
  const ready: Buffer[] = [];
  for (;;) {
    const want = Math.max(DRYRUN_READ_CHUNK_BYTES, pending.length);
    // Read straight after a copy of the unfinished tail: only the tail is
    // copied, not the whole chunk again (messages are views of `data`, so
    // buffers are never reused).
    const data0 = Buffer.allocUnsafe(pending.length + want);
    pending.copy(data0, 0);
    const n = fs.read(fd, data0, pending.length, want);
    if (n === 0) break;
    const data: Buffer = data0.subarray(0, pending.length + n);
    if (isMbox === null) {
      if (data.length < FROM_.length) {
        pending = data;
        continue;
      }
      isMbox = split && data.subarray(0, FROM_.length).equals(FROM_);
    }
    if (!isMbox) {
      pending = data;
      continue;
    }
    let start = 0;
    let at = data.indexOf(FROM_SEP, scanFrom);
    while (at >= 0) {
      const boundary = at + 2;
      ready.push(data.subarray(start, boundary));
      start = boundary;
      at = data.indexOf(FROM_SEP, boundary);
    }
    pending = data.subarray(start);
    // The separator may straddle this read and the next: rescan its possible start.
    scanFrom = Math.max(0, pending.length - (FROM_SEP.length - 1));
    for (const msg of ready) {
      count++;
      if (count === 1) first = msg;
      else {
        if (first !== null) {
          yield { id: `${path}#1`, data: first };
          first = null;
        }
        yield { id: `${path}#${count}`, data: msg };
      }
    }
    ready.length = 0;
  }
  if (pending.length > 0 || count === 0) {
    count++;
    if (count === 1) first = pending;
    else {
      if (first !== null) yield { id: `${path}#1`, data: first };
      first = null;
      yield { id: `${path}#${count}`, data: pending };
    }
  }
  if (first !== null) yield { id: path, data: first };
}
