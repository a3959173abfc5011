import type { ChildProcess } from 'node:child_process';
import type { Clock, SpawnFn } from './seams.js';
import { systemClock } from './seams.js';
import type { StopSignal } from './stop-signal.js';
import type { DeliveryLog } from './logfile.js';
import { CHILD_KILL_GRACE_MS, PIPE_BUFFER_BYTES } from '../limits.js';
import { errnoOf } from './seams.js';
import { systemPipes, type ChildStdio, type ProgramPipes } from './os-pipe.js';

/**
 * Running programs for `|` actions, filters, forwards, `?` conditions,
 * backticks and TRAP (docs/procmail-semantics.md §7.6; pipes.c). The mail goes to stdin
 * through a pipe as procmail gives it, not a socket (os-pipe.ts),
 * stderr goes to the log (the LOGFILE descriptor itself once one is open, as
 * procmail redirects its own stderr there), stdout is discarded unless the
 * caller captures it or sends it to the log (TRAP).
 */
export interface ProgramSpec {
  /** argv[0] is looked up on PATH. */
  readonly argv: readonly string[];
  /** How procmail names the program in log lines: the shell text, or the first word of a direct exec. */
  readonly display: string;
  /** Direct execs that fail to start are retried through /bin/sh, like procmail's shexec(). */
  readonly retryWithSh: boolean;
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly input: Buffer;
  readonly stdout: 'discard' | 'capture' | 'log';
  /** TIMEOUT in seconds; 0 = none. */
  readonly timeoutSec: number;
}

export interface ProgramResult {
  /** Exit status, or null when the program could not be started or was killed. */
  readonly exitCode: number | null;
  /** The terminating signal's number, when killed. */
  readonly signal: number | null;
  readonly started: boolean;
  readonly wroteAll: boolean;
  readonly bytes: number;
  readonly output: Buffer;
  readonly timedOut: boolean;
}

export interface ProgramEnv {
  readonly spawn: SpawnFn;
  readonly log: DeliveryLog;
  /** TIMEOUT and the SIGKILL grace are waited for on this clock (real timers unless given). */
  readonly clock?: Clock;
  /** Signals a process group (`process.kill(-pgid, signal)` unless given). */
  readonly killGroup?: (pgid: number, signal: NodeJS.Signals) => void;
  /** A stop requested by a signal ends the program's process group at once, and no new program starts. */
  readonly stop?: StopSignal;
  /** How the program's stdio is connected (os-pipe.ts): real pipes, as procmail gives, unless given. */
  readonly pipes?: ProgramPipes;
}

/** The real process-group kill: every process the program started, unless one made itself a group of its own. */
export function killProcessGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

export async function runProgram(env: ProgramEnv, spec: ProgramSpec): Promise<ProgramResult> {
  const first = await runOnce(env, spec, spec.argv);
  if (first.started || !spec.retryWithSh) return finish(env, spec, first);
  // execvp failed: procmail's child tries the file as a /bin/sh script (pipes.c:shexec).
  const second = await runOnce(env, spec, ['/bin/sh', ...spec.argv]);
  return finish(env, spec, second);
}

function finish(env: ProgramEnv, spec: ProgramSpec, r: ProgramResult): ProgramResult {
  if (!r.started) env.log.error(`Failed to execute "${spec.display}"`);
  return r;
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };

function runOnce(env: ProgramEnv, spec: ProgramSpec, argv: readonly string[]): Promise<ProgramResult> {
  return new Promise((resolve) => {
    const logFd = env.log.logFd;
    const stdoutOpt = spec.stdout === 'capture' ? 'pipe' : spec.stdout === 'log' ? (logFd ?? 'pipe') : 'ignore';
    let io: ChildStdio | null = null;
    const chunks: Buffer[] = [];
    const clock = env.clock ?? systemClock;
    const killGroup = env.killGroup ?? killProcessGroup;
    let child: ChildProcess;
    let settled = false;
    let started = false;
    let wroteAll = false;
    let timedOut = false;
    let ending = false;
    let forgetStop = (): void => undefined;
    // Ends the TIMEOUT and grace waits once the program is done, so none holds a timer.
    const waits = new AbortController();
    const done = (r: Omit<ProgramResult, 'output' | 'wroteAll' | 'timedOut' | 'bytes'>): void => {
      if (settled) return;
      settled = true;
      forgetStop();
      waits.abort();
      io?.release();
      resolve({ ...r, wroteAll, bytes: wroteAll ? spec.input.length : 0, output: Buffer.concat(chunks), timedOut });
    };
    if (env.stop?.requested === true) {
      // Told to stop: nothing new starts (and nothing is logged: the run is ending).
      done({ exitCode: null, signal: null, started: true });
      return;
    }
    const pipes = env.pipes ?? systemPipes((why) => env.log.error(`Programs get sockets, not pipes, as stdin (${why})`));
    io = pipes.open(stdoutOpt, logFd ?? 'pipe');
    try {
      const [file = '/bin/sh', ...args] = argv;
      // Its own process group (and session), so TIMEOUT or a stop ends what
      // it started too: `(sleep 30 &); sleep 100` must not hold the pipe open
      // past TIMEOUT. procmail signals only the program itself (pipes.c).
      child = env.spawn(file, args, { cwd: spec.cwd, env: { ...spec.env }, stdio: io.stdio, detached: true });
    } catch {
      done({ exitCode: null, signal: null, started: false });
      return;
    }
    /** SIGTERM to the group, SIGKILL after CHILD_KILL_GRACE_MS if it is still there. */
    const endGroup = (): void => {
      if (ending || settled) return;
      ending = true;
      const pgid = child.pid;
      if (pgid === undefined) return;
      killGroup(pgid, 'SIGTERM');
      // On a stop the answerer's clock cuts this wait short: the agent is about to exit, and this is the last chance to KILL.
      void clock.sleep(CHILD_KILL_GRACE_MS, waits.signal).then(() => {
        if (!settled) killGroup(pgid, 'SIGKILL');
      });
    };
    child.on('spawn', () => {
      started = true;
    });
    child.on('error', () => {
      // Only a failure to start arrives here before 'spawn'; a later error is a kill failure, which 'close' settles.
      if (!started) {
        done({ exitCode: null, signal: null, started: false });
      }
    });
    const { stdin, stdout, stderr, onClose } = io.attach(child);
    stdout?.on('data', (d: Buffer) => {
      if (spec.stdout === 'capture') chunks.push(d);
      else env.log.write(d);
    });
    stderr?.on('data', (d: Buffer) => env.log.write(d));
    if (stdin !== null) {
      // EPIPE when the program exits without reading everything: a write error, not a crash.
      // procmail writes right after fork(), before the program has even been exec'd, so a message
      // that fits in the pipe is always taken in full; Node writes only once spawn() has returned,
      // after the exec, when a quick `| echo x` may be gone already. So, as with procmail, only a
      // message larger than the pipe can fail this way. Once the data is written, an error from
      // closing our end changes nothing either: procmail's dump() has returned by then.
      const fits = spec.input.length <= PIPE_BUFFER_BYTES;
      let written = false;
      stdin.on('error', (e: unknown) => {
        if (!written && !(fits && errnoOf(e) === 'EPIPE')) wroteAll = false;
      });
      stdin.write(spec.input, (err) => {
        written = err === null || err === undefined || (fits && errnoOf(err) === 'EPIPE');
        wroteAll = written;
      });
      stdin.end();
    }
    if (spec.timeoutSec > 0) {
      void clock.sleep(spec.timeoutSec * 1000, waits.signal).then(() => {
        if (settled || ending || env.stop?.requested === true) return;
        timedOut = true;
        env.log.error(`Timeout, terminating "${spec.display}"`);
        endGroup();
      });
    }
    if (env.stop !== undefined) forgetStop = env.stop.onStop(endGroup);
    onClose((code, signal) => {
      done({
        exitCode: signal !== null ? null : code,
        signal: signal !== null ? (SIGNALS[signal] ?? 0) : null,
        started: true,
      });
    });
  });
}
