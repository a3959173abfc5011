/**
 * The settings a request carries (requests.ts), resolved from the engine's
 * state the way procmail holds them: VERBOSE and the lock timing from the
 * internal values (which survive an unset: variables.c asenv), a program's
 * final argv from SHELL/SHELLFLAGS at the time (pipes.c: SHELLFLAGS is one
 * argument), its input from the feed. Answerers act on these and never read
 * the variable map. The small objects are cached in the state and rebuilt
 * only when a setting changes, since most requests come between two
 * assignments.
 */
import { DEFAULT_SHELL, DEFAULT_SHELLFLAGS } from './defaults.js';
import type { Command, LockTiming, LogSettings, ProgramCall, Vars } from './requests.js';
import type { State } from './state.js';

export interface SettingsCache {
  log: LogSettings;
  lock: LockTiming;
}

export function newSettingsCache(): SettingsCache {
  return { log: { verbose: false, tz: null }, lock: { sleepSec: -1, timeoutSec: -1, suspendSec: -1 } };
}

export function logSettings(st: State): LogSettings {
  const verbose = st.internals.verbose !== 0;
  const tz = st.vars.get('TZ') ?? null;
  const c = st.settings.log;
  if (c.verbose === verbose && c.tz === tz) return c;
  return (st.settings.log = { verbose, tz });
}

export function lockTiming(st: State): LockTiming {
  const i = st.internals;
  const sleepSec = Math.max(0, i.locksleep);
  const timeoutSec = Math.max(0, i.locktimeout);
  const suspendSec = Math.max(0, i.suspend);
  const c = st.settings.lock;
  if (c.sleepSec === sleepSec && c.timeoutSec === timeoutSec && c.suspendSec === suspendSec) return c;
  return (st.settings.lock = { sleepSec, timeoutSec, suspendSec });
}

/** TIMEOUT in seconds (0 or less: none). */
export function timeoutSec(st: State): number {
  return Math.max(0, st.internals.timeout);
}

/** MAILDIR as the variable reads (comsat reports relative folders against it). */
export function maildirVar(st: State): string | null {
  return st.vars.get('MAILDIR') ?? null;
}

/** A program ready to start, with the variables and TIMEOUT in force now. */
export function programCall(st: State, command: Command, input: Buffer, unterminated: number = input.length): ProgramCall {
  return commandCall(command, st.vars.snapshot(), timeoutSec(st), input, unterminated);
}

/** `$SHELL $SHELLFLAGS text` when the command needs a shell (SHELLFLAGS one argument, none when empty), else its words. */
export function commandCall(command: Command, env: Vars, timeout: number, input: Buffer, unterminated: number = input.length): ProgramCall {
  if (command.shell) {
    const shell = env.SHELL !== undefined && env.SHELL !== '' ? env.SHELL : DEFAULT_SHELL;
    const flags = env.SHELLFLAGS ?? DEFAULT_SHELLFLAGS;
    const argv = flags === '' ? [shell, command.text] : [shell, flags, command.text];
    return { argv, display: command.text, retryWithSh: false, env, timeoutSec: timeout, input, unterminated };
  }
  const argv = command.argv.length > 0 ? [...command.argv] : [command.text];
  return { argv, display: argv[0] ?? command.text, retryWithSh: true, env, timeoutSec: timeout, input, unterminated };
}
