import { fork, type ChildProcess } from 'node:child_process';
import type { UserEntry } from '../deliver/userdb.js';
import { LINEAR_REGEX_FLAGS } from '../v8-flags.js';
import { LMTP_WORKER_SEMI_SPACE_MB } from '../limits.js';
import { LMTP_WORKER_NODE_FLAGS } from './worker-flags.js';
import type { ForkWorker, WorkerChild } from './worker-pool.js';

/**
 * How a user's worker process is started: child_process.fork of the
 * worker bundle, as root (it switches to the user itself, groups
 * included: spawn's own uid/gid options would drop every supplementary
 * group), with an IPC channel that carries Buffers (`serialization:
 * 'advanced'`), a clean environment, and its stderr, where only a crash
 * trace could appear, copied into the service log. Each worker leads its
 * own process group, so killing a hung worker kills the programs its rc
 * started too.
 */
export interface ForkOptions {
  /** The worker bundle (dist/lmtp-worker.cjs). */
  readonly script: string;
  /** TZ and nothing else: the delivery agent builds each delivery's environment itself, as -d does. */
  readonly env: Readonly<Record<string, string>>;
  log(user: UserEntry, pid: number | undefined, line: string): void;
}

export function forkWorker(o: ForkOptions): ForkWorker {
  return (user): WorkerChild => {
    const child = forkBundle(o.script, [], o.env, (line) => o.log(user, child.pid, line));
    const worker = child as unknown as WorkerChild;
    return Object.assign(worker, {
      kill: (signal: NodeJS.Signals): boolean => (child.pid !== undefined && killGroup(child.pid, signal)) || child.kill(signal),
    });
  };
}

/** The whole group: the worker and whatever its delivery runs; the worker alone if it leads none (yet). */
export function killGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    return process.kill(-pid, signal);
  } catch {
    try {
      return process.kill(pid, signal);
    } catch {
      return false;
    }
  }
}

/**
 * A process of the worker bundle as a worker runs it (a worker, or the
 * zygote whose children become workers): root, its own process group,
 * only TZ in its environment, stderr lines to `log`.
 */
export function forkBundle(script: string, args: readonly string[], env: Readonly<Record<string, string>>, log: (line: string) => void): ChildProcess {
  const child = fork(script, [...args], {
    serialization: 'advanced',
    // The regex flags on node's own command line, as bin/mailrules gives them (v8-flags.ts), and a small young generation.
    execArgv: [...LINEAR_REGEX_FLAGS, ...LMTP_WORKER_NODE_FLAGS, `--max-semi-space-size=${LMTP_WORKER_SEMI_SPACE_MB}`],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: { ...env },
    cwd: '/',
    detached: true,
  });
  let pending = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString('latin1')).split('\n');
    pending = lines.pop()!;
    for (const line of lines) if (line.trim() !== '') log(line);
  });
  return child;
}
