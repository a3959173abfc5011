import type * as FsModule from 'node:fs';
import type * as ChildProcessModule from 'node:child_process';
import type * as DgramModule from 'node:dgram';
import { enableLinearRegexFallback } from '../v8-flags.js';
import { EX_SOFTWARE } from '../sysexits.js';
import { LMTP_WORKER_COMPILED_RCS } from '../limits.js';
import { systemClock, type TextSink } from '../deliver/seams.js';
import { preloadKernelLock } from '../deliver/kernel-lock.js';
import { preloadOsPipes } from '../deliver/os-pipe.js';
import { StopSignal } from '../deliver/stop-signal.js';
import type { UserDb, UserEntry } from '../deliver/userdb.js';
import { timeFsync } from '../lmtp/fsync-timer.js';
import { passwdDb } from '../lmtp/passwd-db.js';
import { quietStat } from '../lmtp/quiet-stat.js';
import { keptSocketSend } from '../lmtp/comsat-socket.js';
import { WorkerLoop } from '../lmtp/worker.js';
import type { ToWorker } from '../lmtp/worker-protocol.js';
import { deliverFromCommandLine } from '../deliver/command-line.js';
import { memoryCompiledRcCache } from '../deliver/memory-compiled-rc-cache.js';
import { layeredCompiledRcCache } from '../deliver/layered-compiled-rc-cache.js';
import { userCompiledRcCache, type CompiledRcCache } from '../deliver/compiled-rc-cache.js';

/**
 * Bundle entry of an LMTP user worker (dist/lmtp-worker.cjs), forked by
 * `mailrules lmtp` as root (src/lmtp/fork-worker.ts). The delivery agent's
 * own deliverFromCommandLine() runs each delivery, with the seams
 * delivery-agent-entry.ts gives it, except: stdin is the message the service sent, stderr is collected for
 * the service's log and reply, the process is already the recipient, and
 * compiled rcfiles stay in memory between deliveries.
 */
enableLinearRegexFallback();

const fs = require('node:fs') as typeof FsModule;

// A crash fails only the delivery running now: the service answers 451 4.3.0 and starts another worker.
process.on('uncaughtException', () => process.exit(EX_SOFTWARE));
process.on('unhandledRejection', () => process.exit(EX_SOFTWARE));
// procmail's UMASK default (procmailrc(5)), set again before each delivery: an rc may change it.
process.umask(0o077);

let childProcess: typeof ChildProcessModule | null = null;
const spawn = (cmd: string, args: readonly string[], opts: ChildProcessModule.SpawnOptions) =>
  (childProcess ??= require('node:child_process') as typeof ChildProcessModule).spawn(cmd, [...args], opts);

/**
 * Group names from /etc/group, for the rcfile trust check (GROUP_PER_USER), asked on every delivery:
 * parsed again only when the file changes. World-readable, so read as the user.
 */
const groups = passwdDb(fs);
/** The file system deliveries use: missing files answered without a stack trace, fsyncs timed for the log line. */
const fsync = timeFsync(quietStat(fs), () => performance.now());

/** The recipient is this process's user and the only one it looks up. */
function oneUser(user: UserEntry): UserDb {
  return {
    byName: (name) => (name === user.name ? user : null),
    byUid: (uid) => (uid === user.uid ? user : null),
    groupsOf: () => [],
    groupName: (gid) => groups.groupName(gid),
  };
}

function hostname(): string {
  try {
    const name = fs.readFileSync('/proc/sys/kernel/hostname', 'latin1').trim();
    if (name !== '') return name;
  } catch {
    // not Linux
  }
  return (require('node:os') as typeof import('node:os')).hostname();
}

const HOST = hostname();
const discard: TextSink = { write: () => true };
declare const __MAILRULES_BUILD_ID__: string | undefined;
/** The build (scripts/build.mjs): the delivery agent's and the workers' on-disk compiled rcs are interchangeable within one. */
const BUILD_ID = typeof __MAILRULES_BUILD_ID__ === 'string' ? __MAILRULES_BUILD_ID__ : null;
/** The user's own on-disk cache, as the delivery agent keeps it: made once we are the user. */
let diskRcs: CompiledRcCache | null = null;
const compiledRcs = layeredCompiledRcCache(memoryCompiledRcCache(LMTP_WORKER_COMPILED_RCS), () => diskRcs);
const comsat = keptSocketSend(require('node:dgram') as typeof DgramModule);
let me: UserEntry | null = null;
/** The delivery in hand's stop request (a StopSignal counts one request: one per delivery). */
let stop: StopSignal | null = null;

const loop = new WorkerLoop({
  send: (m) => {
    if (process.connected) process.send?.(m);
  },
  preload: () => {
    // As root: the user may not be able to read the install tree.
    preloadKernelLock();
    preloadOsPipes();
    childProcess ??= require('node:child_process') as typeof ChildProcessModule;
  },
  becomeUser: (user, groups) => {
    me = user;
    // Only read or written in deliveries, which come once the switch below is checked (worker.ts).
    diskRcs = BUILD_ID === null ? null : userCompiledRcCache(fs, user.dir, user.uid, BUILD_ID, process.pid);
    // A service not run as root delivers only as itself (recipients.ts): nothing to switch.
    if (process.getuid?.() === user.uid && user.uid !== 0) return;
    process.setgroups?.([...groups]);
    process.setgid?.(user.gid);
    process.setuid?.(user.uid);
  },
  ids: () => ({ uid: process.getuid?.() ?? -1, gid: process.getgid?.() ?? -1 }),
  deliver: (argv, message, run) => {
    process.umask(0o077);
    const user = me!;
    stop = new StopSignal();
    return deliverFromCommandLine(argv, {
      stdin: async () => message,
      // A bare `|` action writes the message to procmail's stdout; the MTA would drop it too.
      stdout: discard,
      stderr: run.log,
      env: process.env.TZ === undefined ? {} : { TZ: process.env.TZ },
      fs: fsync.fs,
      spawn,
      clock: systemClock,
      userdb: oneUser(user),
      hostname: HOST,
      pid: run.pid,
      uid: process.getuid?.() ?? user.uid,
      cwd: '/',
      umask: 0o077,
      setUmask: (m) => void process.umask(m),
      version: '0.1.0',
      compiledRcCache: () => compiledRcs,
      comsat,
      stop,
      watch: run.watch,
    });
  },
  fsyncMs: () => fsync.take(),
  pid: process.pid,
  exit: (code) => {
    process.exitCode = code;
    setImmediate(() => process.exit(code));
  },
});

process.on('message', (m: ToWorker) => loop.handle(m));
// The service's SIGTERM (a delivery past --delivery-timeout), or a signal from
// outside: the delivery in hand stops as the delivery agent stops on an MTA's
// SIGTERM (src/deliver/stop-signal.ts), is reported, and the worker exits.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.on(signal, () => {
    stop?.request(signal);
    loop.handle({ t: 'stop' });
  });
}
// The service is gone: finish the delivery in hand (its reply can no longer be sent; the MTA will retry), then exit.
process.on('disconnect', () => loop.handle({ t: 'stop' }));
