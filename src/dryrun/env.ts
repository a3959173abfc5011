import { userInfo } from 'node:os';
import { DEFAULT_SHELL, initialEnvironment, rcfileSetsDotMaildir } from '../eval/defaults.js';

/**
 * The environment a dry run starts from: procmail's own presets
 * (src/eval/defaults.ts) for `procmail [-p] [-m] RCFILE`, so a dry run of
 * `rules.rc` sees what `procmail rules.rc` would see. HOME, LOGNAME and
 * SHELL come from the passwd entry as in procmail; the environment is
 * cleared except TZ unless -p. Command-line `VAR=value` arguments are
 * applied on top, in order, by the engine.
 */
export interface DryRunUser {
  readonly logname: string;
  readonly home: string;
  readonly shell: string;
  readonly hostname: string;
  readonly tz?: string | undefined;
}

/** The invoking user's passwd entry, as procmail reads it; a uid without one is `#uid` with HOME `/` (procmail's fall-back). */
export function passwdUser(): { logname: string; home: string; shell: string } {
  try {
    const u = userInfo();
    return { logname: u.username, home: u.homedir, shell: u.shell ?? DEFAULT_SHELL };
  } catch {
    return { logname: `#${process.getuid?.() ?? 0}`, home: '/', shell: DEFAULT_SHELL };
  }
}

export interface DryRunMode {
  /** -p: keep the inherited environment. */
  readonly preserve?: boolean;
  /** -m: general-purpose filter (no ORGMAIL; falling off the end needs DEFAULT assigned). */
  readonly filter?: boolean;
  /** The environment -p keeps (only TZ is kept without it). */
  readonly inherited?: Readonly<Record<string, string | undefined>>;
  /** The rcfile as named, for the `./rules.rc` rule (MAILDIR is then `.`). */
  readonly rcfile?: string;
}

export function dryRunEnv(user: DryRunUser, mode: DryRunMode = {}): Record<string, string> {
  const filter = mode.filter === true;
  return initialEnvironment({
    inherited: mode.inherited ?? (user.tz !== undefined ? { TZ: user.tz } : {}),
    preserve: mode.preserve === true,
    filter,
    rcfileNamed: true,
    dotRcfile: mode.rcfile !== undefined && rcfileSetsDotMaildir(mode.rcfile, filter),
    user: { name: user.logname, dir: user.home, shell: user.shell },
    hostname: user.hostname,
  });
}

/** Splits command-line `NAME=value` arguments from message arguments (procmail(1): an argument with `=` is an assignment). */
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
