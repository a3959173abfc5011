import { isAbsolute, join } from 'node:path';
import type {
  Ack,
  Answer,
  AnswerFor,
  Answerer,
  ComsatRequest,
  DeliverAnswer,
  DeliverRequest,
  Feed,
  IncludeAnswer,
  LockTiming,
  LogSettings,
  LookupRequest,
  ProgramAnswer,
  ProgramCall,
  ReplyCacheRequest,
  Request,
  SendRequest,
  Vars,
} from '../eval/requests.js';
import { ctime } from '../eval/logtext.js';
import { withTrailingNewline } from '../eval/program-input.js';
import { DEFAULT_UMASK } from '../limits.js';
import type { Clock, DatagramSend, DeliveryFs, SpawnFn, TextSink } from './seams.js';
import { systemClock } from './seams.js';
import { stoppableClock, type StopSignal } from './stop-signal.js';
import { DeliveryLog } from './logfile.js';
import { UniqueNames } from './unique-name.js';
import { FcntlLocker, type KernelLocker } from './kernel-lock.js';
import type { FolderContext } from './folder-context.js';
import { acquireDotlock, releaseDotlock, type DotlockEnv } from './dotlock.js';
import { deliverToFolders, pathState } from './folders.js';
import { folderKind, heldLockfile } from './folder-kind.js';
import { runProgram, type ProgramResult, type ProgramSpec } from './program.js';
import type { ProgramPipes } from './os-pipe.js';
import { comsatFolder, comsatMessage } from './comsat.js';
import { COMSAT_SEND_TIMEOUT_MS } from '../limits.js';

/** Answers for the extension requests (src/deliver/ext-answers.ts, the `@` extensions), injected so delivery never loads nodemailer up front. */
export interface ExtAnswers {
  /** `cwd` is the current MAILDIR, against which relative list and cache files resolve. */
  lookup(request: LookupRequest, cwd: string): Promise<AnswerFor['lookup']> | AnswerFor['lookup'];
  send(request: SendRequest, cwd: string): Promise<Ack> | Ack;
  /** `names` makes the cache lock's temporary file names, from the answerer's one serial (unique-name.ts). */
  replyCache(request: ReplyCacheRequest, cwd: string, names: UniqueNames): Promise<AnswerFor['reply-cache']> | AnswerFor['reply-cache'];
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
  /** -Y: Berkeley mbox format, Content-Length is left alone (docs/procmail-semantics.md §6.1, §7.2). */
  readonly berkeley?: boolean;
  readonly kernel?: KernelLocker;
  /** How programs' stdio is connected; real pipes unless given (os-pipe.ts). */
  readonly pipes?: ProgramPipes;
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
}

/** What comsat will report: the last folder procmail's setlastfolder() saw, and MAILDIR at that time. */
interface ComsatFolder {
  /** null: a pipe or forward, whose LASTFOLDER text the engine sends with the comsat request. */
  readonly folder: string | null;
  readonly maildir: string;
}

interface HeldLock {
  readonly name: string;
  readonly path: string;
}

/**
 * The real answerer: performs each request the engine yields (requests.ts)
 * the way procmail 3.22 does, against injected IO, with exactly the settings
 * each request carries (it reads no variable). Errors procmail logs at
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
  /** The log settings of the request being answered. */
  private settings: LogSettings = { verbose: false, tz: null };
  /** MSGPREFIX and TIMEOUT of the deliver request being answered. */
  private msgPrefix = '';
  private kernelTimeoutSec = 0;
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
        () => this.kernelTimeoutSec * 1000,
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
      msgPrefix: () => self.msgPrefix,
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
    this.settings = request.log;
    return this.dispatch(request) as Promise<AnswerFor[R['kind']]>;
  }

  private async dispatch(r: Request): Promise<Answer> {
    switch (r.kind) {
      case 'deliver':
        return this.deliver(r);
      case 'pipe':
      case 'forward':
        // The engine logs this pipe's `Assigning "LASTFOLDER=…"`; comsat reports it (with no offset) if nothing follows.
        this.csFolder = { folder: null, maildir: r.maildir ?? this.cwd };
        this.lastTell = -1;
        return this.withLock(r.lockfile, r.lock, () => this.feedProgram(r.call, r.feed, 'discard'));
      case 'filter':
        return this.withLock(r.lockfile, r.lock, () => this.feedProgram(r.call, r.feed, 'capture'));
      case 'capture':
        return answerOf(await this.run(r.call, 'capture'));
      case 'run-condition':
        return answerOf(await this.run(r.call, 'discard'));
      case 'trap':
        return answerOf(await this.run(r.call, 'log'));
      case 'comsat':
        await this.notifyComsat(r);
        return { kind: 'ack', ok: true };
      case 'include':
        return this.include(r.path);
      case 'chdir':
        return this.chdir(r.dir);
      case 'open-log':
        // Logged where the log goes so far, before the new one opens (verified: it lands on stderr).
        if (this.verbose() && r.path !== '') this.log.error(`Opening "${r.path}"`);
        return { kind: 'ack', ok: this.log.open(r.path, this.resolve(r.path), this.mask).ok };
      case 'log':
        if ((r.source === 'error' || r.source === 'verbose') && this.opts.startTime !== undefined) {
          // A procmail line: stamped by the clock, as nlog() does.
          this.log.writeLine(r.text);
          return { kind: 'ack', ok: true };
        }
        this.log.write(r.text);
        return { kind: 'ack', ok: true };
      case 'global-lock':
        return this.globalLockRequest(r.acquire, r.lock);
      case 'umask':
        this.mask = r.mask & 0o777;
        this.opts.setUmask?.(this.mask);
        return { kind: 'ack', ok: true };
      case 'lookup':
        return (await this.extAnswers()).lookup(r, this.cwd);
      case 'send':
        return (await this.extAnswers()).send(r, this.cwd);
      case 'reply-cache':
        return (await this.extAnswers()).replyCache(r, this.cwd, this.names);
    }
  }

  /**
   * Sends the comsat notification once (comsat.c:sendcomsat): `final` is
   * `**Bounced**`/`**Requeued**` when nothing was delivered (then without
   * an offset), else the last folder this answerer opened, or the pipe or
   * forward the engine names.
   */
  private async notifyComsat(r: ComsatRequest): Promise<void> {
    if (this.comsatDone) return;
    this.comsatDone = true;
    const send = this.opts.comsat;
    if (send === undefined) return;
    let folder: string;
    let tell = this.lastTell;
    if (r.final !== null) {
      folder = r.final;
      tell = -1;
    } else {
      if (this.csFolder === null) return;
      const name = this.csFolder.folder ?? r.lastFolder;
      if (name === '') return;
      folder = comsatFolder(name, this.csFolder.maildir);
    }
    const text = comsatMessage(r.logname, tell, folder);
    const sending = send(Buffer.from(text, 'latin1'), r.port, r.host).catch(() => undefined);
    if (isAddressLiteral(r.host)) {
      // No lookup: the datagram is handed to the kernel at once (the default, 127.0.0.1).
      await sending;
    } else {
      // Fire and forget, but bounded: a COMSAT host that needs a slow lookup must not hold up delivery.
      // The bound's timer is cancelled once the datagram went: a long-lived worker would otherwise keep one per delivery.
      const sent = new AbortController();
      await Promise.race([sending, this.clock.sleep(COMSAT_SEND_TIMEOUT_MS, sent.signal)]);
      sent.abort();
    }
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
    return `procmail: [${this.opts.pid}] ${ctime(now, this.settings.tz ?? undefined)}\n${line}`;
  }

  /** setlastfolder(): the engine sets the variable itself after the answer; the VERBOSE line comes from here, in procmail's place. */
  private setLastFolder(name: string): void {
    if (this.verbose()) this.log.error(`Assigning "LASTFOLDER=${name}"`);
    // comsat.c uses MAILDIR as the variable reads, not the directory.
    this.csFolder = { folder: name, maildir: this.deliveringMaildir ?? this.cwd };
  }

  /** MAILDIR's text for the deliver request being answered. */
  private deliveringMaildir: string | null = null;

  private verbose(): boolean {
    return this.settings.verbose;
  }

  private async deliver(r: DeliverRequest): Promise<DeliverAnswer> {
    const first = r.folders[0] ?? '';
    if (first === '|') {
      // A bare `|`: the mail goes to our stdout (procmail.c, -m filters).
      const bytes = r.feed.raw ? r.data : withTrailingNewline(r.data);
      this.opts.stdout.write(bytes);
      return { kind: 'delivered', ok: true, lastFolder: '|', bytes: bytes.length };
    }
    this.msgPrefix = r.msgPrefix;
    this.kernelTimeoutSec = r.timeoutSec;
    this.deliveringMaildir = r.maildir;
    const lockfile = r.fallback && r.lockfile !== null ? heldLockfile(r, folderKind((name) => pathState(this.folderCtx, name), first)) : r.lockfile;
    return this.withLock(lockfile, r.lock, async () => {
      // Stopped while waiting for the lock: not even an empty mailbox is created.
      if (this.opts.stop?.requested === true) return { kind: 'delivered', ok: false, lastFolder: first, bytes: 0 };
      const res = await deliverToFolders(this.folderCtx, r.folders, r.data, { feed: r.feed, berkeley: this.opts.berkeley === true });
      return { kind: 'delivered', ok: res.ok, lastFolder: res.lastFolder, bytes: res.bytes };
    });
  }

  /** Holds the `:0:` lockfile around an action; a lock that can't be had is logged and the action goes ahead (docs/procmail-semantics.md §7.5). */
  private async withLock<T>(lockfile: string | null, timing: LockTiming, action: () => Promise<T>): Promise<T> {
    if (lockfile === null || lockfile === '') return action();
    const path = this.resolve(lockfile);
    const held = await acquireDotlock(this.lockEnv, path, lockfile, timing);
    try {
      return await action();
    } finally {
      if (held) releaseDotlock(this.lockEnv, path, lockfile);
    }
  }

  /** LOCKFILE= (locking.c:lockit): the same name again is a no-op; otherwise the old lock goes first, to prevent deadlocks. */
  private async globalLockRequest(acquire: string | null, timing: LockTiming): Promise<Ack> {
    if (this.globalLock !== null) {
      if (acquire === this.globalLock.name) return { kind: 'ack', ok: true };
      releaseDotlock(this.lockEnv, this.globalLock.path, this.globalLock.name);
      this.globalLock = null;
    }
    if (acquire === null || acquire === '') return { kind: 'ack', ok: true };
    // Resolved now, against the current directory (docs/procmail-semantics.md §5.2, a known quirk when MAILDIR changes later).
    const path = this.resolve(acquire);
    const ok = await acquireDotlock(this.lockEnv, path, acquire, timing);
    if (ok) this.globalLock = { name: acquire, path };
    return { kind: 'ack', ok };
  }

  /**
   * The mail into a program (pipes.c:pipin, and the filter child): when the
   * program doesn't take all of it, procmail logs `Error while writing to`
   * naming the command (its first word when run without a shell), unless `i`.
   * The abstract's size is then dump()'s lastdump: the message without the
   * newline it never got to add.
   */
  private async feedProgram(call: ProgramCall, feed: Feed, stdout: ProgramSpec['stdout']): Promise<ProgramAnswer> {
    const r = await this.run(call, stdout);
    if (r.wroteAll || !r.started) return answerOf(r);
    if (!feed.ignoreWriteErrors) this.log.error(`Error while writing to "${call.display}"`);
    return { ...answerOf(r), bytes: call.unterminated };
  }

  private run(call: ProgramCall, stdout: ProgramSpec['stdout']): Promise<ProgramResult> {
    return runProgram(
      {
        spawn: this.opts.spawn,
        log: this.log,
        clock: this.programClock,
        ...(this.opts.stop ? { stop: this.opts.stop } : {}),
        ...(this.opts.pipes ? { pipes: this.opts.pipes } : {}),
      },
      {
        argv: call.argv,
        display: call.display,
        retryWithSh: call.retryWithSh,
        env: childEnv(call.env),
        cwd: this.cwd,
        input: call.input,
        stdout,
        timeoutSec: call.timeoutSec,
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

/** Without the extension module, extension requests fail safe: no list match, nothing sent, no auto-reply. */
const noExtensions: ExtAnswers = {
  lookup: () => ({ kind: 'lookup', matched: null, entry: null }),
  send: () => ({ kind: 'ack', ok: false }),
  replyCache: () => ({ kind: 'reply-cache', recent: true }),
};

function answerOf(r: ProgramResult): ProgramAnswer {
  return { kind: 'program', exitCode: r.exitCode, signal: r.signal, wroteAll: r.wroteAll, output: r.output, bytes: r.bytes };
}

/** Every procmail variable is exported to children (docs/procmail-semantics.md §5.1). */
function childEnv(vars: Vars): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars)) if (!k.includes('=') && !k.includes('\0') && !v.includes('\0')) out[k] = v;
  return out;
}

/**
 * A dotted-quad IPv4 address (each part 0-255) or an IPv6 one: sending to it
 * needs no name lookup. Anything else, malformed look-alikes included, may be
 * looked up and so gets the bound (node:net's isIP would say it exactly, but
 * loading node:net costs every delivery agent's start).
 */
function isAddressLiteral(host: string): boolean {
  return IPV4.test(host) || /^[0-9A-Fa-f]*:[0-9A-Fa-f:.]*$/.test(host);
}

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
