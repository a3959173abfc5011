import type * as FsModule from 'node:fs';
import type * as ChildProcessModule from 'node:child_process';
import type * as DgramModule from 'node:dgram';
import type * as NetModule from 'node:net';
import { constants as osConstants } from 'node:os';
import { enableLinearRegexFallback } from '../v8-flags.js';
import { EX_SOFTWARE } from '../sysexits.js';
import { LMTP_FRAME_MAX_BYTES, LMTP_WORKER_COMPILED_RCS, LMTP_ZYGOTE_WARM_UP_DELIVERIES } from '../limits.js';
import { systemClock, type TextSink } from '../deliver/seams.js';
import type { DeliveryWatch } from '../deliver/watch.js';
import { WARM_UP_RC, warmUpMessage } from '../lmtp/zygote-warm-up.js';
import { driveWarmUp } from '../lmtp/zygote-warm-up-driver.js';
import { loadNativeFcntl, NATIVE_FCNTL_FILE, preloadKernelLock } from '../deliver/kernel-lock.js';
import { preloadOsPipes } from '../deliver/os-pipe.js';
import { StopSignal } from '../deliver/stop-signal.js';
import type { UserDb, UserEntry } from '../deliver/userdb.js';
import { timeFsync } from '../lmtp/fsync-timer.js';
import { passwdDb } from '../lmtp/passwd-db.js';
import { quietStat } from '../lmtp/quiet-stat.js';
import { keptSocketSend } from '../lmtp/comsat-socket.js';
import { WorkerLoop } from '../lmtp/worker.js';
import type { FromWorker, ToWorker } from '../lmtp/worker-protocol.js';
import { readFrames, writeFrame } from '../lmtp/frames.js';
import { ZYGOTE_ARG, zygoteNativeOf } from '../lmtp/zygote-native.js';
import { ZygoteLoop } from '../lmtp/zygote.js';
import type { ToZygote } from '../lmtp/zygote-protocol.js';
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
 *
 * Run with the argument `zygote`, it is the zygote instead (src/lmtp/zygote.ts):
 * it loads what a worker needs and forks workers, each of which then runs
 * runWorker() on a socket of its own.
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

/** One delivery as `user`, exactly as `mailrules -t -d USER` would make it: a worker's, or the zygote's warm-up. */
function deliverAs(user: UserEntry, argv: readonly string[], message: Buffer, run: { log: TextSink; watch: DeliveryWatch; pid: number }): Promise<number> {
  process.umask(0o077);
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
}

/** The worker's side of its channel to the service: Node's IPC (a forked worker) or a socket (the zygote's child). */
interface ServiceChannel {
  send(message: FromWorker): void;
  listen(on: { message(m: ToWorker): void; gone(): void }): void;
}

const ipcChannel: ServiceChannel = {
  send: (m) => {
    if (process.connected) process.send?.(m);
  },
  listen: (on) => {
    process.on('message', (m: ToWorker) => on.message(m));
    process.on('disconnect', () => on.gone());
  },
};

function socketChannel(socket: NetModule.Socket): ServiceChannel {
  return {
    send: (m) => {
      if (!socket.destroyed) writeFrame(socket, m, () => undefined);
    },
    listen: (on) => {
      // A frame that cannot be read: the service is told nothing more, and the close that follows stops us.
      readFrames(socket, LMTP_FRAME_MAX_BYTES, { message: (m) => on.message(m as ToWorker), invalid: () => undefined });
      socket.on('error', () => undefined);
      socket.on('close', () => on.gone());
    },
  };
}

/**
 * What a worker loads as root before it becomes its user (the user may not
 * be able to read the install tree): the native addon, the pipe helper and
 * child_process. The zygote calls it too, so that its children find all of
 * it loaded; one list, so the two cannot drift apart.
 */
function preloadAsRoot(): void {
  preloadKernelLock();
  preloadOsPipes();
  childProcess ??= require('node:child_process') as typeof ChildProcessModule;
}

/**
 * The worker loop on `channel`, delivering as the user it is told to
 * become; `become` does the switch (a worker's), or nothing (the zygote's
 * warm-up, which stays root and delivers as itself).
 */
function workerLoop(channel: ServiceChannel, become: (user: UserEntry, groups: readonly number[]) => void, exit: (code: number) => void): WorkerLoop {
  return new WorkerLoop({
    send: (m) => channel.send(m),
    preload: preloadAsRoot,
    becomeUser: (user, groups) => {
      me = user;
      become(user, groups);
    },
    ids: () => ({ uid: process.getuid?.() ?? -1, gid: process.getgid?.() ?? -1 }),
    deliver: (argv, message, run) => deliverAs(me!, argv, message, run),
    fsyncMs: () => fsync.take(),
    pid: process.pid,
    exit,
  });
}

function runWorker(channel: ServiceChannel): void {
  const loop = workerLoop(
    channel,
    (user, groups) => {
      // Only read or written in deliveries, which come once the switch below is checked (worker.ts).
      diskRcs = BUILD_ID === null ? null : userCompiledRcCache(fs, user.dir, user.uid, BUILD_ID, process.pid);
      // A service not run as root delivers only as itself (recipients.ts): nothing to switch.
      if (process.getuid?.() === user.uid && user.uid !== 0) return;
      process.setgroups?.([...groups]);
      process.setgid?.(user.gid);
      process.setuid?.(user.uid);
    },
    (code) => {
      process.exitCode = code;
      setImmediate(() => process.exit(code));
    },
  );

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
  channel.listen({ message: (m) => loop.handle(m), gone: () => loop.handle({ t: 'stop' }) });
}

/** Number to name, for the service's log of a child killed by a signal. */
const SIGNAL_NAMES = new Map(Object.entries(osConstants.signals).map(([name, n]) => [n, name as NodeJS.Signals]));

/**
 * The zygote's deliveries to itself (zygote-warm-up.ts), as root into a
 * private directory of its own (mkdtemp: mode 0700), removed afterwards:
 * made by the worker loop itself, over a socket (a Unix socket in that
 * directory), driven as the service drives a worker (zygote-warm-up-driver.ts).
 * A failed warm-up costs only the sharing it would have bought.
 */
async function warmUp(count: number): Promise<void> {
  const os = require('node:os') as typeof import('node:os');
  const net = require('node:net') as typeof NetModule;
  // On tmpfs when there is one: the deliveries' fsyncs then cost nothing, and the disk is not touched at start.
  const dir = fs.mkdtempSync(`${fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir()}/mailrules-zygote-`);
  const sockets: NetModule.Socket[] = [];
  const server = net.createServer();
  try {
    fs.writeFileSync(`${dir}/.procmailrc`, WARM_UP_RC.replaceAll('HOME_DIR', dir), { mode: 0o600 });
    const user: UserEntry = { name: 'mailrules-zygote', uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, dir, shell: '/bin/sh' };
    const path = `${dir}/channel`;
    const served = new Promise<NetModule.Socket>((resolve, reject) => {
      server.once('connection', resolve);
      server.once('error', reject);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    const driver = net.connect(path);
    sockets.push(driver);
    const worker = await served;
    sockets.push(worker);
    server.close();
    const channel = socketChannel(worker);
    const loop = workerLoop(channel, () => undefined, () => undefined);
    channel.listen({ message: (m) => loop.handle(m), gone: () => undefined });
    await driveWarmUp(driver, {
      user,
      argv: ['-t', '-f', 'warm-up@example.org', '-a', '', '-d', user.name],
      count,
      message: warmUpMessage,
      splitEvery: 10,
      maxFrameBytes: LMTP_FRAME_MAX_BYTES,
    });
  } catch (e) {
    // Nothing shared, nothing lost; said in the service's log (the zygote's stderr).
    process.stderr.write(`zygote warm-up failed: ${e instanceof Error ? e.message : String(e)}\n`);
  } finally {
    // Every descriptor closed before the first fork: a child inherits what the zygote holds.
    server.close();
    await Promise.all(
      sockets.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.closed) return resolve();
            s.once('close', () => resolve());
            s.destroy();
          }),
      ),
    );
    fs.rmSync(dir, { recursive: true, force: true });
    fsync.take();
    stop = null;
    me = null;
  }
}

function runZygote(): void {
  let native;
  try {
    native = zygoteNativeOf(loadNativeFcntl(`${__dirname}/${NATIVE_FCNTL_FILE}`));
  } catch (e) {
    native = e instanceof Error ? e.message.split('\n')[0]! : String(e);
  }
  if (typeof native === 'string') {
    process.send?.({ t: 'zygote-unavailable', error: native }, () => process.disconnect?.());
    return;
  }
  const forkNative = native;
  // Once here for all of the workers it forks (each calls it again, finding everything loaded).
  preloadAsRoot();
  const net = require('node:net') as typeof NetModule;
  const zygote = new ZygoteLoop({
    fork: () => forkNative.zygoteFork(),
    reap: () => forkNative.zygoteReap(),
    send: (m, fd) => {
      if (!process.connected) return;
      // Not read here: the socket is the worker's, handed over as it is (Node closes our copy once the service has it).
      if (fd === undefined) process.send?.(m);
      else process.send?.(m, new net.Socket({ fd, readable: false, writable: false }));
    },
    becomeWorker: (pid, fd) => {
      // Node reads its pid once, at start: the child would report the zygote's.
      Object.defineProperty(process, 'pid', { value: pid, enumerable: true, configurable: true });
      // The zygote's handlers and its IPC channel stay the zygote's: closing our copy of the channel leaves the zygote's open.
      for (const event of ['message', 'disconnect', 'SIGCHLD'] as const) process.removeAllListeners(event);
      // Messages the zygote had read are still to be emitted here, a tick later: dropped. With no listener
      // at all Node would keep them on the channel, which the disconnect below has taken away (a TypeError).
      process.on('message', () => undefined);
      process.disconnect?.();
      // Every way out (process.exit, the end of the event loop) passes 'exit': leave there, without Node's teardown.
      process.on('exit', (code) => forkNative.zygoteExit(code));
      runWorker(socketChannel(new net.Socket({ fd })));
    },
    signalName: (n) => SIGNAL_NAMES.get(n) ?? null,
  });
  process.on('message', (m: ToZygote) => zygote.handle(m));
  process.on('SIGCHLD', () => zygote.reaped());
  // The service is gone: the workers it started notice their own sockets closing.
  process.on('disconnect', () => process.exit(0));
  void warmUp(LMTP_ZYGOTE_WARM_UP_DELIVERIES).then(() => process.send?.({ t: 'zygote-ready' }));
}

if (process.argv[2] === ZYGOTE_ARG) runZygote();
else runWorker(ipcChannel);
