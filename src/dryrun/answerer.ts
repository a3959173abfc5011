import type {
  Ack,
  Answer,
  AnswerFor,
  Answerer,
  DeliverAnswer,
  FilterRequest,
  ForwardRequest,
  IncludeAnswer,
  LockTiming,
  LookupAnswer,
  LookupRequest,
  PipeRequest,
  ProgramAnswer,
  ReplyCacheAnswer,
  ReplyCacheRequest,
  Request,
  TrapRequest,
} from '../eval/requests.js';
import type { Span } from '../source/span.js';
import { PIPE_BUFFER_BYTES } from '../limits.js';
import { answerLookup, type LookupFs } from '../deliver/ext-answers.js';
import { replyCacheAnswer } from '../deliver/reply-cache.js';
import { folderKind, heldLockfile } from '../deliver/folder-kind.js';
import type { AnswerBook } from './answers.js';
import { FolderPredictor, Overlay, type FolderTarget } from './folders.js';
import type { DryRunFs } from './look.js';
import type { ProgramRunner } from './programs.js';
import type { Scratch } from './scratch.js';

export { nodeDryRunFs, type DryRunFs } from './look.js';
export type { FolderTarget, FolderType } from './folders.js';

/**
 * The dry-run answerer: it answers every request the way delivery would,
 * from a read-only look at the world, and does nothing that leaves a trace
 * (Pigeonhole's sieve_test: "executes, but only prints the result").
 *
 * - deliver: predicted with delivery's own rules (folders.ts): the folder's
 *   kind, what would be created, `Unable to treat as directory` and the
 *   fall-back when a directory cannot be made, the LASTFOLDER procmail would
 *   set (`dir/new/dry-run.N` for a maildir, the next number of an MH folder,
 *   `dir/msg.dry-run.N` for a plain directory). Nothing is written or locked;
 *   a lockfile that exists now is reported (delivery would wait for it).
 * - `?` conditions, filters, captures: run (they decide the outcome), or
 *   answered from --answers, or assumed (exit 0, empty output, message
 *   unchanged) under --no-exec.
 * - delivering pipes and forwards never run (unless --scratch, which runs
 *   pipes in a copy of MAILDIR). Without `w`/`W` procmail ignores their exit
 *   status, so nothing is assumed. With them the outcome rests on it, so the
 *   answer is an assumption, marked as such: exit 0 for `w` (and the `W` a
 *   lock implies), the program's usual success; exit 1 for an explicit `W`,
 *   the flag procmail users write where a non-zero exit is the program's
 *   usual answer (procmailex(5)'s `formail -D` duplicate check exits 1 for a
 *   new message, and delivery then goes on to the later recipes).
 * - TRAP: run only when its exit status becomes procmail's (EXITCODE set
 *   empty), like a `?` condition; otherwise never.
 * - include, lookup, reply-cache: the files are read (reading is allowed);
 *   the reply cache is judged by the injected clock and never updated.
 * - chdir: ok when the directory exists (stat only); open-log, global-lock,
 *   umask, comsat, send: ok, without touching anything; log text is kept.
 *
 * Every answer is synchronous, so the engine is stepped with driveSync.
 */

/** How an answer came about; shown in reports. */
export type AnswerSource =
  /** A program that really ran (a `?` condition, filter or capture; a pipe with --scratch). */
  | 'ran'
  /** From the --answers file. */
  | 'answers-file'
  /** Invented: --no-exec, or a waited pipe that does not run in a dry run. */
  | 'assumed'
  /** A program that does not run and whose result does not matter (a pipe without `w`, TRAP, a forward). */
  | 'not-run'
  /** Answered by reading files or by predicting delivery: what delivery would do. */
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
  /** procmail's error lines delivery would log while doing this (`procmail: Unable to treat as directory "x"\n`). */
  readonly logged?: string;
  /** What the dry run noticed about it (a lockfile held now, what an assumption rests on). */
  readonly notes?: readonly string[];
}

export interface DryRunAnswererOptions {
  /** Run `?` conditions, filters and captures (default true; false is --no-exec). */
  readonly exec: boolean;
  readonly answers: AnswerBook | null;
  readonly runner: ProgramRunner;
  readonly fs: DryRunFs;
  /** The directory procmail starts in (MAILDIR's initial value, when it exists). */
  readonly initialDir: string;
  /** -Y: Berkeley mbox format, Content-Length left alone. */
  readonly berkeley?: boolean;
  /** The clock the reply cache's freshness is judged by (milliseconds since the epoch). */
  readonly now?: () => number;
  /** --scratch: programs, delivering pipes included, run in a copy of their directory. */
  readonly scratch?: Scratch | null;
  /** Optional: the `?` condition span for a run-condition request (from the compiled rc). */
  readonly conditionSpanFor?: (command: string, origin: Request['origin']) => Span | undefined;
  /** Optional extension answers; lookups default to src/deliver/ext-answers.ts answerLookup over `fs`, the reply cache to a read-only reader. */
  readonly lookup?: (req: LookupRequest, readText: (path: string) => string | null) => LookupAnswer;
  readonly replyCache?: (req: ReplyCacheRequest, readText: (path: string) => string | null) => ReplyCacheAnswer;
}

export class DryRunAnswerer implements Answerer {
  private cwd: string;
  private serial = 0;
  private records: DryRunRecord[] = [];
  private readonly textCache = new Map<string, string | null>();
  private readonly folders: FolderPredictor;
  /** What delivery would have created so far; carried from message to message, as delivery would leave it. */
  private overlay = new Overlay();
  /** Called with each record as it is made, so reports can interleave them with trace events. */
  onRecord: ((r: DryRunRecord) => void) | null = null;
  /** Answers to give instead of asking, by request number within the message (to explore a branch). */
  private overrides: ReadonlyMap<number, DryRunRecord> | null = null;
  private seq = 0;

  constructor(private readonly opts: DryRunAnswererOptions) {
    this.cwd = opts.initialDir;
    this.folders = new FolderPredictor(opts.fs, this.overlay);
  }

  /**
   * Start a new message: procmail starts every message afresh in MAILDIR.
   * With `branch`, the message is run again to see where another answer
   * would lead: the given records answer those requests, and nothing the
   * run would create is kept.
   */
  begin(branch: ReadonlyMap<number, DryRunRecord> | null = null): DryRunRecord[] {
    this.cwd = this.opts.initialDir;
    this.serial = 0;
    this.seq = 0;
    this.records = [];
    this.overrides = branch;
    if (branch === null) this.overlay.mark();
    this.folders.overlay = branch === null ? this.overlay : this.overlay.atMark();
    this.folders.memo = branch === null;
    return this.records;
  }

  get currentDir(): string {
    return this.cwd;
  }

  answer<R extends Request>(request: R): AnswerFor[R['kind']] {
    const n = this.seq++;
    const given = this.overrides?.get(n);
    const rec = given !== undefined && given.request.kind === request.kind ? { ...given, request } : this.answerRecord(request);
    this.records.push(rec);
    this.onRecord?.(rec);
    return rec.answer as AnswerFor[R['kind']];
  }

  private answerRecord(req: Request): DryRunRecord {
    switch (req.kind) {
      case 'deliver':
        return this.deliver(req);
      case 'pipe':
      case 'forward':
        return this.deliveringProgram(req);
      case 'trap':
        return this.trap(req);
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
        const ok = this.folders.look(dir) === 'dir';
        if (ok) this.cwd = dir;
        const answer: Ack = ok ? { kind: 'ack', ok } : { kind: 'ack', ok, error: `procmail: Couldn't chdir to "${req.dir}"\n` };
        return { kind: 'answered', request: req, answer, source: 'simulated' };
      }
      case 'global-lock': {
        const notes = req.acquire !== null ? this.lockNotes(req.acquire, req.lock) : [];
        return { kind: 'answered', request: req, answer: { kind: 'ack', ok: true }, source: 'simulated', ...(notes.length > 0 ? { notes } : {}) };
      }
      case 'open-log':
      case 'log':
      case 'umask':
      case 'comsat':
        return { kind: 'answered', request: req, answer: { kind: 'ack', ok: true }, source: 'simulated' };
      case 'send':
        // Our own sendmail call: its success is taken for granted, as a forward's is.
        return { kind: 'answered', request: req, answer: { kind: 'ack', ok: true }, source: 'not-run' };
      case 'lookup': {
        const read = (p: string): string | null => this.read(this.abs(p));
        // The same answer function as delivery (src/deliver/ext-answers.ts), over a
        // read-only seam: an unreadable list matches nothing and says why
        // (`Couldn't read "…" (ENOENT)`), which the engine logs.
        const answer = this.opts.lookup !== undefined ? this.opts.lookup(req, read) : answerLookup(req, this.lookupFs, this.cwd);
        return { kind: 'answered', request: req, answer, source: 'simulated' };
      }
      case 'reply-cache': {
        const read = (p: string): string | null => this.read(this.abs(p));
        // Judged as delivery judges it (src/deliver/reply-cache.ts), by the injected clock; never updated.
        const answer: ReplyCacheAnswer =
          this.opts.replyCache !== undefined ? this.opts.replyCache(req, read) : replyCacheAnswer(read(req.file), req.sender, req.days, (this.opts.now ?? Date.now)());
        return { kind: 'answered', request: req, answer, source: 'simulated' };
      }
    }
  }

  private deliver(req: Extract<Request, { kind: 'deliver' }>): DryRunRecord {
    const first = req.folders[0] ?? '';
    if (first === '|') {
      // A bare `|` writes the mail to procmail's stdout.
      const answer: DeliverAnswer = { kind: 'delivered', ok: true, lastFolder: '|', bytes: req.data.length };
      const folders: FolderTarget[] = [{ folder: '|', type: 'mbox', path: '|', stored: '|', file: '|', written: true }];
      return { kind: 'answered', request: req, answer, source: 'simulated', folders };
    }
    const lockfile = req.fallback && req.lockfile !== null ? heldLockfile(req, folderKind((n) => this.folders.state(this.abs(n)), first)) : req.lockfile;
    const notes = lockfile !== null ? this.lockNotes(lockfile, req.lock) : NO_NOTES;
    const p = this.folders.predict(req, { cwd: this.cwd, berkeley: this.opts.berkeley === true, serial: () => ++this.serial });
    const answer: DeliverAnswer = new PredictedAnswer(p.ok, p.lastFolder, p.size);
    const rec: DryRunRecord = { kind: 'answered', request: req, answer, source: 'simulated', folders: p.folders };
    return withExtras(rec, p.logged.join(''), notes);
  }

  /** A lockfile that exists now: delivery would wait for it (locking.c lockit). */
  private lockNotes(lockfile: string, lock: LockTiming): string[] {
    const path = this.abs(lockfile);
    if (this.folders.look(path) === 'missing') return NO_NOTES;
    const force = lock.timeoutSec > 0 ? `, and force it once it is ${lock.timeoutSec} s old (LOCKTIMEOUT)` : ' for as long as it exists (LOCKTIMEOUT=0)';
    return [`lockfile ${lockfile} exists now: delivery would wait for it, retrying every ${lock.sleepSec} s (LOCKSLEEP)${force}`];
  }

  /** A delivering pipe or a forward: see the class comment for what is assumed. */
  private deliveringProgram(req: PipeRequest | ForwardRequest): DryRunRecord {
    const notes: string[] = req.lockfile !== null ? [...this.lockNotes(req.lockfile, req.lock)] : [];
    const text = req.kind === 'forward' ? req.call.argv.join(' ') : req.command.text;
    const given = this.opts.answers?.find(text, req.origin);
    if (given !== null && given !== undefined) {
      return withExtras({ kind: 'answered', request: req, answer: program(given.exit, Buffer.alloc(0), req.call.input.length), source: 'answers-file' }, '', notes);
    }
    const scratch = this.opts.scratch ?? null;
    if (req.kind === 'pipe' && scratch !== null) {
      const refused = scratch.refuses(req.call, req.sendmail);
      if (refused === null) return withExtras(this.run(req, req.call.input, false), '', notes);
      notes.push(refused);
    }
    if (req.wait === null) {
      // procmail does not look at the exit status. It writes the message before the program even starts,
      // so one that fits in the pipe is always taken; a bigger one only if the program reads it.
      if (req.call.input.length <= PIPE_BUFFER_BYTES) {
        return withExtras({ kind: 'answered', request: req, answer: program(0, Buffer.alloc(0), req.call.input.length), source: 'not-run' }, '', notes);
      }
      notes.push(`assumed the program reads all ${req.call.input.length} bytes (more than a pipe holds); if it does not, the write fails and so does the recipe`);
      return withExtras({ kind: 'answered', request: req, answer: program(0, Buffer.alloc(0), req.call.input.length, true), source: 'assumed' }, '', notes);
    }
    const quiet = req.kind === 'pipe' && req.quiet;
    const exit = quiet ? 1 : 0;
    notes.push(
      quiet
        ? 'assumed exit 1: a `W` program usually answers "no" this way (formail -D: not a duplicate), so the recipe fails and delivery goes on; with exit 0 the pipe would count as delivered'
        : 'assumed exit 0: the pipe counts as delivered; if the program failed, the recipe would fail and delivery would go on to the later recipes',
    );
    return withExtras({ kind: 'answered', request: req, answer: program(exit, Buffer.alloc(0), req.call.input.length, true), source: 'assumed' }, '', notes);
  }

  /** TRAP: its exit status matters only when EXITCODE was set empty; then it runs like a `?` condition. */
  private trap(req: TrapRequest): DryRunRecord {
    if (!req.decides) return { kind: 'answered', request: req, answer: program(0, Buffer.alloc(0), req.call.input.length), source: 'not-run' };
    const given = this.opts.answers?.find(req.command.text, req.origin);
    if (given !== null && given !== undefined) return { kind: 'answered', request: req, answer: program(given.exit, Buffer.alloc(0), req.call.input.length), source: 'answers-file' };
    if (!this.opts.exec) return { kind: 'answered', request: req, answer: program(0, Buffer.alloc(0), req.call.input.length, true), source: 'assumed' };
    return this.run(req, req.call.input, false);
  }

  private runProgram(req: Extract<Request, { kind: 'filter' | 'capture' | 'run-condition' }>): DryRunRecord {
    const conditionSpan = req.kind === 'run-condition' ? this.opts.conditionSpanFor?.(req.command.text, req.origin) : undefined;
    const extra = conditionSpan !== undefined ? { conditionSpan } : {};
    const given = this.opts.answers?.find(req.command.text, req.origin, conditionSpan);
    if (given !== null && given !== undefined) {
      const output = given.output ?? (req.kind === 'filter' ? req.data : Buffer.alloc(0));
      return { kind: 'answered', request: req, answer: program(given.exit, output, req.call.input.length), source: 'answers-file', ...extra };
    }
    if (!this.opts.exec) {
      // --no-exec: exit 0, no output, a filter leaves its part unchanged.
      const output = req.kind === 'filter' ? req.data : Buffer.alloc(0);
      return { kind: 'answered', request: req, answer: program(0, output, req.call.input.length, true), source: 'assumed', ...extra };
    }
    return { ...this.run(req, req.call.input, req.kind !== 'run-condition'), ...extra };
  }

  /** Runs a program as delivery would (in the scratch copy with --scratch), its stdin exactly the request's. */
  private run(req: PipeRequest | FilterRequest | TrapRequest | Extract<Request, { kind: 'capture' | 'run-condition' }>, stdin: Buffer, keepOutput: boolean): DryRunRecord {
    const cwd = this.folders.look(this.cwd) === 'dir' ? this.cwd : this.opts.initialDir;
    const scratch = this.opts.scratch ?? null;
    const call = scratch !== null ? scratch.callIn(req.call, cwd) : { call: req.call, cwd };
    const run = this.opts.runner(call.call, call.cwd);
    const stderr = run.stderr.toString('latin1') + (run.failure !== null ? `(${run.failure})` : '');
    const answer: ProgramAnswer = {
      kind: 'program',
      exitCode: run.exitCode,
      wroteAll: run.wroteAll !== false,
      output: keepOutput ? run.output : Buffer.alloc(0),
      bytes: stdin.length,
    };
    return { kind: 'answered', request: req, answer, source: 'ran', ...(stderr !== '' ? { stderr } : {}) };
  }

  /** src/deliver/ext-answers.ts's LookupFs over DryRunFs: reads only, through the text cache. */
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
    return this.folders.abs(this.cwd, p);
  }

  private read(p: string): string | null {
    if (!this.textCache.has(p)) this.textCache.set(p, this.opts.fs.readText(p));
    return this.textCache.get(p) ?? null;
  }
}

/** A deliver answer whose size is worked out only when asked for (a logged abstract): it means preparing the bytes. */
class PredictedAnswer implements DeliverAnswer {
  readonly kind = 'delivered';
  private size: number | null = null;
  constructor(
    readonly ok: boolean,
    readonly lastFolder: string,
    private readonly sizeOf: () => number,
  ) {}
  get bytes(): number {
    return (this.size ??= this.sizeOf());
  }
}

/** Shared, never changed: most answers have no notes. */
const NO_NOTES: string[] = [];

function withExtras(rec: DryRunRecord, logged: string, notes: readonly string[]): DryRunRecord {
  if (logged === '' && notes.length === 0) return rec;
  return { ...rec, ...(logged !== '' ? { logged } : {}), ...(notes.length > 0 ? { notes } : {}) };
}

function program(exitCode: number | null, output: Buffer, bytes: number, assumed = false): ProgramAnswer {
  return { kind: 'program', exitCode, wroteAll: true, output, bytes, ...(assumed ? { assumed } : {}) };
}

/**
 * A stat for fakes without one. mtime NaN never equals a cached one, so
 * ext-answers.ts's index cache is never trusted for such a file.
 */
function statFromText(text: string | null): { size: number; mtimeMs: number } | { error: string } {
  return text === null ? { error: 'ENOENT' } : { size: Buffer.byteLength(text, 'latin1'), mtimeMs: Number.NaN };
}

