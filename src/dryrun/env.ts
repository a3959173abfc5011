/**
 * The environment a dry run starts from: procmail's presets for normal mode
 * with an rcfile named on the command line (procmail.md §5.1), so a dry run
 * of `rules.rc` sees what `procmail rules.rc` would see. The environment is
 * cleared except TZ, as procmail clears it. Command-line `VAR=value`
 * arguments are applied on top, in order, by the caller.
 */
export interface DryRunUser {
  readonly logname: string;
  readonly home: string;
  readonly shell: string;
  readonly hostname: string;
  readonly tz?: string | undefined;
}

export function dryRunEnv(user: DryRunUser): Record<string, string> {
  const orgmail = `/var/mail/${user.logname}`;
  const env: Record<string, string> = {};
  if (user.tz !== undefined) env.TZ = user.tz;
  Object.assign(env, {
    HOME: user.home,
    LOGNAME: user.logname,
    SHELL: user.shell,
    ORGMAIL: orgmail,
    MAILDIR: user.home,
    DEFAULT: orgmail,
    PATH: `${user.home}/bin:/usr/local/bin:/usr/bin:/bin`,
    SHELLMETAS: '&|<>~;?*[',
    SHELLFLAGS: '-c',
    SENDMAIL: '/usr/sbin/sendmail',
    SENDMAILFLAGS: '-oi',
    LOCKEXT: '.lock',
    MSGPREFIX: 'msg.',
    HOST: user.hostname,
    LINEBUF: '2048',
    PROCMAIL_VERSION: '3.23pre (Debian)',
    // Only when an rcfile is named on the command line (procmail.md §5.1).
    COMSAT: 'no',
  });
  return env;
}

/** Splits command-line `NAME=value` arguments from message arguments (procmail.md §6.1: an argument with `=` is an assignment). */
export function splitAssignments(args: readonly string[]): { assignments: [string, string][]; rest: string[] } {
  const assignments: [string, string][] = [];
  const rest: string[] = [];
  for (const a of args) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(a);
    if (m && rest.length === 0) assignments.push([m[1]!, m[2]!]);
    else rest.push(a);
  }
  return { assignments, rest };
}
