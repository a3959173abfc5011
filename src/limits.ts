/**
 * Every size, depth and time limit in one place (habit 6). Values that mirror
 * procmail cite where they come from; the rest are ours and say why.
 */

/** procmail's default LINEBUF (procmailrc(5)); minimum 128. */
export const DEFAULT_LINEBUF = 2048;
export const MIN_LINEBUF = 128;

/** Seconds between dotlock attempts (LOCKSLEEP default, procmailrc(5)). */
export const DEFAULT_LOCKSLEEP = 8;
/** Age in seconds after which a lockfile is stale (LOCKTIMEOUT default, procmailrc(5)). */
export const DEFAULT_LOCKTIMEOUT = 1024;
/** Seconds to wait after forcing a stale lock (SUSPEND default). */
export const DEFAULT_SUSPEND = 16;
/** A lockfile larger than this is never considered stale (procmail: locking.c). */
export const MAX_STALE_LOCK_SIZE = 16;
/** Attempts on ENOENT/ENOTDIR/ENOSPC/EIO before "Lock failure" (procmail.md §7.5). */
export const LOCK_HARD_ERROR_RETRIES = 8;

/** Seconds a child program may run before it is terminated (TIMEOUT default, procmailrc(5)). */
export const DEFAULT_TIMEOUT = 960;

/** Default umask (procmailrc(5): UMASK 077). */
export const DEFAULT_UMASK = 0o077;

/** Retries when creating a unique maildir/MH file (procmail.md §7.3). */
export const UNIQUE_FILE_RETRIES = 5;

/** Nesting depth of `{ }` blocks and INCLUDERC before we refuse (procmail has no limit; a cycle would hang delivery). */
export const MAX_NESTING_DEPTH = 64;
/** INCLUDERC/SWITCHRC chain length; an include cycle must end, not hang the MTA. */
export const MAX_INCLUDE_DEPTH = 32;
/** Total recipes evaluated per message across includes: guards against SWITCHRC loops. */
export const MAX_STEPS_PER_MESSAGE = 1_000_000;

/** Largest message read from stdin; beyond it we tempfail rather than exhaust memory. */
export const MAX_MESSAGE_BYTES = 512 * 1024 * 1024;

/** Wall-clock budget for evaluating one message's conditions (regex work), in ms. */
export const EVAL_TIME_BUDGET_MS = 5_000;

/** V8 switches to its linear-time engine after this many backtracks (node-stack.md §5). */
export const REGEX_BACKTRACKS_BEFORE_FALLBACK = 50_000;

/** Subject and folder widths in the log abstract (procmail mailfold.c:logabstract, procmail.md §8.1). */
export const ABSTRACT_SUBJECT_MAX = 78;
export const ABSTRACT_FOLDER_MAX = 61;

/** RFC 3834 §2: don't reply to the same sender more often than this (days). */
export const DEFAULT_REPLYDAYS = 7;
