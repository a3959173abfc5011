import { isAbsolute, join } from 'node:path';
import type {
  Ack,
  Answer,
  AnswerFor,
  Answerer,
  DeliverAnswer,
  DeliverRequest,
  Feed,
  IncludeAnswer,
  LookupRequest,
  ProgramAnswer,
  ReplyCacheRequest,
  Request,
  SendRequest,
  Vars,
} from '../eval/requests.js';
import { renvint } from '../compile/renvint.js';
import { ctime } from '../eval/logtext.js';
import { DEFAULT_LOCKSLEEP, DEFAULT_LOCKTIMEOUT, DEFAULT_SUSPEND, DEFAULT_TIMEOUT, DEFAULT_UMASK } from '../limits.js';
import type { Clock, DatagramSend, DeliveryFs, SpawnFn, TextSink } from './seams.js';
import { systemClock } from './seams.js';
import { stoppableClock, type StopSignal } from './stop-signal.js';
import { DeliveryLog } from './logfile.js';
import { UniqueNames } from './unique-name.js';
import { FcntlLocker, type KernelLocker } from './kernel-lock.js';
import type { FolderContext } from './folder-context.js';
import { acquireDotlock, releaseDotlock, type DotlockEnv, type LockTiming } from './dotlock.js';
import { deliverToFolders, folderKind } from './folders.js';
import { commandArgv, runProgram, type ProgramResult, type ProgramSpec } from './program.js';
import { rewriteContentLength, stripFromLine, withTrailingNewline } from './message-format.js';
import { comsatFolder, comsatMessage, comsatTarget } from './comsat.js';
import { COMSAT_SEND_TIMEOUT_MS } from '../limits.js';

/** Answers for the extension requests (src/ext/answer.ts, issue 6), injected so delivery never loads nodemailer up front. */
export interface ExtAnswers {
  /** `cwd` is the current MAILDIR, against which relative list and cache files resolve. */
  lookup(request: LookupRequest, cwd: string): Promise<AnswerFor['lookup']> | AnswerFor['lookup'];
  send(request: SendRequest, cwd: string): Promise<Ack> | Ack;
  replyCache(request: ReplyCacheRequest, cwd: string): Promise<AnswerFor['reply-cache']> | AnswerFor['reply-cache'];
}

export interface DeliveryAnswererOptions {
  readonly fs: DeliveryFs;
  readonly spawn: SpawnFn;
  readonly clock?: Clock;
  readonly hostname: string;
  readonly pid: number;
  /** Where diagnostics go before a LOGFILE is opened (the MTA reads it). */
  readonly stderr: TextSink;
  /** Where a bare `|` action writes the mail (procmail's stdout). */
  readonly stdout: TextSink;
  /** The directory relative paths start from (MAILDIR's initial value, already chdir'ed to by the caller or not). */
  readonly cwd: string;
  readonly umask?: number;
  /** Called on UMASK= so children inherit it (process.umask in the real agent). */
  readonly setUmask?: (mask: number) => void;
  /** -Y: Berkeley mbox format, Content-Length is left alone (procmail.md §6.1, §7.2). */
  readonly berkeley?: boolean;
  readonly kernel?: KernelLocker;
  readonly ext?: ExtAnswers | (() => Promise<ExtAnswers>);
  /**
   * When processing started (ms): enables VERBOSE's `procmail: [pid] <ctime>`
   * stamps, which the answerer writes for every procmail line (misc.c nlog:
   * at most one per second), replacing the engine's single stamp.
   */
  readonly startTime?: number;
  /** Sends the comsat datagram (comsat.ts); without it nothing is sent. */
  readonly comsat?: DatagramSend;
  /** A signal asked the agent to stop (stop-signal.ts): writes are taken back, programs ended, lock waits cut short. */
  readonly stop?: StopSignal;
  /**
   * Comsat is on while COMSAT is unset: -d and normal mode without rcfile
   * arguments (procmail.md §5.2). Naming an rcfile presets COMSAT=no, but
   * with -p that variable isn't set and comsat is still off: hence this flag.
   */
  readonly comsatDefault?: boolean;
}

/** What comsat will report: the last folder procmail's setlastfolder() saw, and MAILDIR at that time. */
interface ComsatFolder {
  /** null: a pipe or forward, whose LASTFOLDER text the engine holds (read from the variables at the end). */
  readonly folder: string | null;
  readonly maildir: string;
}

interface HeldLock {
  readonly name: string;
  readonly path: string;
}

/**
 * The real answerer: performs each request the engine yields (requests.ts)
 * the way procmail 3.22 does, against injected IO. Errors procmail logs at
 * the point of failure (write errors, lock failures, timeouts) are logged
 * here; the engine logs what depends on recipe flags (Program failure,
 * Couldn't read, Couldn't chdir).
 */
export class DeliveryAnswerer implements Answerer {
  readonly log: DeliveryLog;
  private readonly clock: Clock;
  private readonly programClock: Clock;
  private readonly names: UniqueNames;
  private readonly kernel: KernelLocker;
  private cwd: string;
  private mask: number;
  private vars: Vars = {};
  private globalLock: HeldLock | null = null;
  private ext: Promise<ExtAnswers> | null = null;
  private readonly folderCtx: FolderContext;
  private readonly lockEnv: DotlockEnv;
  private csFolder: ComsatFolder | null = null;
  /** dump()'s lasttell for the comsat message: -1 unless the last delivery went to a file. */
  private lastTell = -1;
  private comsatDone = false;
  /** The second of the last `[pid] date` stamp, or null before the first. */
  private stampSecond: number | null = null;

  constructor(private readonly opts: DeliveryAnswererOptions) {
    const stop = opts.stop;
    this.clock = stop === undefined ? (opts.clock ?? systemClock) : stoppableClock(opts.clock ?? systemClock, stop);
    const stopped = () => stop?.requested === true;
    // Real time for TIMEOUT, whatever clock the locks wait on (tests give those one that never waits).
    this.programClock = stop === undefined ? systemClock : stoppableClock(systemClock, stop);
    this.log = new DeliveryLog(opts.fs, opts.stderr, (text) => this.stamp(text));
    this.names = new UniqueNames(opts.pid, opts.hostname);
    this.cwd = opts.cwd;
    this.mask = opts.umask ?? DEFAULT_UMASK;
    this.kernel =
      opts.kernel ??
      new FcntlLocker(
        this.clock,
        () => this.num('TIMEOUT', DEFAULT_TIMEOUT) * 1000,
        (why) => this.log.error(`Kernel locks unavailable, using dotlocks only (${why})`),
        undefined,
        stopped,
      );
    const self = this;
    this.folderCtx = {
      fs: opts.fs,
      clock: this.clock,
      log: this.log,
      names: this.names,
      kernel: this.kernel,
      resolve: (name) => self.resolve(name),
      umask: () => self.mask,
      verbose: () => self.verbose(),
      msgPrefix: () => self.vars.MSGPREFIX ?? 'msg.',
      chatty: () => self.log.logFd !== null || self.verbose(),
      lastFolder: (name) => self.setLastFolder(name),
      opening: (name) => {
        self.setLastFolder(name);
        if (self.verbose()) self.log.error(`Opening "${name}"`);
      },
      tell: (offset) => {
        self.lastTell = offset;
      },
      stopped,
    };
    this.lockEnv = { fs: opts.fs, clock: this.clock, names: this.names, log: this.log, umask: () => self.mask, verbose: () => self.verbose(), stopped };
  }

  /** The current MAILDIR as an absolute path (children run there). */
  get currentDir(): string {
    return this.cwd;
  }

  answer<R extends Request>(request: R): Promise<AnswerFor[R['kind']]> {
    this.vars = request.vars;
    return this.dispatch(request) as Promise<AnswerFor[R['kind']]>;
  }

  private async dispatch(r: Request): Promise<Answer> {
    switch (r.kind) {
      case 'deliver':
        return this.deliver(r);
      case 'pipe':
        // The engine logs this pipe's `Assigning "LASTFOLDER=…"`; comsat reports it (with no offset) if nothing follows.
        this.csFolder = { folder: null, maildir: this.maildir() };
        this.lastTell = -1;
        return this.withLock(r.lockfile, () => this.feedProgram(commandArgv(r.command, this.vars), r.data, r.feed, 'discard'));
      case 'filter':
        return this.withLock(r.lockfile, () => this.feedProgram(commandArgv(r.command, this.vars), r.data, r.feed, 'capture'));
      case 'capture':
        return this.program(r.command, this.programInput(r.data, r.feed).input, 'capture');
      case 'run-condition':
        return this.program(r.command, withTrailingNewline(r.data), 'discard');
      case 'trap':
        return this.program(r.command, withTrailingNewline(r.data), 'log');
      case 'forward': {
        this.csFolder = { folder: null, maildir: this.maildir() };
        this.lastTell = -1;
        const data = r.feed.header ? stripFromLine(r.data) : r.data;
        const argv = [...r.argv];
        return this.withLock(r.lockfile, () => this.feedProgram({ argv, display: argv[0] ?? '', retryWithSh: true }, data, r.feed, 'discard', false));
      }
      case 'include':
        return this.include(r.path);
      case 'chdir':
        return this.chdir(r.dir);
      case 'open-log':
        // Logged where the log goes so far, before the new one opens (verified: it lands on stderr).
        if (this.verbose() && r.path !== '') this.log.error(`Opening "${r.path}"`);
        return { kind: 'ack', ok: this.log.open(r.path, this.resolve(r.path), this.mask).ok };
      case 'log':
        // procmail.c Terminate: comsat is notified just before the closing abstract.
        if (r.abstract?.closing === true) await this.notifyComsat(TERMINAL_FOLDER.test(r.abstract.folder) ? r.abstract.folder : null);
        if ((r.source === 'error' || r.source === 'verbose') && this.opts.startTime !== undefined) {
          // A procmail line: stamped by the clock, as nlog() does.
          this.log.writeLine(r.text);
          return { kind: 'ack', ok: true };
        }
        this.log.write(r.text);
        return { kind: 'ack', ok: true };
      case 'global-lock':
        return this.globalLockRequest(r.release, r.acquire);
      case 'umask':
        this.mask = r.mask & 0o777;
        this.opts.setUmask?.(this.mask);
        return { kind: 'ack', ok: true };
      case 'lookup':
        return (await this.extAnswers()).lookup(r, this.cwd);
      case 'send':
        return (await this.extAnswers()).send(r, this.cwd);
      case 'reply-cache':
        return (await this.extAnswers()).replyCache(r, this.cwd);
    }
  }

  /**
   * Sends the comsat notification once (comsat.c:sendcomsat): `final` is
   * `**Bounced**`/`**Requeued**` when nothing was delivered (then without
   * an offset), null to report the last folder. Called before the closing
   * abstract, or by the caller at the end when no abstract was logged.
   */
  async notifyComsat(final: string | null): Promise<void> {
    if (this.comsatDone) return;
    this.comsatDone = true;
    const send = this.opts.comsat;
    const target = comsatTarget(this.vars.COMSAT, this.opts.comsatDefault === true);
    const logname = this.vars.LOGNAME ?? '';
    if (send === undefined || target === null || logname === '') return;
    let folder: string;
    let tell = this.lastTell;
    if (final !== null) {
      folder = final;
      tell = -1;
    } else {
      if (this.csFolder === null) return;
      const name = this.csFolder.folder ?? this.vars.LASTFOLDER;
      if (name === undefined || name === '') return;
      folder = comsatFolder(name, this.csFolder.maildir);
    }
    const text = comsatMessage(logname, tell, folder);
    // Fire and forget, but bounded: a COMSAT host that needs a slow lookup must not hold up delivery.
    await Promise.race([send(Buffer.from(text, 'latin1'), target.port, target.host).catch(() => undefined), this.clock.sleep(COMSAT_SEND_TIMEOUT_MS)]);
    if (this.verbose()) this.log.error(`Notified comsat: "${text}"`);
  }

  /** Releases LOCKFILE and closes the log: call once processing has ended. */
  finish(): void {
    if (this.globalLock !== null) {
      releaseDotlock(this.lockEnv, this.globalLock.path, this.globalLock.name);
      this.globalLock = null;
    }
    this.log.close();
  }

  private resolve(name: string): string {
    return isAbsolute(name) ? name : join(this.cwd, name);
  }

  /** misc.c nlog: with VERBOSE on, a procmail line in a new second is preceded by `procmail: [pid] <ctime>`. */
  private stamp(line: string): string {
    if (this.opts.startTime === undefined || !this.verbose()) return line;
    const now = this.clock.now();
    const second = Math.floor(now / 1000);
    if (second === this.stampSecond) return line;
    this.stampSecond = second;
    return `procmail: [${this.opts.pid}] ${ctime(now, this.vars.TZ)}\n${line}`;
  }

  /** setlastfolder(): the engine sets the variable itself after the answer; the VERBOSE line comes from here, in procmail's place. */
  private setLastFolder(name: string): void {
    if (this.verbose()) this.log.error(`Assigning "LASTFOLDER=${name}"`);
    this.csFolder = { folder: name, maildir: this.maildir() };
  }

  /** MAILDIR as the variable reads (comsat.c uses the variable, not the directory). */
  private maildir(): string {
    return this.vars.MAILDIR ?? this.cwd;
  }

  private verbose(): boolean {
    return renvint(0, this.vars.VERBOSE ?? '') !== 0;
  }

  private num(name: string, fallback: number): number {
    const v = this.vars[name];
    return v === undefined ? fallback : renvint(fallback, v);
  }

  private timing(): LockTiming {
    return {
      sleepSec: Math.max(0, this.num('LOCKSLEEP', DEFAULT_LOCKSLEEP)),
      timeoutSec: Math.max(0, this.num('LOCKTIMEOUT', DEFAULT_LOCKTIMEOUT)),
      suspendSec: Math.max(0, this.num('SUSPEND', DEFAULT_SUSPEND)),
    };
  }

  private async deliver(r: DeliverRequest): Promise<DeliverAnswer> {
    const first = r.folders[0] ?? '';
    if (first === '|') {
      // A bare `|`: the mail goes to our stdout (procmail.c, -m filters).
      const bytes = r.feed.raw ? r.data : withTrailingNewline(r.data);
      this.opts.stdout.write(bytes);
      return { kind: 'delivered', ok: true, lastFolder: '|', bytes: bytes.length };
    }
    let lockfile = r.lockfile;
    const lockext = this.vars.LOCKEXT ?? '.lock';
    if (r.fallback && first !== '' && first === this.vars.DEFAULT) {
      // DEFAULT is delivered under $DEFAULT$LOCKEXT (procmail.md §5.2), even if the request forgot it, but
      // only when it is a file: writefolder(dolock) locks in its ft_FILE case alone, so a maildir, MH or
      // directory DEFAULT is written unlocked (verified: no `Locking` line, even when the maildir is new).
      lockfile = folderKind(this.folderCtx, first) === 'file' ? (lockfile ?? first + lockext) : null;
    }
    // Locking /dev/null would be silly (locking.c:lcllock).
    if (first === '/dev/null' && lockfile === first + lockext) lockfile = null;
    // The global LOCKFILE already covers it (mailfold.c:writefolder).
    if (lockfile !== null && this.globalLock !== null && lockfile === this.globalLock.name) lockfile = null;
    return this.withLock(lockfile, async () => {
      // Stopped while waiting for the lock: not even an empty mailbox is created.
      if (this.opts.stop?.requested === true) return { kind: 'delivered', ok: false, lastFolder: first, bytes: 0 };
      const res = await deliverToFolders(this.folderCtx, r.folders, r.data, { feed: r.feed, berkeley: this.opts.berkeley === true });
      return { kind: 'delivered', ok: res.ok, lastFolder: res.lastFolder, bytes: res.bytes };
    });
  }

  /** Holds the `:0:` lockfile around an action; a lock that can't be had is logged and the action goes ahead (procmail.md §7.5). */
  private async withLock<T>(lockfile: string | null, action: () => Promise<T>): Promise<T> {
    if (lockfile === null || lockfile === '') return action();
    const path = this.resolve(lockfile);
    const held = await acquireDotlock(this.lockEnv, path, lockfile, this.timing());
    try {
      return await action();
    } finally {
      if (held) releaseDotlock(this.lockEnv, path, lockfile);
    }
  }

  /** LOCKFILE= (locking.c:lockit): the same name again is a no-op; otherwise the old lock goes first, to prevent deadlocks. */
  private async globalLockRequest(_release: string | null, acquire: string | null): Promise<Ack> {
    if (this.globalLock !== null) {
      if (acquire === this.globalLock.name) return { kind: 'ack', ok: true };
      releaseDotlock(this.lockEnv, this.globalLock.path, this.globalLock.name);
      this.globalLock = null;
    }
    if (acquire === null || acquire === '') return { kind: 'ack', ok: true };
    // Resolved now, against the current directory (procmail.md §5.2, a known quirk when MAILDIR changes later).
    const path = this.resolve(acquire);
    const ok = await acquireDotlock(this.lockEnv, path, acquire, this.timing());
    if (ok) this.globalLock = { name: acquire, path };
    return { kind: 'ack', ok };
  }

  /** Bytes for a program's stdin: Content-Length fixed like the stored copy, plus the trailing-newline rule unless `r`. */
  private programInput(data: Buffer, feed: Feed, rewrite = true): { input: Buffer; unterminated: number } {
    let bytes = data;
    if (rewrite && feed.header && feed.body && this.opts.berkeley !== true) bytes = rewriteContentLength(bytes).data;
    return { input: feed.raw ? bytes : withTrailingNewline(bytes), unterminated: bytes.length };
  }

  /**
   * The mail into a program (pipes.c:pipin, and the filter child): when the
   * program doesn't take all of it, procmail logs `Error while writing to`
   * naming the command (its first word when run without a shell), unless `i`.
   * The abstract's size is then dump()'s lastdump: the message without the
   * newline it never got to add.
   */
  private async feedProgram(
    cmd: { argv: string[]; display: string; retryWithSh: boolean },
    data: Buffer,
    feed: Feed,
    stdout: ProgramSpec['stdout'],
    rewrite = true,
  ): Promise<ProgramAnswer> {
    const { input, unterminated } = this.programInput(data, feed, rewrite);
    const r = await this.run(cmd, input, stdout);
    if (r.wroteAll || !r.started) return answerOf(r);
    if (!feed.ignoreWriteErrors) this.log.error(`Error while writing to "${cmd.display}"`);
    return { ...answerOf(r), bytes: unterminated };
  }

  private async program(command: Parameters<typeof commandArgv>[0], input: Buffer, stdout: ProgramSpec['stdout']): Promise<ProgramAnswer> {
    return answerOf(await this.run(commandArgv(command, this.vars), input, stdout));
  }

  private run(cmd: { argv: string[]; display: string; retryWithSh: boolean }, input: Buffer, stdout: ProgramSpec['stdout']): Promise<ProgramResult> {
    return runProgram(
      { spawn: this.opts.spawn, log: this.log, clock: this.programClock, ...(this.opts.stop ? { stop: this.opts.stop } : {}) },
      {
        ...cmd,
        env: childEnv(this.vars),
        cwd: this.cwd,
        input,
        stdout,
        timeoutSec: Math.max(0, this.num('TIMEOUT', DEFAULT_TIMEOUT)),
      },
    );
  }

  private include(path: string): IncludeAnswer {
    try {
      const full = this.resolve(path);
      if (this.opts.fs.statSync(full).isDirectory()) return { kind: 'include', text: null, path };
      return { kind: 'include', text: this.opts.fs.readFileSync(full).toString('latin1'), path };
    } catch {
      return { kind: 'include', text: null, path };
    }
  }

  private chdir(dir: string): Ack {
    const full = this.resolve(dir);
    try {
      if (this.opts.fs.statSync(full).isDirectory()) {
        this.cwd = full;
        return { kind: 'ack', ok: true };
      }
    } catch {
      // reported by the engine: Couldn't chdir to "x"
    }
    return { kind: 'ack', ok: false };
  }

  private extAnswers(): Promise<ExtAnswers> {
    if (this.ext === null) {
      const e = this.opts.ext;
      this.ext = typeof e === 'function' ? e() : Promise.resolve(e ?? noExtensions);
    }
    return this.ext;
  }
}

/** `**Bounced**`, `**Requeued**`, `**Lost**`…: the closing abstract's folder when nothing was delivered. */
const TERMINAL_FOLDER = /^\*\*[A-Za-z]+\*\*$/;

/** Without the extension module, extension requests fail safe: no list match, nothing sent, no auto-reply. */
const noExtensions: ExtAnswers = {
  lookup: () => ({ kind: 'lookup', matched: null, entry: null }),
  send: () => ({ kind: 'ack', ok: false }),
  replyCache: () => ({ kind: 'reply-cache', recent: true }),
};

function answerOf(r: ProgramResult): ProgramAnswer {
  return { kind: 'program', exitCode: r.exitCode, signal: r.signal, wroteAll: r.wroteAll, output: r.output, bytes: r.bytes };
}

/** Every procmail variable is exported to children (procmail.md §5.1). */
function childEnv(vars: Vars): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars)) if (!k.includes('=') && !k.includes('\0') && !v.includes('\0')) env[k] = v;
  return env;
}
