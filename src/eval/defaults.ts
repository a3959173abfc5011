/**
 * procmail's defaults, in one place (procmailrc(5) "Environment variable
 * defaults"; variables.c initdefenv, misc.c strenstr): the environment a run
 * starts from, and the values procmail falls back to when a setting is not in
 * the environment. Delivery (src/deliver/session.ts), the dry run (src/dryrun) and
 * the engine (vars.ts) all take them from here. The numeric settings'
 * defaults (LOCKSLEEP, LOCKTIMEOUT, TIMEOUT, SUSPEND, LINEBUF, UMASK) are
 * limits and live in src/limits.ts with the others.
 */
import { DEFAULT_LINEBUF } from '../limits.js';

/** What procmail 3.22 as Debian ships it reports in PROCMAIL_VERSION (verified: `3.23pre`, without a `(Debian)`). */
export const PROCMAIL_VERSION = '3.23pre';
export const DEFAULT_SHELL = '/bin/sh';
export const DEFAULT_SHELLMETAS = '&|<>~;?*[';
export const DEFAULT_SHELLFLAGS = '-c';
export const DEFAULT_SENDMAIL = '/usr/sbin/sendmail';
export const DEFAULT_SENDMAILFLAGS = '-oi';
export const DEFAULT_LOCKEXT = '.lock';
export const DEFAULT_MSGPREFIX = 'msg.';
/** The system mail spool: ORGMAIL is `<spool>/$LOGNAME`. */
export const DEFAULT_MAIL_SPOOL = '/var/mail';
/** ORGMAIL and DEFAULT for a uid without a passwd entry (its LOGNAME is `#uid`). */
export const DEAD_LETTER = '/tmp/dead.letter';

/**
 * The string settings procmail also keeps internally (misc.c strenstr), at
 * their defaults: they act even where the variable is not in the
 * environment (`-p -m`), and an unset makes them empty (verified: unsetting
 * MSGPREFIX names directory files by the bare inode number).
 */
export interface InternalStrings {
  SHELLMETAS: string;
  LOCKEXT: string;
  SENDMAIL: string;
  SENDMAILFLAGS: string;
  MSGPREFIX: string;
}

export const DEFAULT_STRINGS: Readonly<InternalStrings> = {
  SHELLMETAS: DEFAULT_SHELLMETAS,
  LOCKEXT: DEFAULT_LOCKEXT,
  SENDMAIL: DEFAULT_SENDMAIL,
  SENDMAILFLAGS: DEFAULT_SENDMAILFLAGS,
  MSGPREFIX: DEFAULT_MSGPREFIX,
};

/**
 * What procmail's initial environment is made from (variables.c initdefenv):
 * the inherited environment is cleared except TZ (kept whole with -p), the
 * dynamic-linker variables are always dropped, and the defaults are set.
 * HOME, LOGNAME and SHELL come from the passwd entry, whatever the inherited
 * environment says.
 */
export interface EnvironmentOptions {
  readonly inherited: Readonly<Record<string, string | undefined>>;
  /** -p */
  readonly preserve: boolean;
  /** -m: no ORGMAIL. */
  readonly filter: boolean;
  /** An rcfile was named on the command line: COMSAT=no. */
  readonly rcfileNamed: boolean;
  /** The first rcfile is `./x` (or relative under -m): MAILDIR is `.`. */
  readonly dotRcfile: boolean;
  readonly user: { readonly name: string; readonly dir: string; readonly shell: string };
  readonly hostname: string;
  /** The system mail spool (ORGMAIL's directory), DEFAULT_MAIL_SPOOL unless given. */
  readonly mailSpool?: string;
}

/** Never passed on, even with -p: loader tricks, and Node settings that would slow every node child. */
const ALWAYS_DROPPED = /^(LD_|_RLD|LIBPATH=|ELF_LD_|AOUT_LD_)/;
const OURS_DROPPED = new Set(['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS']);

/** Whether naming `rcfile` first makes MAILDIR `.` (procmail.c: `./x`, or any relative rcfile under -m). */
export function rcfileSetsDotMaildir(rcfile: string, filter: boolean): boolean {
  return rcfile.startsWith('./') || (filter && !rcfile.startsWith('/'));
}

export function initialEnvironment(o: EnvironmentOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.inherited)) {
    if (v === undefined || k === '' || ALWAYS_DROPPED.test(`${k}=`) || OURS_DROPPED.has(k)) continue;
    if (o.preserve || k === 'TZ') env[k] = v;
  }
  const home = o.user.dir;
  const mailbox = o.user.name.startsWith('#') ? DEAD_LETTER : `${o.mailSpool ?? DEFAULT_MAIL_SPOOL}/${o.user.name}`;
  env.LOGNAME = o.user.name;
  env.HOME = home;
  env.SHELL = o.user.shell !== '' ? o.user.shell : DEFAULT_SHELL;
  if (!o.filter) env.ORGMAIL = mailbox;
  env.MAILDIR = o.dotRcfile ? '.' : home;
  env.LINEBUF = String(DEFAULT_LINEBUF);
  // `-p -m` keeps the inherited values and only the identity presets above (verified with procmail 3.22).
  if (o.preserve && o.filter) return env;
  env.DEFAULT = mailbox;
  env.PATH = `${home.replace(/\/$/, '')}/bin:/usr/local/bin:/usr/bin:/bin`;
  env.SHELLMETAS = DEFAULT_SHELLMETAS;
  env.SHELLFLAGS = DEFAULT_SHELLFLAGS;
  env.SENDMAIL = DEFAULT_SENDMAIL;
  env.SENDMAILFLAGS = DEFAULT_SENDMAILFLAGS;
  env.LOCKEXT = DEFAULT_LOCKEXT;
  env.MSGPREFIX = DEFAULT_MSGPREFIX;
  env.HOST = o.hostname;
  env.PROCMAIL_VERSION = PROCMAIL_VERSION;
  if (o.rcfileNamed && !o.preserve) env.COMSAT = 'no';
  return env;
}
