import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  LMTP_DEFAULT_DELIVERY_TIMEOUT_S,
  LMTP_DEFAULT_IDLE_TIMEOUT_S,
  LMTP_DEFAULT_MAX_CONNECTIONS,
  LMTP_DEFAULT_MAX_RECIPIENTS,
  LMTP_DEFAULT_MAX_SIZE,
  LMTP_DEFAULT_MAX_WORKERS,
  LMTP_DEFAULT_USER_CONCURRENCY,
  LMTP_DEFAULT_WORKER_IDLE_S,
  LMTP_FRAME_MAX_BYTES,
  LMTP_ZYGOTE_EXIT_STATUS_MS,
  LMTP_ZYGOTE_RESTART_MS,
} from '../limits.js';
import { EX_CONFIG, EX_OK } from '../sysexits.js';
import { forkBundle, forkWorker, killGroup } from '../lmtp/fork-worker.js';
import { listenSpecs } from '../lmtp/listeners.js';
import { passwdDb } from '../lmtp/passwd-db.js';
import { serviceLog } from '../lmtp/service-log.js';
import { LmtpService, type ServiceOptions } from '../lmtp/service.js';
import type { ForkWorker } from '../lmtp/worker-pool.js';
import { ZYGOTE_ARG } from '../lmtp/zygote-native.js';
import { zygoteStarter, type ZygoteStarter } from '../lmtp/zygote-start.js';
import { keepYoungGenerationSmall } from '../lmtp/supervisor-heap.js';

/** The worker bundle beside this one (dist/, scripts/build.mjs). */
const WORKER = 'lmtp-worker.cjs';

/**
 * `mailrules lmtp`: the subcommand's options, wired to src/lmtp. Runs in
 * the foreground, logging to stderr, until SIGTERM or SIGINT.
 */
export function lmtpCommand(done: (code: number) => void): Command {
  const count = (name: string) => (v: string) => {
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError(`${name} must be a whole number above 0`);
    return Number(v);
  };
  return new Command('lmtp')
    // A command made apart from the program inherits none of its settings: commander must throw, never exit 1.
    .exitOverride()
    .description('an LMTP delivery service (RFC 2033): each recipient is delivered as `mailrules -t -d USER` would, by a warm worker of that user')
    .option('--listen <where>', 'unix:/path, HOST:PORT or [IPV6]:PORT (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--stdio', 'one session on stdin/stdout (sendmail local_lmtp, Exim lmtp transport with a command)')
    .option('--max-connections <n>', 'simultaneous connections', count('--max-connections'), LMTP_DEFAULT_MAX_CONNECTIONS)
    .option('--user-concurrency <n>', "one user's deliveries at once; beyond it RCPT gets 451 4.7.1", count('--user-concurrency'), LMTP_DEFAULT_USER_CONCURRENCY)
    .option('--max-recipients <n>', 'recipients per transaction', count('--max-recipients'), LMTP_DEFAULT_MAX_RECIPIENTS)
    .option('--size <bytes>', 'largest message (advertised as SIZE)', count('--size'), LMTP_DEFAULT_MAX_SIZE)
    .option('--idle-timeout <seconds>', 'close a silent connection after this long', count('--idle-timeout'), LMTP_DEFAULT_IDLE_TIMEOUT_S)
    .option('--worker-idle <seconds>', 'how long a warm user worker waits for more mail', count('--worker-idle'), LMTP_DEFAULT_WORKER_IDLE_S)
    .option('--delivery-timeout <seconds>', 'longest delivery before its worker is killed (451 4.3.0)', count('--delivery-timeout'), LMTP_DEFAULT_DELIVERY_TIMEOUT_S)
    .option('--max-workers <n>', 'worker processes in all', count('--max-workers'), LMTP_DEFAULT_MAX_WORKERS)
    .option('--user <name>', 'deliver every recipient as this one user (virtual mailboxes); the address is $2')
    .option('--socket-group <group>', "group of Unix sockets (the MTA's)")
    .option('--socket-mode <octal>', 'mode of Unix sockets', '0660')
    .option('--spool-dir <dir>', 'where DATA is spooled (a private directory under $TMPDIR by default)')
    .option('--recipient-delimiter <chars>', 'separates user and extension (Postfix recipient_delimiter); "" for none', '+')
    .option('--hostname <name>', 'name in the greeting and replies', os.hostname())
    .option('--verbose', 'log every command and reply too')
    // For bench/lmtp.mjs, which compares the two: the zygote falls back to fork by itself when it cannot be used.
    .addOption(new Option('--worker-start <how>', 'how user workers are started').choices(['zygote', 'fork']).default('zygote').hideHelp())
    .action(async (opts: Record<string, unknown>) => {
      done(await runLmtp(opts));
    });
}

async function runLmtp(opts: Record<string, unknown>): Promise<number> {
  keepYoungGenerationSmall();
  const mode = String(opts.socketMode);
  if (!/^0?[0-7]{3}$/.test(mode)) {
    process.stderr.write(`mailrules lmtp: --socket-mode ${mode}: expected an octal mode such as 0660\n`);
    return EX_CONFIG;
  }
  const listen = opts.listen as string[];
  const o: ServiceOptions = {
    listen,
    stdio: opts.stdio === true,
    maxConnections: opts.maxConnections as number,
    userConcurrency: opts.userConcurrency as number,
    maxRecipients: opts.maxRecipients as number,
    maxSize: opts.size as number,
    idleTimeoutMs: (opts.idleTimeout as number) * 1000,
    workerIdleMs: (opts.workerIdle as number) * 1000,
    deliveryTimeoutMs: (opts.deliveryTimeout as number) * 1000,
    maxWorkers: opts.maxWorkers as number,
    user: typeof opts.user === 'string' ? opts.user : null,
    socketGroup: typeof opts.socketGroup === 'string' ? opts.socketGroup : null,
    socketMode: parseInt(mode, 8),
    spoolDir: typeof opts.spoolDir === 'string' ? opts.spoolDir : null,
    recipientDelimiter: String(opts.recipientDelimiter),
    verbose: opts.verbose === true,
    hostname: String(opts.hostname),
  };
  try {
    listenSpecs(o.listen, o.stdio, process.env, process.pid);
  } catch (e) {
    process.stderr.write(`mailrules lmtp: ${e instanceof Error ? e.message : String(e)}\n`);
    return EX_CONFIG;
  }
  // Spool files and sockets are created private and opened up explicitly (the socket's mode and group).
  const umask = process.umask(0o077);
  const stderr = { write: (s: string | Uint8Array) => process.stderr.write(s) };
  const script = join(__dirname, WORKER);
  const env: Record<string, string> = process.env.TZ === undefined ? {} : { TZ: process.env.TZ };
  const plainFork = forkWorker({
    script,
    env,
    log: (user, pid, line) => stderr.write(`worker-stderr user=${user.name} pid=${pid ?? '?'} line=${JSON.stringify(line)}\n`),
  });
  let zygote: ZygoteStarter | null = null;
  let fork: ForkWorker = plainFork;
  if (opts.workerStart === 'zygote') {
    const zygoteLog = serviceLog(stderr, false);
    zygote = zygoteStarter({
      // Its children write to the zygote's stderr: their lines are logged under the zygote's pid.
      spawn: () => {
        const z = forkBundle(script, [ZYGOTE_ARG], env, (line) => stderr.write(`worker-stderr zygote=${z.pid ?? '?'} line=${JSON.stringify(line)}\n`));
        return z;
      },
      fallback: plainFork,
      worker: { maxFrameBytes: LMTP_FRAME_MAX_BYTES, exitStatusMs: LMTP_ZYGOTE_EXIT_STATUS_MS, kill: killGroup },
      restartMs: LMTP_ZYGOTE_RESTART_MS,
      now: () => performance.now(),
      log: (line) => zygoteLog.info('zygote', { note: line }),
    });
    fork = zygote.fork;
  }
  let service: LmtpService;
  try {
    service = await LmtpService.start(o, {
      fs,
      userdb: passwdDb(fs),
      fork,
      uid: process.getuid?.() ?? 0,
      pid: process.pid,
      env: process.env,
      stderr,
      stdin: process.stdin,
      stdout: process.stdout,
      tmpdir: os.tmpdir(),
      now: () => performance.now(),
    });
  } catch (e) {
    zygote?.close();
    process.umask(umask);
    process.stderr.write(`mailrules lmtp: ${e instanceof Error ? e.message : String(e)}\n`);
    return EX_CONFIG;
  }
  const drain = (): void => service.drain();
  process.on('SIGTERM', drain);
  process.on('SIGINT', drain);
  await service.finished;
  zygote?.close();
  return EX_OK;
}
