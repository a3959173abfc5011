import { readFileSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type {
  Ack,
  Answer,
  AnswerFor,
  Answerer,
  DeliverAnswer,
  Feed,
  IncludeAnswer,
  LookupAnswer,
  LookupRequest,
  ProgramAnswer,
  ReplyCacheAnswer,
  ReplyCacheRequest,
  Request,
} from '../eval/requests.js';
import type { Span } from '../source/span.js';
import { answerLookup, type LookupFs } from '../ext/answer.js';
import { parseCache } from '../ext/reply-cache.js';
import type { AnswerBook } from './answers.js';
import type { ProgramRunner } from './programs.js';

/**
 * The dry-run answerer: it answers every request the way delivery would,
 * and does nothing that leaves a trace (aesthetics.md §4, Pigeonhole's
 * sieve_test: "executes, but only prints the result").
 *
 * - deliver: ok, with the LASTFOLDER procmail would set (procmail.md §7.3,
 *   §7.4) — `dir/new/dry-run.N` for a maildir, the next number of an MH
 *   folder (found by reading the directory), `dir/msg.dry-run.N` for a
 *   plain directory, the file for an mbox. Nothing is written or locked.
 * - pipe, forward, trap, send: never run or sent; answered as successes and
 *   recorded as "would".
 * - `?` conditions, filters, captures: run (they decide the outcome), or
 *   answered from --answers, or assumed (exit 0, empty output, message
 *   unchanged) under --no-exec.
 * - include, lookup, reply-cache: the files are read (reading is allowed).
 * - chdir: ok when the directory exists (stat only); open-log, global-lock,
 *   umask: ok, without touching anything; log text is captured.
 *
 * Every answer is synchronous, so the engine is stepped with driveSync.
 */

/** Read-only file-system seam. */
export interface DryRunFs {
  isDirectory(path: string): boolean;
  readText(path: string): string | null;
  readdir(path: string): string[] | null;
  /**
   * Size and mtime, or the error code (`ENOENT`, `EACCES`, `EISDIR`): list
   * files go through src/ext/answer.ts's answerLookup, which says why a list
   * could not be read. Optional for fakes; without it a file readText cannot
   * read is `ENOENT`.
   */
  stat?(path: string): { size: number; mtimeMs: number } | { error: string };
}

export const nodeDryRunFs: DryRunFs = {
  isDirectory(path) {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false;
    }
  },
  readText(path) {
    try {
      return readFileSync(path, 'latin1');
    } catch {
      return null;
    }
  },
  readdir(path) {
    try {
      return readdirSync(path);
    } catch {
      return null;
    }
  },
  stat(path) {
    try {
      const st = statSync(path);
      // readFileSync would fail with EISDIR; say so before trying.
      return st.isDirectory() ? { error: 'EISDIR' } : { size: st.size, mtimeMs: st.mtimeMs };
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      return { error: typeof code === 'string' ? code : String(e) };
    }
  },
};

/** procmail's folder types, decided by the name's syntax and, for plain names, an existing directory (procmail.md §7.3). */
export type FolderType = 'mbox' | 'maildir' | 'mh' | 'directory' | 'null';

export interface FolderTarget {
  /** The folder as the rc named it (expanded). */
  readonly folder: string;
  readonly type: FolderType;
  /** Absolute path after resolving against MAILDIR. */
  readonly path: string;
  /** The file name procmail would have created, as it appears in LASTFOLDER. */
  readonly stored: string;
}

/** How an answer came about; shown in reports. */
export type AnswerSource =
  /** A program that really ran (a `?` condition, filter or capture). */
  | 'ran'
  /** From the --answers file. */
  | 'answers-file'
  /** Invented: --no-exec, or a program that never runs in a dry run. */
  | 'assumed'
  /** Answered by reading files or by simulating delivery: what delivery would do. */
  | 'simulated';

export interface DryRunRecord {
  readonly kind: 'answered';
  readonly request: Request;
  readonly answer: Answer;
  readonly source: AnswerSource;
  /** For deliver requests: each folder with its type. */
  readonly folders?: readonly FolderTarget[];
  /** A program's stderr, or the reason it could not run. */
  readonly stderr?: string;
  /** The `?` condition's line, when it could be identified. */
  readonly conditionSpan?: Span;
}

export interface DryRunAnswererOptions {
  /** Run `?` conditions, filters and captures (default true; false is --no-exec). */
  readonly exec: boolean;
  readonly answers: AnswerBook | null;
  readonly runner: ProgramRunner;
  readonly fs: DryRunFs;
  /** The directory procmail starts in (MAILDIR's initial value, when it exists). */
  readonly initialDir: string;
  /** Optional: the `?` condition span for a run-condition request (from the compiled program). */
  readonly conditionSpanFor?: (command: string, origin: Request['origin']) => Span | undefined;
  /** Optional extension answers; lookups default to src/ext/answer.ts answerLookup over `fs`, the reply cache to a read-only reader. */
  readonly lookup?: (req: LookupRequest, readText: (path: string) => string | null) => LookupAnswer;
  readonly replyCache?: (req: ReplyCacheRequest, readText: (path: string) => string | null) => ReplyCacheAnswer;
}

export class DryRunAnswerer implements Answerer {
  private cwd: string;
  private serial = 0;
  private records: DryRunRecord[] = [];
  /** Directory listings and stats are cached: a dry run changes nothing, so they cannot go stale. */
  private readonly dirCache = new Map<string, boolean>();
  private readonly textCache = new Map<string, string | null>();
  private readonly mhNext = new Map<string, number>();
  /** Called with each record as it is made, so reports can interleave them with trace events. */
  onRecord: ((r: DryRunRecord) => void) | null = null;

  constructor(private readonly opts: DryRunAnswererOptions) {
    this.cwd = opts.initialDir;
  }

  /** Start a new message: procmail starts every message afresh in MAILDIR. */
  begin(): DryRunRecord[] {
    this.cwd = this.opts.initialDir;
    this.serial = 0;
    this.mhNext.clear();
    this.records = [];
    return this.records;
  }

  get currentDir(): string {
    return this.cwd;
  }

  answer<R extends Request>(request: R): AnswerFor[R['kind']] {
    const rec = this.answerRecord(request);
    this.records.push(rec);
    this.onRecord?.(rec);
    return rec.answer as AnswerFor[R['kind']];
  }

  private answerRecord(req: Request): DryRunRecord {
    switch (req.kind) {
      case 'deliver': {
        const folders = req.folders.map((f) => this.target(f, req.vars));
        const answer: DeliverAnswer = {
          kind: 'delivered',
          ok: true,
          lastFolder: folders.map((f) => f.stored).join(' '),
          bytes: storedBytes(req.data, req.feed, folders[0]?.type ?? 'mbox'),
        };
        return { kind: 'answered', request: req, answer, source: 'simulated', folders };
      }
      case 'pipe':
      case 'forward':
      case 'trap': {
        // Delivering programs never run in a dry run; procmail would count
        // them as delivered. --answers may give a `w` pipe's exit status so
        // `e` recipes after it can be explored; it still does not run.
        const text = req.kind === 'forward' ? req.argv.join(' ') : req.command.text;
        const given = this.opts.answers?.find(text, req.origin);
        if (given !== null && given !== undefined) {
          return { kind: 'answered', request: req, answer: program(given.exit, Buffer.alloc(0), req.data.length, true), source: 'answers-file' };
        }
        return { kind: 'answered', request: req, answer: program(0, Buffer.alloc(0), req.data.length, true), source: 'assumed' };
      }
      case 'filter':
      case 'capture':
      case 'run-condition':
        return this.runProgram(req);
      case 'include': {
        const text = this.read(this.abs(req.path));
        const answer: IncludeAnswer = { kind: 'include', text, path: req.path };
        return { kind: 'answered', request: req, answer, source: 'simulated' };
      }
      case 'chdir': {
        const dir = this.abs(req.dir);
        const ok = this.isDir(dir);
        if (ok) this.cwd = dir;
        const answer: Ack = ok ? { kind: 'ack', ok } : { kind: 'ack', ok, error: `procmail: Couldn't chdir to "${req.dir}"\n` };
        return { kind: 'answered', request: req, answer, source: 'simulated' };
      }
      case 'open-log':
      case 'log':
      case 'global-lock':
      case 'umask':
        return { kind: 'answered', request: req, answer: { kind: 'ack', ok: true }, source: 'simulated' };
      case 'send':
        return { kind: 'answered', request: req, answer: { kind: 'ack', ok: true, assumed: true }, source: 'assumed' };
      case 'lookup': {
        const read = (p: string): string | null => this.read(this.abs(p));
        // The same answer function as delivery (src/ext/answer.ts), over a
        // read-only seam: an unreadable list matches nothing and says why
        // (`Couldn't read "…" (ENOENT)`), which the engine logs.
        const answer = this.opts.lookup !== undefined ? this.opts.lookup(req, read) : answerLookup(req, this.lookupFs, this.cwd);
        return { kind: 'answered', request: req, answer, source: 'simulated' };
      }
      case 'reply-cache': {
        const read = (p: string): string | null => this.read(this.abs(p));
        const answer: ReplyCacheAnswer =
          this.opts.replyCache !== undefined ? this.opts.replyCache(req, read) : simpleReplyCache(req, read, Date.now());
        return { kind: 'answered', request: req, answer, source: 'simulated' };
      }
    }
  }

  private runProgram(req: Extract<Request, { kind: 'filter' | 'capture' | 'run-condition' }>): DryRunRecord {
    const conditionSpan = req.kind === 'run-condition' ? this.opts.conditionSpanFor?.(req.command.text, req.origin) : undefined;
    const extra = conditionSpan !== undefined ? { conditionSpan } : {};
    const given = this.opts.answers?.find(req.command.text, req.origin, conditionSpan);
    if (given !== null && given !== undefined) {
      const output = given.output ?? (req.kind === 'filter' ? req.data : Buffer.alloc(0));
      return { kind: 'answered', request: req, answer: program(given.exit, output, req.data.length, true), source: 'answers-file', ...extra };
    }
    if (!this.opts.exec) {
      // --no-exec: exit 0, no output, a filter leaves its part unchanged.
      const output = req.kind === 'filter' ? req.data : Buffer.alloc(0);
      return { kind: 'answered', request: req, answer: program(0, output, req.data.length, true), source: 'assumed', ...extra };
    }
    const stdin = req.kind === 'run-condition' ? req.data : fed(req.data, req.feed);
    const run = this.opts.runner(req.command, stdin, { vars: req.vars, cwd: this.isDir(this.cwd) ? this.cwd : process.cwd() });
    const stderr = run.stderr.toString('latin1') + (run.failure !== null ? `(${run.failure})` : '');
    const answer: ProgramAnswer = {
      kind: 'program',
      exitCode: run.exitCode,
      wroteAll: run.wroteAll !== false,
      output: req.kind === 'run-condition' ? Buffer.alloc(0) : run.output,
      bytes: stdin.length,
    };
    return { kind: 'answered', request: req, answer, source: 'ran', ...extra, ...(stderr !== '' ? { stderr } : {}) };
  }

  /** src/ext/answer.ts's LookupFs over DryRunFs: reads only, through the text cache. */
  private readonly lookupFs: LookupFs = {
    statSync: (p) => {
      const st = this.opts.fs.stat?.(p) ?? statFromText(this.read(p));
      if ('error' in st) throw { code: st.error };
      return st;
    },
    readFileSync: (p) => {
      const text = this.read(p);
      if (text === null) throw { code: 'unreadable' };
      return Buffer.from(text, 'latin1');
    },
  };

  private abs(p: string): string {
    return isAbsolute(p) ? p : resolve(this.cwd, p);
  }

  private isDir(p: string): boolean {
    let v = this.dirCache.get(p);
    if (v === undefined) {
      v = this.opts.fs.isDirectory(p);
      this.dirCache.set(p, v);
    }
    return v;
  }

  private read(p: string): string | null {
    if (!this.textCache.has(p)) this.textCache.set(p, this.opts.fs.readText(p));
    return this.textCache.get(p) ?? null;
  }

  /** Folder type and the name procmail would store under (procmail.md §7.3, §7.4). */
  private target(folder: string, vars: Request['vars']): FolderTarget {
    if (folder === '/dev/null') return { folder, type: 'null', path: folder, stored: folder };
    if (/\/\.$/.test(folder)) {
      const dirName = folder.slice(0, -2);
      const path = this.abs(dirName);
      const next = this.mhNext.get(path) ?? nextMhNumber(this.opts.fs.readdir(path));
      this.mhNext.set(path, next + 1);
      return { folder, type: 'mh', path, stored: `${dirName}/${next}` };
    }
    if (folder.endsWith('/')) {
      const dirName = folder.replace(/\/+$/, '');
      return { folder, type: 'maildir', path: this.abs(dirName), stored: `${dirName}/new/dry-run.${++this.serial}` };
    }
    const path = this.abs(folder);
    if (this.isDir(path)) {
      return { folder, type: 'directory', path, stored: `${folder}/${vars.MSGPREFIX ?? 'msg.'}dry-run.${++this.serial}` };
    }
    return { folder, type: 'mbox', path, stored: folder };
  }
}

function program(exitCode: number | null, output: Buffer, bytes: number, assumed: boolean): ProgramAnswer {
  return { kind: 'program', exitCode, wroteAll: true, output, bytes, ...(assumed ? { assumed } : {}) };
}

/** What a program's stdin gets: the part, plus procmail's trailing-newline rule unless `r` (procmail.md §7.2, §7.6). */
function fed(data: Buffer, feed: Feed): Buffer {
  if (feed.raw) return data;
  const n = data.length;
  if (n >= 2 && data[n - 1] === 10 && data[n - 2] === 10) return data;
  return Buffer.concat([data, Buffer.from('\n')]);
}

/** Bytes a delivery would write, for the abstract: maildir stores the message as is, the others add the trailing newline. */
function storedBytes(data: Buffer, feed: Feed, type: FolderType): number {
  if (type === 'maildir' || type === 'null' || feed.raw) return data.length;
  const n = data.length;
  return n >= 2 && data[n - 1] === 10 && data[n - 2] === 10 ? n : n + 1;
}

function nextMhNumber(names: string[] | null): number {
  let max = 0;
  for (const n of names ?? []) if (/^[0-9]+$/.test(n)) max = Math.max(max, Number(n));
  return max + 1;
}

/**
 * A stat for fakes without one. mtime NaN never equals a cached one, so
 * answer.ts's index cache is never trusted for such a file.
 */
function statFromText(text: string | null): { size: number; mtimeMs: number } | { error: string } {
  return text === null ? { error: 'ENOENT' } : { size: Buffer.byteLength(text, 'latin1'), mtimeMs: Number.NaN };
}

/**
 * Reads the reply cache with src/ext's parser and answers as delivery would
 * (replied within `days`), but never records the reply: the cache is not written.
 */
function simpleReplyCache(req: ReplyCacheRequest, read: (p: string) => string | null, nowMs: number): ReplyCacheAnswer {
  const text = read(req.file);
  if (text === null) return { kind: 'reply-cache', recent: false };
  const last = parseCache(text).get(req.sender.replace(/[\r\n]/g, '').trim().toLowerCase());
  return { kind: 'reply-cache', recent: last !== undefined && Math.floor(nowMs / 1000) - last < req.days * 86_400 };
}
