import { spawnSyncPiped } from '../deliver/os-pipe-sync.js';
import type { ProgramCall } from '../eval/requests.js';
import { errnoOf } from '../deliver/seams.js';

/**
 * Runs the programs whose answers decide a dry run's outcome: `?`
 * conditions, `f` filters, backticks and `VAR=| cmd` captures, a TRAP whose
 * status becomes the exit code, and with --scratch delivering pipes. They
 * run exactly as the engine resolved them for delivery (ProgramCall: the
 * final argv, SHELLFLAGS one argument; every procmail variable exported;
 * the exact bytes fed; TIMEOUT), with the current MAILDIR (or its scratch
 * copy) as working directory.
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

export type ProgramRunner = (call: ProgramCall, cwd: string) => ProgramRun;

/** execvp failures after which procmail's child runs the file as a /bin/sh script (pipes.c shexec). */
const RETRY_WITH_SH = new Set(['ENOENT', 'EACCES', 'ENOEXEC']);

export const spawnProgramRunner: ProgramRunner = (call, cwd) => {
  const first = runOnce(call, cwd, call.argv);
  if (!call.retryWithSh || first.failure === null || !RETRY_WITH_SH.has(first.failure)) return first;
  return runOnce(call, cwd, ['/bin/sh', ...call.argv]);
};

function runOnce(call: ProgramCall, cwd: string, argv: readonly string[]): ProgramRun {
  const file = argv[0];
  if (file === undefined || file === '') return { exitCode: null, output: Buffer.alloc(0), stderr: Buffer.alloc(0), failure: 'empty command' };
  // Real pipes, as delivery gives (deliver/os-pipe.ts): a socket as stdin makes bash -c read ~/.bashrc.
  const r = spawnSyncPiped(file, argv.slice(1), {
    input: call.input,
    env: { ...call.env },
    cwd,
    ...(call.timeoutSec > 0 ? { timeout: call.timeoutSec * 1000 } : {}),
    killSignal: 'SIGTERM',
    maxBuffer: 1024 * 1024 * 1024,
    windowsHide: true,
  });
  const output = r.stdout ?? Buffer.alloc(0);
  const stderr = r.stderr ?? Buffer.alloc(0);
  if (r.error !== undefined) {
    const code = errnoOf(r.error) || r.error.message;
    // A program that exits without reading all its stdin (grep -q) is
    // normal; procmail ignores the broken pipe and uses the exit status.
    if (code === 'EPIPE' && r.status !== null) return { exitCode: r.status, output, stderr, failure: null, wroteAll: false };
    return { exitCode: null, output, stderr, failure: code === 'ETIMEDOUT' ? 'timeout' : code };
  }
  if (r.signal !== null) return { exitCode: null, output, stderr, failure: `killed by ${r.signal}` };
  return { exitCode: r.status, output, stderr, failure: null };
}
