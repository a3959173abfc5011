import type { Span } from '../source/span.js';

/**
 * The only channel between the pure engine and the world (the sieve-rs
 * event/answer protocol; aesthetics.md §1). The engine yields a Request and
 * is resumed with the matching Answer. src/deliver answers by acting,
 * src/dryrun by recording, so dry-run can never drift from delivery.
 *
 * Data fed to programs and folders is given exactly as procmail selects it
 * (h/b parts, original line breaks); format rules that depend on the target
 * (From_ escaping, the trailing-newline rule, maildir's From_ stripping)
 * belong to the answerer, which knows the target's kind.
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

/** Every procmail variable in force when the request was made (all are exported to children). */
export type Vars = Readonly<Record<string, string>>;

interface Base {
  readonly origin: Origin;
  readonly vars: Vars;
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
   * (procmail.md §7.2). Absent without the field, or with -Y.
   */
  readonly bodyCovered?: number;
}

/** Store in one or more folders (procmail.md §7.2–§7.4). Folder strings are expanded but not yet resolved against MAILDIR. */
export interface DeliverRequest extends Base {
  readonly kind: 'deliver';
  readonly folders: readonly string[];
  /** Local lockfile to hold while writing (`:0:`), already resolved (implicit `folder$LOCKEXT`), or null. */
  readonly lockfile: string | null;
  readonly data: Buffer;
  readonly feed: Feed;
  /** True for the DEFAULT/ORGMAIL fall-back (procmail.md §7.7). */
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
  readonly data: Buffer;
  readonly feed: Feed;
  /** `w`/`W`/implied by a local lock: wait and check the exit status. */
  readonly wait: 'w' | 'W' | null;
  readonly lockfile: string | null;
}

/** `f` filter: the output replaces the fed part. */
export interface FilterRequest extends Base {
  readonly kind: 'filter';
  readonly command: Command;
  readonly data: Buffer;
  readonly feed: Feed;
  readonly wait: 'w' | 'W' | null;
  readonly lockfile: string | null;
}

/** Backticks and `VAR=| cmd`: capture stdout. */
export interface CaptureRequest extends Base {
  readonly kind: 'capture';
  readonly command: Command;
  readonly data: Buffer;
  readonly feed: Feed;
  /** 'backtick' or 'assign' (VAR=|), which differ in how trailing newlines are stripped (procmail.md §1.2, §1.6). */
  readonly form: 'backtick' | 'assign';
}

/** `? cmd` condition: the search area on stdin, exit status is the answer. */
export interface RunConditionRequest extends Base {
  readonly kind: 'run-condition';
  readonly command: Command;
  readonly data: Buffer;
}

/** `! addresses`: "$SENDMAIL" $SENDMAILFLAGS addresses..., From_ line stripped by the answerer. */
export interface ForwardRequest extends Base {
  readonly kind: 'forward';
  readonly argv: readonly string[];
  readonly data: Buffer;
  readonly feed: Feed;
  readonly wait: 'w' | 'W' | null;
  readonly lockfile: string | null;
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
  /**
   * For abstracts: the folder shown, and whether this is the abstract logged
   * when processing ends (procmail.c Terminate), before which procmail
   * notifies comsat.
   */
  readonly abstract?: { readonly folder: string; readonly closing: boolean };
}

/** LOCKFILE assignment: release the previous global lock (if any), acquire the new one (if any). */
export interface GlobalLockRequest extends Base {
  readonly kind: 'global-lock';
  readonly release: string | null;
  readonly acquire: string | null;
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
  readonly data: Buffer;
}

/**
 * Extension requests (issue 6). `lookup` asks whether any of `addresses`
 * appears in a list file; `send` hands a composed bounce or reply to the
 * answerer; `reply-cache` consults and updates the once-per-sender cache.
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
  /** Bytes written by the last write, for the abstract (procmail.md §8.1). */
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
  lookup: LookupAnswer;
  send: Ack;
  'reply-cache': ReplyCacheAnswer;
}

/** An answerer, as both src/deliver and src/dryrun implement it. */
export interface Answerer {
  answer<R extends Request>(request: R): Promise<AnswerFor[R['kind']]> | AnswerFor[R['kind']];
}
