import { exitWhenFlushed } from './exit-when-flushed.js';
import type * as FsModule from 'node:fs';
import type * as ChildProcessModule from 'node:child_process';
import type * as OsModule from 'node:os';
import { enableLinearRegexFallback } from '../v8-flags.js';
import { EX_TEMPFAIL } from '../sysexits.js';
import { mailrulesVersion } from '../version.js';
import { STDIN_CHUNK_BYTES, STDIN_CHUNK_MAX_BYTES } from '../limits.js';
import { errnoOf, systemClock } from '../deliver/seams.js';
import { StopSignal } from '../deliver/stop-signal.js';
import { preloadKernelLock } from '../deliver/kernel-lock.js';
import { preloadOsPipes } from '../deliver/os-pipe.js';
import { fileUserDb } from '../deliver/userdb.js';
import { deliverFromCommandLine } from '../deliver/command-line.js';
import { userCompiledRcCache } from '../deliver/compiled-rc-cache.js';

/** This build's id (scripts/build.mjs defines it for the bundle): compiled rcfiles are cached per build. */
declare const __MAILRULES_BUILD_ID__: string | undefined;
const BUILD_ID = typeof __MAILRULES_BUILD_ID__ === 'string' ? __MAILRULES_BUILD_ID__ : null;
/** The build's training delivery (scripts/build.mjs) runs as the builder: it must leave nothing in the builder's home. */
const TRAINING = process.env.MAILRULES_TRAIN_CODE_CACHE === '1';

/**
 * Bundle entry of the delivery agent (dist/deliver.cjs). Lean on purpose:
 * no commander, mailparser or nodemailer here (docs/node-runtime.md §2). Whatever
 * happens, the exit code is a sysexits code and never 1, which Postfix
 * would turn into a bounce.
 */
enableLinearRegexFallback();

/** A plain require: esbuild's `import * as` interop would copy all of node:fs's exports at start-up (docs/node-runtime.md §2.4). */
const fs = require('node:fs') as typeof FsModule;

function fail(): never {
  process.exit(EX_TEMPFAIL);
}
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

/**
 * The message, read with plain read(2) on fd 0: touching `process.stdin`
 * builds a net/stream object (~5 ms of start-up). A non-blocking stdin
 * (EAGAIN) falls back to the stream.
 */
function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = STDIN_CHUNK_BYTES;
  try {
    for (;;) {
      const buf = Buffer.allocUnsafe(size);
      const n = fs.readSync(0, buf, 0, buf.length, null);
      if (n === 0) return Promise.resolve(Buffer.concat(chunks));
      chunks.push(n === buf.length ? buf : buf.subarray(0, n));
      size = Math.min(size * 2, STDIN_CHUNK_MAX_BYTES);
    }
  } catch (e) {
    if (errnoOf(e) === 'EOF') return Promise.resolve(Buffer.concat(chunks));
    if (errnoOf(e) !== 'EAGAIN') return Promise.reject(e);
  }
  return new Promise((resolve, reject) => {
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks)));
    process.stdin.on('error', reject);
  });
}

/** process.stdout/stderr are built on first use only (each is a stream object); most deliveries never write to either. */
const lazySink = (which: () => NodeJS.WriteStream) => ({ write: (chunk: string | Uint8Array) => which().write(chunk) });

/** node:child_process costs ~2-3 ms to load: only when a program is actually run. */
let childProcess: typeof ChildProcessModule | null = null;
const spawn = (cmd: string, args: readonly string[], opts: ChildProcessModule.SpawnOptions) =>
  (childProcess ??= require('node:child_process') as typeof ChildProcessModule).spawn(cmd, [...args], opts);

const readText = (path: string): string | null => {
  try {
    return fs.readFileSync(path, 'latin1');
  } catch {
    return null;
  }
};

/** uname's nodename, as os.hostname() gives it, without loading node:os (start-up, docs/node-runtime.md §2.4). */
function hostname(): string {
  const name = readText('/proc/sys/kernel/hostname')?.trim();
  return name ? name : (require('node:os') as typeof OsModule).hostname();
}

// procmail's UMASK default (procmailrc(5)); children inherit it.
process.umask(0o077);

// An MTA's time limit sends SIGTERM; a terminal sends SIGINT or SIGHUP. Node
// would die at once (exit 143), possibly half-way through a write, with the
// MTA retrying a message that may already be stored. Instead the delivery
// stops where it is (src/deliver/stop-signal.ts): exit 0 when the message is
// already stored whole, else the partial write is taken back and the run
// ends with `Terminating prematurely` and 75.
const stop = new StopSignal();
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => stop.request(signal));

deliverFromCommandLine(process.argv.slice(2), {
  stdin: readStdin,
  stdout: lazySink(() => process.stdout),
  stderr: lazySink(() => process.stderr),
  env: process.env,
  fs,
  spawn,
  clock: systemClock,
  userdb: fileUserDb(readText),
  hostname: hostname(),
  pid: process.pid,
  uid: process.getuid?.() ?? 0,
  cwd: process.cwd(),
  umask: 0o077,
  setUmask: (m) => void process.umask(m),
  switchUser: (user, groups) => {
    // While still root: the recipient may not be able to read the install tree.
    preloadKernelLock();
    preloadOsPipes();
    process.setgroups?.(groups);
    process.setgid?.(user.gid);
    process.setuid?.(user.uid);
  },
  self: [process.execPath, ...process.execArgv, process.argv[1] ?? ''],
  version: mailrulesVersion(),
  stop,
  ...(BUILD_ID === null || TRAINING ? {} : { compiledRcCache: (user) => userCompiledRcCache(fs, user.dir, user.uid, BUILD_ID, process.pid) }),
}).then(
  (code) => exitWhenFlushed(code),
  fail,
);
