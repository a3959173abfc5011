/**
 * Every size, depth and time limit in one place (docs/architecture.md §4.6). Values that mirror
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
/** Attempts on ENOENT/ENOTDIR/ENOSPC/EIO before "Lock failure" (docs/procmail-semantics.md §7.5). */
export const LOCK_HARD_ERROR_RETRIES = 8;

/** Seconds a child program may run before it is terminated (TIMEOUT default, procmailrc(5)). */
export const DEFAULT_TIMEOUT = 960;

/** Default umask (procmailrc(5): UMASK 077). */
export const DEFAULT_UMASK = 0o077;

/** Retries when creating a unique maildir/MH file (docs/procmail-semantics.md §7.3). */
export const UNIQUE_FILE_RETRIES = 5;

/**
 * How deep INCLUDERC nests. procmail has no limit of its own but keeps each
 * rcfile open, so an rc that includes itself goes on until open() fails for
 * want of descriptors: under the usual limit of 1024 that is at 1018 levels
 * (verified), where it logs `Couldn't read` and goes on with the rest of each
 * level. mailrules does the same at the same depth.
 */
export const MAX_INCLUDE_DEPTH = 1018;
/** Total recipes evaluated per message across includes: guards against SWITCHRC loops. */
export const MAX_STEPS_PER_MESSAGE = 1_000_000;

/** Largest message read from stdin; beyond it we tempfail rather than exhaust memory. */
export const MAX_MESSAGE_BYTES = 512 * 1024 * 1024;

/** Translated procmail regexes kept per case mode (src/compile/regex/translate.ts); the oldest goes first. */
export const REGEX_TRANSLATION_CACHE_SIZE = 4096;

/** V8 switches to its linear-time engine after this many backtracks (docs/node-runtime.md §5). */
export const REGEX_BACKTRACKS_BEFORE_FALLBACK = 50_000;

/**
 * The young generation's largest semi-space (MB), node's
 * `--max-semi-space-size` on bin/mailrules' command line (16 by default).
 * `check` builds the whole AST of an rc file, and everything it allocates
 * survives; each object outlives a young-generation GC or two and is copied
 * each time. Room for twice as much cuts the copying: 14-20 ms of a 170 ms
 * check of the 10,000-recipe benchmark (bench/parse.mjs). A delivery
 * allocates far less, so its heap never grows that far; test/cli/bin.test.ts
 * keeps the shebang and this equal.
 */
export const YOUNG_SEMI_SPACE_MB = 32;

/** Subject and folder widths in the log abstract (procmail mailfold.c:logabstract, docs/procmail-semantics.md §8.1). */
export const ABSTRACT_SUBJECT_MAX = 78;
/** Verified with procmail 3.22 (differential case 304). */
export const ABSTRACT_FOLDER_MAX = 60;

/** RFC 3834 §2: don't reply to the same sender more often than this (days). */
export const DEFAULT_REPLYDAYS = 7;

/** Read size when streaming saved mail for `mailrules test` (it doubles while one message outgrows it). */
export const DRYRUN_READ_CHUNK_BYTES = 1024 * 1024;
/** Bytes of a program's output or stderr quoted in a dry-run report (the rest is elided). */
export const DRYRUN_OUTPUT_SHOWN_BYTES = 2048;
/** ... and in a --trace line, with the whole size said (a filter's output is the whole message). */
export const DRYRUN_TRACE_SHOWN_BYTES = 160;
/**
 * How many messages `mailrules test --trace/--json` holds while their
 * headers are decoded (async, libmime) before it waits and prints them,
 * in order.
 */
export const DRYRUN_DECODE_BATCH = 64;
/** How long `mailrules test` runs before it shows a progress bar on stderr (only when stderr is a TTY). */
export const DRYRUN_PROGRESS_AFTER_MS = 1_000;
/**
 * `mailrules test --scratch` copies the directory programs run in: files up
 * to this size are copied (caches, lists, scripts; a mailbox is not what a
 * program needs), ...
 */
export const DRYRUN_SCRATCH_FILE_BYTES = 1024 * 1024;
/** ... up to this much in all, ... */
export const DRYRUN_SCRATCH_TOTAL_BYTES = 64 * 1024 * 1024;
/** ... this many directories deep. */
export const DRYRUN_SCRATCH_DEPTH = 6;

// --- Extensions (the `@` lines) -------------------------------------------------------------

/** Largest address list file `@address … in FILE` will index; bigger files are an error, not a slow delivery. */
export const MAX_LIST_FILE_BYTES = 16 * 1024 * 1024;
/** Compiled list indexes kept per process (dry-run replays look the same files up thousands of times). */
export const LIST_INDEX_CACHE_SIZE = 16;
/** Addresses taken from one message for one lookup; a 50,000-recipient To: must not cost a glob scan each. */
export const MAX_ADDRESSES_PER_LOOKUP = 1_000;
/** Longest address tested against list globs (RFC 5321 §4.5.3.1: 64 + 1 + 255, rounded up). */
export const MAX_ADDRESS_LENGTH = 512;
/** Senders remembered in the @reply cache; the oldest are dropped beyond this, so the file stays small. */
export const MAX_REPLY_CACHE_ENTRIES = 10_000;
/** Largest reply cache file read; a bigger one is treated as corrupt and started afresh. */
export const MAX_REPLY_CACHE_BYTES = 2 * 1024 * 1024;
/** How long to wait for the reply cache's lock before giving up (and not replying), in ms. */
export const REPLY_CACHE_LOCK_WAIT_MS = 10_000;
/** Pause between attempts to take the reply cache lock, in ms. */
export const REPLY_CACHE_LOCK_RETRY_MS = 25;
/** A reply cache lock older than this is stale (its holder died), in ms: updates take milliseconds. */
export const REPLY_CACHE_LOCK_STALE_MS = 60_000;
/** Largest `@reply < FILE` body read. */
export const MAX_REPLY_FILE_BYTES = 1024 * 1024;
/** Original header bytes quoted in a bounce (RFC 3464 text/rfc822-headers); beyond it the header is cut at a line end. */
export const MAX_BOUNCE_HEADER_BYTES = 64 * 1024;

/** MIME parts `* @decoded` under B looks at in one message (src/eval/mail/decoded-body.ts); beyond it the rest is not searched. */
export const MAX_MIME_PARTS = 1_000;
/** Nesting of multiparts and attached messages `* @decoded` descends into. */
export const MAX_MIME_DEPTH = 32;
/** Largest Public Suffix List read for DMARC alignment (src/deliver/public-suffix-file.ts; Debian's is ~230 KB). */
export const MAX_PUBLIC_SUFFIX_LIST_BYTES = 4 * 1024 * 1024;
/** Characters of raw and decoded text `mailrules test --trace` shows for a decoded body part. */
export const TRACE_EXCERPT_CHARS = 200;

/** First and largest pause (ms) between non-blocking fcntl attempts while another writer holds the mailbox. */
export const KERNEL_LOCK_RETRY_MIN_MS = 50;
export const KERNEL_LOCK_RETRY_MAX_MS = 1_000;

/** procmail's serial in unique names cycles through four values (exopen.c: ".,+%"). */
export const UNIQUE_SERIAL_COUNT = 4;

/** Widest Content-Length value procmail fills with 9s (a NUM buffer for a 64-bit long, mailfold.c:readmail). */
export const MAX_CONTENT_LENGTH_PLACES = 20;

/** Grace period (ms) between SIGTERM and SIGKILL for a child past TIMEOUT; procmail only sends SIGTERM, we must not hang. */
export const CHILD_KILL_GRACE_MS = 5_000;

/** INCLUDERC/SWITCHRC operations per message: a `SWITCHRC=$_` self-loop (which procmail runs forever) must end, not spin. */
export const MAX_INCLUDES_PER_MESSAGE = 100_000;
/** Re-examinations of one condition after `$` expansion (`* $ $ $ …`); procmail loops unboundedly. */
export const MAX_CONDITION_REEXPANSIONS = 16;

/** The LDA reads the message from fd 0 in chunks starting at this size, doubling up to the max (src/cli/delivery-agent-entry.ts). */
export const STDIN_CHUNK_BYTES = 64 * 1024;
export const STDIN_CHUNK_MAX_BYTES = 4 * 1024 * 1024;
/** Linux's default pipe capacity: a message this small is in the pipe before the program runs (src/deliver/program.ts). */
export const PIPE_BUFFER_BYTES = 64 * 1024;

/** Deepest `{ }` nesting of an rcfile the LDA caches compiled (src/deliver/compiled-rc-cache.ts); JSON.stringify recurses, so deeper ones are compiled each time. */
export const MAX_CACHED_RC_NESTING = 1000;
/** Largest compiled-rc cache file the LDA will read (src/deliver/compiled-rc-cache.ts); a bigger one is ignored. */
export const MAX_COMPILED_RC_CACHE_BYTES = 16 * 1024 * 1024;
/** Included rcfiles kept compiled per process (src/eval/rcfiles.ts): a replay includes the same few thousands of times. */
export const INCLUDE_CACHE_SIZE = 256;
/** Charset labels whose TextDecoder is kept (src/eval/mail/charsets.ts); the labels come from mail. */
export const CHARSET_DECODER_CACHE_SIZE = 64;
/** Domains whose organizational domain is remembered (src/eval/mail/public-suffix.ts). */
export const PUBLIC_SUFFIX_MEMO_SIZE = 1024;
/** Directories, and names per directory, the dry run keeps resolved and classified (src/dryrun/folders.ts). */
export const DRYRUN_FOLDER_CACHE_SIZE = 1024;
/** Distinct short strings (recipe headers, flags) the lexer shares between AST nodes (src/syntax/lexer.ts). */
export const LEXER_SHARED_STRINGS = 256;
/** The longest string the lexer shares: real headers are a few characters; a crafted long one is not kept. */
export const LEXER_SHARED_STRING_LENGTH = 32;
/**
 * States one regex's lazy DFA keeps (src/eval/regex-dfa.ts), and node ids
 * they may hold in all: past either the DFA forgets them and starts afresh,
 * so a pattern whose DFA would be huge costs speed, never memory or
 * linearity. A table row is 4 bytes per byte class (at most 256).
 */
export const DFA_MAX_STATES = 2048;
export const DFA_MAX_STATE_NODES = 1 << 20;

/** Longest wait (ms) for the comsat datagram to go out (comsat.ts): it is fire-and-forget, a slow COMSAT host lookup must not delay delivery. */
export const COMSAT_SEND_TIMEOUT_MS = 1000;

/** Header names one pattern may spell out (`(A|B)(C|D)…`) before to-sieve stops reading it as a list of fields (src/sieve/header-pattern.ts). */
export const SIEVE_MAX_FIELD_NAMES = 128;
/** States of the automaton that decides whether a fold can change a header pattern's answer (src/sieve/folding.ts); beyond it, a caveat. */
export const SIEVE_MAX_FOLD_STATES = 4000;
/** Weighted tests one recipe may have for to-sieve to write its score as a truth table (src/sieve/scoring.ts): 2^n rows. */
export const SIEVE_MAX_SCORED_TESTS = 8;
/**
 * Matches to-sieve follows a counted weight (`w^x`, x ≠ 0) through before it
 * takes the series for unbounded (src/sieve/scoring.ts matchTotals): a series
 * that shrinks ends well before (procmail stops adding below 1), one that does
 * not is growing or swinging for good.
 */
export const SIEVE_MAX_SCORE_SERIES = 100_000;
/** Pigeonhole's default sieve_max_script_size: to-sieve warns about a longer script (src/sieve/convert.ts). */
export const PIGEONHOLE_MAX_SCRIPT_SIZE = 1024 * 1024;
/** Nested `if`s Pigeonhole takes: it refuses blocks "deeper than 32 levels", the script counting as the first (measured: 31 compile, 32 do not). */
export const PIGEONHOLE_MAX_NESTING = 31;
/**
 * `{ }` nesting to-sieve follows before it reports the rest as not convertible (it recurses once per level).
 * Well inside the stack: at 1,000 the converter's stack ran out first, at about 800-900 levels (case 404),
 * and was reported as an internal error.
 */
export const SIEVE_MAX_RC_NESTING = 400;
/** Group nesting of a pattern to-sieve translates (its tree walks recurse per level); deeper ones are reported as not convertible. */
export const SIEVE_MAX_REGEX_NESTING = 200;
/** `c` blocks to-sieve forks in one rc file: each converts the rest of the file once more, so forks in sequence double the script. */
export const SIEVE_MAX_FORKS = 256;
// --- LMTP service (src/lmtp) -------------------------------------------------------------------

/**
 * Longest LMTP command line, CRLF included. RFC 5321 §4.5.3.1.4 allows 512
 * octets, and each service extension may add parameters beyond that (RFC
 * 1869 §4.1.2; SMTPUTF8 addresses, RFC 6531); anything longer gets
 * `500 5.5.2` and is skipped up to its line end, never buffered.
 */
export const LMTP_MAX_COMMAND_BYTES = 4096;
/**
 * Longest line inside DATA. Real MTAs fold lines near 1,000 octets (RFC 5321
 * §4.5.3.1.6), and the message is streamed to the spool, so this only bounds
 * what is plainly not mail: such a message is answered `554 5.6.0` per
 * recipient, after its end, never left hanging.
 */
export const LMTP_MAX_DATA_LINE_BYTES = 1024 * 1024;
/** Advertised SIZE when --size is not given (bytes); a message over it gets `552 5.3.4`. */
export const LMTP_DEFAULT_MAX_SIZE = 64 * 1024 * 1024;
/** Recipients per transaction when --max-recipients is not given: RFC 5321 §4.5.3.1.8's minimum, above Postfix's default of 50. */
export const LMTP_DEFAULT_MAX_RECIPIENTS = 100;
/** Simultaneous connections when --max-connections is not given; Postfix opens up to 20 per destination. */
export const LMTP_DEFAULT_MAX_CONNECTIONS = 100;
/** Recipients of one user in delivery at once (--user-concurrency); beyond it RCPT gets `451 4.7.1`, as Dovecot and Cyrus answer. */
export const LMTP_DEFAULT_USER_CONCURRENCY = 10;
/** Seconds a connection may stay silent (--idle-timeout): RFC 5321 §4.5.3.2.7's five minutes. */
export const LMTP_DEFAULT_IDLE_TIMEOUT_S = 300;
/** Seconds a user's warm worker waits for its next delivery before it exits (--worker-idle). */
export const LMTP_DEFAULT_WORKER_IDLE_S = 300;
/**
 * Seconds one recipient's delivery may take (--delivery-timeout) before its
 * worker is killed and the recipient answered `451 4.3.0`: below Postfix's
 * lmtp_data_done_timeout (600 s), so the MTA reads our reply instead of
 * giving up on the connection.
 */
export const LMTP_DEFAULT_DELIVERY_TIMEOUT_S = 540;
/** Worker processes a user may have at once: deliveries to one user run in parallel up to this (their fsyncs overlap). */
export const LMTP_WORKERS_PER_USER = 4;
/**
 * How long a user's second, third… worker waits for mail (ms) before it
 * exits: they exist for bursts, and each costs 10-15 MB, so only the first
 * stays for --worker-idle.
 */
export const LMTP_EXTRA_WORKER_IDLE_MS = 10_000;
/** Worker processes in all when --max-workers is not given; beyond it idle workers of other users are stopped first. */
export const LMTP_DEFAULT_MAX_WORKERS = 64;
/** How long a forked worker may take to load, become its user and say it is ready (ms). */
export const LMTP_WORKER_START_TIMEOUT_MS = 30_000;
/** Grace (ms) between asking a worker to exit and killing it. */
export const LMTP_WORKER_EXIT_GRACE_MS = 5_000;
/** The young generation's semi-space (MB) of a worker process: a delivery allocates little, and 50 warm users are 50 processes. */
export const LMTP_WORKER_SEMI_SPACE_MB = 1;
/**
 * Largest frame on a zygote-started worker's channel (src/lmtp/frames.ts):
 * a message chunk (LMTP_SPOOL_CHUNK_BYTES) with its envelope, or a
 * delivery's result with its log lines. A bigger length is a broken
 * channel, not a message to allocate for.
 */
export const LMTP_FRAME_MAX_BYTES = 64 * 1024 * 1024;
/** A zygote that died is started again at most this often (ms); meanwhile workers are started by plain fork. */
export const LMTP_ZYGOTE_RESTART_MS = 5_000;
/**
 * Deliveries the zygote makes to a private directory before it forks
 * (src/lmtp/zygote-warm-up.ts): the code they compile and the heap they
 * leave are shared by every worker. docs/lmtp-zygote.md measures it.
 */
export const LMTP_ZYGOTE_WARM_UP_DELIVERIES = 300;
/** How long a worker's exit waits, after its channel closed, for the zygote to report its status (ms). */
export const LMTP_ZYGOTE_EXIT_STATUS_MS = 1_000;
/** A message up to this size stays in memory for its deliveries; a bigger one goes to a spool file (src/lmtp/spool.ts). */
export const LMTP_SPOOL_MEMORY_BYTES = 128 * 1024;
/** Bytes of a spooled message sent to a worker per message on its channel. */
export const LMTP_SPOOL_CHUNK_BYTES = 256 * 1024;
/**
 * Message bytes being handed to workers at once, over all deliveries: each
 * worker holds its message whole (the engine matches on it), so a 50 MB
 * message to ten users is delivered a few recipients at a time rather than
 * ten copies at once. One delivery always proceeds, whatever its size.
 */
export const LMTP_MAX_BYTES_IN_DELIVERY = 64 * 1024 * 1024;
/** Pipelined input held while a delivery runs; beyond it the connection is no longer read until the replies are out. */
export const LMTP_MAX_PENDING_INPUT_BYTES = 256 * 1024;
/** Protocol errors before the connection is closed with `421 4.7.0` (Postfix's smtpd_hard_error_limit). */
export const LMTP_MAX_SESSION_ERRORS = 20;
/**
 * A worker's deliveries get numbers above Linux's largest pid (2^22,
 * PID_MAX_LIMIT) in place of a pid: `$$` and procmail-style maildir names
 * (`time.pid_serial.host`) stay unique when one long-lived process makes
 * thousands of deliveries a second, and never equal a live process's pid.
 */
export const LMTP_DELIVERY_ID_BASE = 4_194_304;
/** Delivery numbers a worker cycles through (its pid times this, plus the count, keeps workers apart). */
export const LMTP_DELIVERY_IDS_PER_WORKER = 1000;
/** Longest text (bytes) from a delivery's own messages quoted in a temporary-failure reply. */
export const LMTP_REPLY_DETAIL_BYTES = 200;
/** Compiled rcfiles a worker keeps in memory (its user's own, and any they include by a fixed name). */
export const LMTP_WORKER_COMPILED_RCS = 16;
