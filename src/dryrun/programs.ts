import { spawnSyncPiped } from '../deliver/os-pipe-sync.js';
import type { Command, Vars } from '../eval/requests.js';
import { DEFAULT_TIMEOUT } from '../limits.js';

/**
 * Runs the programs whose answers decide a dry run's outcome: `?`
 * conditions, `f` filters, backticks and `VAR=| cmd` captures. They run the
 * way delivery runs them (procmail.md §7.6): through $SHELL $SHELLFLAGS when
 * the command text has SHELLMETAS, otherwise by direct exec; every procmail
 * variable exported; the current MAILDIR as working directory; TIMEOUT
 * enforced. Delivering pipes, forwards and TRAP are never given to a runner.
 *
 * Synchronous on purpose: a dry run steps the engine with driveSync so
 * replaying 100,000 messages pays no promise per message.
 */
export interface ProgramRun {
  readonly exitCode: number | null;
  readonly output: Buffer;
  readonly stderr: Buffer;
  /** Why it could not start or was stopped (`ENOENT`, `timeout`), else null. */
  readonly failure: string | null;
  /** False when the program closed its stdin before reading everything. */
  readonly wroteAll?: boolean;
}

export type ProgramRunner = (command: Command, stdin: Buffer, ctx: { vars: Vars; cwd: string }) => ProgramRun;

export function argvFor(command: Command, vars: Vars): string[] {
  if (!command.shell) return [...command.argv];
  const shell = vars.SHELL !== undefined && vars.SHELL !== '' ? vars.SHELL : '/bin/sh';
  const flags = (vars.SHELLFLAGS ?? '-c').split(/[ \t\n]+/).filter((f) => f !== '');
  return [shell, ...flags, command.text];
}

/** TIMEOUT as procmail reads it: seconds, a non-positive or junk value means the default. */
function timeoutMs(vars: Vars): number {
  const n = Number.parseInt(vars.TIMEOUT ?? '', 10);
  return (Number.isFinite(n) && n > 0 ? n : DEFAULT_TIMEOUT) * 1000;
}

export const spawnProgramRunner: ProgramRunner = (command, stdin, ctx) => {
  const argv = argvFor(command, ctx.vars);
  const file = argv[0];
  if (file === undefined || file === '') return { exitCode: null, output: Buffer.alloc(0), stderr: Buffer.alloc(0), failure: 'empty command' };
  // Real pipes, as delivery gives (deliver/os-pipe.ts): a socket as stdin makes bash -c read ~/.bashrc.
  const r = spawnSyncPiped(file, argv.slice(1), {
    input: stdin,
    env: { ...ctx.vars },
    cwd: ctx.cwd,
    timeout: timeoutMs(ctx.vars),
    killSignal: 'SIGTERM',
    maxBuffer: 1024 * 1024 * 1024,
    windowsHide: true,
  });
  const output = r.stdout ?? Buffer.alloc(0);
  const stderr = r.stderr ?? Buffer.alloc(0);
  if (r.error !== undefined) {
    const code = (r.error as NodeJS.ErrnoException).code ?? r.error.message;
    // A program that exits without reading all its stdin (grep -q) is
    // normal; procmail ignores the broken pipe and uses the exit status.
    if (code === 'EPIPE' && r.status !== null) return { exitCode: r.status, output, stderr, failure: null, wroteAll: false };
    return { exitCode: null, output, stderr, failure: code === 'ETIMEDOUT' ? 'timeout' : code };
  }
  if (r.signal !== null) return { exitCode: null, output, stderr, failure: `killed by ${r.signal}` };
  return { exitCode: r.status, output, stderr, failure: null };
};
