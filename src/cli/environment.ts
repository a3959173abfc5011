import { DEFAULT_LINEBUF } from '../limits.js';

/**
 * procmail's initial environment (procmail.md §5.1; variables.c:initdefenv):
 * the inherited environment is cleared except TZ (kept whole with -p), the
 * dynamic-linker variables are always dropped, and the defaults are set.
 */
export interface EnvironmentOptions {
  readonly inherited: Readonly<Record<string, string | undefined>>;
  /** -p */
  readonly preserve: boolean;
  /** -m: no ORGMAIL. */
  readonly filter: boolean;
  /** An rcfile was named on the command line: COMSAT=no. */
  readonly rcfileNamed: boolean;
  /** The first rcfile is `./x`: MAILDIR is `.`. */
  readonly dotRcfile: boolean;
  readonly user: { readonly name: string; readonly dir: string; readonly shell: string };
  readonly hostname: string;
  /** The system mail spool (ORGMAIL's directory), `/var/mail` unless given. */
  readonly mailSpool?: string;
}

/** Never passed on, even with -p: loader tricks, and Node settings that would slow every node child (node-stack.md §1). */
const ALWAYS_DROPPED = /^(LD_|_RLD|LIBPATH=|ELF_LD_|AOUT_LD_)/;
const OURS_DROPPED = new Set(['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS']);

export const PROCMAIL_VERSION = '3.23pre';

export function initialEnvironment(o: EnvironmentOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.inherited)) {
    if (v === undefined || k === '' || ALWAYS_DROPPED.test(`${k}=`) || OURS_DROPPED.has(k)) continue;
    if (o.preserve || k === 'TZ') env[k] = v;
  }
  const home = o.user.dir;
  const orgmail = `${o.mailSpool ?? '/var/mail'}/${o.user.name}`;
  env.LOGNAME = o.user.name;
  env.HOME = home;
  env.SHELL = o.user.shell !== '' ? o.user.shell : '/bin/sh';
  if (!o.filter) env.ORGMAIL = o.user.name.startsWith('#') ? '/tmp/dead.letter' : orgmail;
  env.MAILDIR = o.dotRcfile ? '.' : home;
  env.LINEBUF = String(DEFAULT_LINEBUF);
  // `-p -m` keeps the inherited values and only the identity presets above (procmail.md §5.1, verified).
  if (o.preserve && o.filter) return env;
  env.DEFAULT = o.user.name.startsWith('#') ? '/tmp/dead.letter' : orgmail;
  env.PATH = `${home.replace(/\/$/, '')}/bin:/usr/local/bin:/usr/bin:/bin`;
  env.SHELLMETAS = '&|<>~;?*[';
  env.SHELLFLAGS = '-c';
  env.SENDMAIL = '/usr/sbin/sendmail';
  env.SENDMAILFLAGS = '-oi';
  env.LOCKEXT = '.lock';
  env.MSGPREFIX = 'msg.';
  env.HOST = o.hostname;
  env.PROCMAIL_VERSION = PROCMAIL_VERSION;
  if (o.rcfileNamed && !o.preserve) env.COMSAT = 'no';
  return env;
}
