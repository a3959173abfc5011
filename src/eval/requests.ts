import type { Span } from '../source/span.js';

/**
 * The only channel between the pure engine and the world (the event/answer
 * protocol of sieve-rs). The engine yields a Request and is resumed with the
 * matching Answer. src/deliver answers by acting, src/dryrun by predicting.
 *
 * A request carries every setting its answer needs, resolved by the engine
 * the way procmail holds it (VERBOSE, TIMEOUT, lock timing, MSGPREFIX, a
 * program's final argv and the exact bytes it is fed, …): answerers act on
 * exactly that and never read a variable. The variable map travels only as
 * a child process's environment (ProgramCall.env, SendRequest.env).
 *
 * Data fed to folders is given as procmail selects it (h/b parts, original
 * line breaks); the bytes stored depend on the folder's kind, which only the
 * file system decides, so src/deliver/folders.ts computes them for both
 * answerers.
 */

/** Why a request was made: the recipe and the conditions that led to it. */
export interface Origin {
  /** The recipe (or assignment, for captures and LOGFILE/LOG) that made the request; null for the built-in DEFAULT/ORGMAIL fall-back. */
  readonly span: Span | null;
  /** Spans of the conditions that were tested and held, in order. */
  readonly conditions: readonly Span[];
  /** Human-readable reason, e.g. `recipe matched`, `fell off the end of the rcfile`. */
  readonly reason: string;
}

/** Every procmail variable in force when a program is started: its environment (all are exported to children). */
export type Vars = Readonly<Record<string, string>>;

/**
 * How the answerer writes procmail's own log lines while it answers: VERBOSE
 * (procmail's internal value, which survives an unset) and TZ, which the
 * VERBOSE `[pid] date` stamps are printed in.
 */
export interface LogSettings {
  readonly verbose: boolean;
  readonly tz: string | null;
}

/** LOCKSLEEP, LOCKTIMEOUT and SUSPEND as procmail holds them (locking.c lockit). */
export interface LockTiming {
  /** LOCKSLEEP, seconds between attempts. */
  readonly sleepSec: number;
  /** LOCKTIMEOUT, seconds after which a small lock is stale; 0 = never. */
  readonly timeoutSec: number;
  /** SUSPEND, seconds to wait after forcing a stale lock. */
  readonly suspendSec: number;
}

interface Base {
  readonly origin: Origin;
  readonly log: LogSettings;
}

/** Which part of the message is fed, and how (recipe flags h, b, r, i). */
export interface Feed {
  readonly header: boolean;
  readonly body: boolean;
  /** `r`: no trailing-newline rule, no From_ escaping. */
  readonly raw: boolean;
  /** `i`: ignore write errors (a program closing its stdin early). */
  readonly ignoreWriteErrors: boolean;
  /**
   * With the body fed without the header: how many leading body bytes the
   * message's Content-Length covers, which a file folder leaves unescaped
   * (mailfold.c readmail). Absent without the field, or with -Y.
   */
  readonly bodyCovered?: number;
}

/**
 * A program as procmail starts it (pipes.c): everything resolved, so an
 * answerer only runs it.
 */
export interface ProgramCall {
  /** The final argv: `$SHELL $SHELLFLAGS text` (SHELLFLAGS one argument) when the text has SHELLMETAS, else its words. */
  readonly argv: readonly string[];
  /** How procmail names it in log lines: the text given to the shell, else the first word. */
  readonly display: string;
  /** A direct exec that fails is retried as a /bin/sh script (pipes.c shexec). */
  readonly retryWithSh: boolean;
  /** The child's environment: every procmail variable. */
  readonly env: Vars;
  /** TIMEOUT in seconds; 0 or less: none. */
  readonly timeoutSec: number;
  /** Exactly the bytes written to its stdin. */
  readonly input: Buffer;
  /** How many of them precede the newline procmail added (the abstract's size when the write fails: dump()'s lastdump). */
  readonly unterminated: number;
}

/** Store in one or more folders (mailfold.c writefolder). Folder strings are expanded but not yet resolved against MAILDIR. */
export interface DeliverRequest extends Base {
  readonly kind: 'deliver';
  readonly folders: readonly string[];
  /**
   * Local lockfile to hold while writing (`:0:`), already resolved (implicit
   * `folder$LOCKEXT`), or null. For the fall-back it is held only when the
   * folder turns out to be a file (mailfold.c writefolder locks in its
   * ft_FILE case alone).
   */
  readonly lockfile: string | null;
  readonly lock: LockTiming;
  /** TIMEOUT in seconds, for the kernel lock on a file folder. */
  readonly timeoutSec: number;
  /** MSGPREFIX, for plain-directory folders. */
  readonly msgPrefix: string;
  /** MAILDIR as the variable reads, which comsat reports relative folders against (comsat.c setlfcs). */
  readonly maildir: string | null;
  readonly data: Buffer;
  readonly feed: Feed;
  /** True for the DEFAULT/ORGMAIL fall-back (procmail.c nomore_rc). */
  readonly fallback: boolean;
}

/** How to run a command: through $SHELL when the text has SHELLMETAS, else argv by direct exec. */
export type Command =
  | { readonly shell: true; readonly text: string }
  | { readonly shell: false; readonly text: string; readonly argv: readonly string[] };

/** `| cmd` delivering pipe. */
export interface PipeRequest extends Base {
  readonly kind: 'pipe';
  readonly command: Command;
  readonly call: ProgramCall;
  readonly feed: Feed;
  /** `w`/`W`/implied by a local lock: wait and check the exit status. */
  readonly wait: 'w' | 'W' | null;
  /** The recipe's own flags said `W` (not only a lock implying it). */
  readonly quiet: boolean;
  readonly lockfile: string | null;
  readonly lock: LockTiming;
  readonly maildir: string | null;
  /** SENDMAIL: a dry run that runs pipes never runs one that would send mail through it. */
  readonly sendmail: string;
}

/** `f` filter: the output replaces the fed part. */
export interface FilterRequest extends Base {
  readonly kind: 'filter';
  readonly command: Command;
  readonly call: ProgramCall;
  /** The part fed, as selected (without the added newline): what an unchanged filter gives back. */
  readonly data: Buffer;
  readonly feed: Feed;
  readonly wait: 'w' | 'W' | null;
  readonly lockfile: string | null;
  readonly lock: LockTiming;
}

/** Backticks and `VAR=| cmd`: capture stdout. */
export interface CaptureRequest extends Base {
  readonly kind: 'capture';
  readonly command: Command;
  readonly call: ProgramCall;
  readonly feed: Feed;
  /** 'backtick' or 'assign' (VAR=|), which differ in how trailing newlines are stripped. */
  readonly form: 'backtick' | 'assign';
}

/** `? cmd` condition: the search area on stdin, exit status is the answer. */
export interface RunConditionRequest extends Base {
  readonly kind: 'run-condition';
  readonly command: Command;
  readonly call: ProgramCall;
}

/** `! addresses`: "$SENDMAIL" $SENDMAILFLAGS addresses…, the From_ line already stripped from the input. */
export interface ForwardRequest extends Base {
  readonly kind: 'forward';
  readonly call: ProgramCall;
  /** The addresses alone, as the action line gave them (expanded). */
  readonly addresses: readonly string[];
  readonly feed: Feed;
  readonly wait: 'w' | 'W' | null;
  readonly lockfile: string | null;
  readonly lock: LockTiming;
  readonly maildir: string | null;
}

/** INCLUDERC / SWITCHRC: read an rc file (path relative to MAILDIR). */
export interface IncludeRequest extends Base {
  readonly kind: 'include';
  readonly path: string;
  readonly mode: 'include' | 'switch';
}

/** MAILDIR assignment: chdir now. */
export interface ChdirRequest extends Base {
  readonly kind: 'chdir';
  readonly dir: string;
}

/** LOGFILE assignment: open (append) the log; '' means /dev/null. */
export interface OpenLogRequest extends Base {
  readonly kind: 'open-log';
  readonly path: string;
}

/**
 * Text for the log: LOG values, procmail's own error/verbose lines (already
 * formatted with their `procmail: ` prefix and newline), and the abstract.
 * Goes to LOGFILE when open, else to stderr.
 */
export interface LogRequest extends Base {
  readonly kind: 'log';
  readonly text: string;
  readonly source: 'LOG' | 'error' | 'verbose' | 'abstract';
  /** For abstracts: the folder shown. */
  readonly abstract?: { readonly folder: string; readonly closing: boolean };
}

/** LOCKFILE assignment: release the previous global lock (if any), acquire the new one (if any). */
export interface GlobalLockRequest extends Base {
  readonly kind: 'global-lock';
  readonly release: string | null;
  readonly acquire: string | null;
  readonly lock: LockTiming;
}

/** UMASK assignment: apply now (octal already parsed). */
export interface UmaskRequest extends Base {
  readonly kind: 'umask';
  readonly mask: number;
}

/** TRAP at termination: mail on stdin, output to the log. */
export interface TrapRequest extends Base {
  readonly kind: 'trap';
  readonly command: Command;
  readonly call: ProgramCall;
  /** EXITCODE was set empty, so TRAP's exit status becomes procmail's (variables.c setexitcode). */
  readonly decides: boolean;
}

/**
 * The comsat/biff notice (comsat.c sendcomsat), asked for once, just before
 * the closing abstract (procmail.c Terminate), and only when COMSAT leaves
 * it on.
 */
export interface ComsatRequest extends Base {
  readonly kind: 'comsat';
  readonly host: string;
  readonly port: number;
  readonly logname: string;
  /** `**Bounced**`/`**Requeued**`… when nothing was delivered (sent without an offset), else null: the last folder. */
  readonly final: string | null;
  /** LASTFOLDER now: what is reported after a pipe or forward, which are not folders the answerer opened. */
  readonly lastFolder: string;
}

/**
 * Extension requests. `lookup` asks whether any of `addresses` appears in a
 * list file; `send` hands a bounce or reply to the answerer, with everything
 * it needs to compose and send it resolved; `reply-cache` consults and
 * updates the once-per-sender cache.
 */
export interface LookupRequest extends Base {
  readonly kind: 'lookup';
  readonly file: string;
  readonly addresses: readonly string[];
}
export interface SendRequest extends Base {
  readonly kind: 'send';
  readonly what: 'bounce' | 'reply';
  /** The envelope recipient(s) and the text or file the notice carries; composition happens in the answerer (nodemailer). */
  readonly to: string;
  readonly text: string | null;
  readonly file: string | null;
  readonly data: Buffer;
  /** `$SENDMAIL $SENDMAILFLAGS` (sendmail.ts): the notice goes through the same command as forwards. */
  readonly sendmail: readonly string[];
  /** LOGNAME: the notice is from `$LOGNAME@<this host>` (the host is the answerer's to find). */
  readonly logname: string;
  /** A reply's From when REPLYFROM is set, else null. */
  readonly replyFrom: string | null;
  /** The X-Loop value (`$LOOPID`, else `$LOGNAME@$HOST`). */
  readonly loopId: string;
  readonly env: Vars;
  readonly timeoutSec: number;
}
export interface ReplyCacheRequest extends Base {
  readonly kind: 'reply-cache';
  readonly file: string;
  readonly sender: string;
  readonly days: number;
}

export type Request =
  | DeliverRequest
  | PipeRequest
  | FilterRequest
  | CaptureRequest
  | RunConditionRequest
  | ForwardRequest
  | IncludeRequest
  | ChdirRequest
  | OpenLogRequest
  | LogRequest
  | GlobalLockRequest
  | UmaskRequest
  | TrapRequest
  | ComsatRequest
  | LookupRequest
  | SendRequest
  | ReplyCacheRequest;

// ---------------------------------------------------------------------------
// Answers. `assumed` marks answers invented by dry-run (--no-exec) rather than observed.
// ---------------------------------------------------------------------------

export interface Ack {
  readonly kind: 'ack';
  readonly ok: boolean;
  /** A log line the answerer wants the engine to be aware of (already written by the answerer). */
  readonly error?: string;
  readonly assumed?: boolean;
}

export interface DeliverAnswer {
  readonly kind: 'delivered';
  readonly ok: boolean;
  /** LASTFOLDER as procmail sets it (`dir/new/<name>`, `mh/3`, the file, several names space-separated). */
  readonly lastFolder: string;
  /** Bytes written by the last write, for the abstract (docs/procmail-semantics.md §8.1). */
  readonly bytes: number;
  readonly assumed?: boolean;
}

export interface ProgramAnswer {
  readonly kind: 'program';
  /** Exit status; null if it could not be started or was killed. */
  readonly exitCode: number | null;
  /**
   * The signal that killed it (15 after a TIMEOUT), when exitCode is null
   * because of a signal. procmail reports it as exit code -N: `Program
   * failure (-15) of "x"` for `w` (verified). Optional: answerers that leave
   * it out lose only that log line.
   */
  readonly signal?: number | null;
  /** Whether all data was written to the program's stdin. */
  readonly wroteAll: boolean;
  /** Captured stdout (filter, capture); empty otherwise. */
  readonly output: Buffer;
  readonly bytes: number;
  readonly assumed?: boolean;
}

export interface IncludeAnswer {
  readonly kind: 'include';
  /** The file's text, or null when it could not be read (`Couldn't read "x"`). */
  readonly text: string | null;
  /** The path as procmail reports it in `$_`. */
  readonly path: string;
  readonly assumed?: boolean;
}

export interface LookupAnswer {
  readonly kind: 'lookup';
  /** The first address that matched an entry, or null. */
  readonly matched: string | null;
  readonly entry: string | null;
  /** Why the list could not be consulted (unreadable, too big); `matched` is then null. Not yet logged: the engine logs it. */
  readonly error?: string;
  readonly assumed?: boolean;
}

export interface ReplyCacheAnswer {
  readonly kind: 'reply-cache';
  /** True when a reply to this sender was already sent within `days` (so don't reply again). */
  readonly recent: boolean;
  /** Why the cache could not be consulted or updated (lock timeout, ENOSPC); the engine logs it and sends no reply. */
  readonly error?: string;
  readonly assumed?: boolean;
}

export type Answer = Ack | DeliverAnswer | ProgramAnswer | IncludeAnswer | LookupAnswer | ReplyCacheAnswer;

/** Which answer each request expects. */
export interface AnswerFor {
  deliver: DeliverAnswer;
  pipe: ProgramAnswer;
  filter: ProgramAnswer;
  capture: ProgramAnswer;
  'run-condition': ProgramAnswer;
  forward: ProgramAnswer;
  include: IncludeAnswer;
  chdir: Ack;
  'open-log': Ack;
  log: Ack;
  'global-lock': Ack;
  umask: Ack;
  trap: ProgramAnswer;
  comsat: Ack;
  lookup: LookupAnswer;
  send: Ack;
  'reply-cache': ReplyCacheAnswer;
}

/** An answerer, as both src/deliver and src/dryrun implement it. */
export interface Answerer {
  answer<R extends Request>(request: R): Promise<AnswerFor[R['kind']]> | AnswerFor[R['kind']];
}
