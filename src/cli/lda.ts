import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import type { Program } from '../compile/program.js';
import { compileRc } from '../compile/compile.js';
import { evaluate } from '../eval/evaluate.js';
import { drive } from '../eval/drive.js';
import type { EngineInput } from '../eval/input.js';
import { EX_CANTCREAT, EX_NOINPUT, EX_NOPERM, EX_NOUSER, EX_OK, EX_TEMPFAIL, EX_USAGE } from '../sysexits.js';
import { DEFAULT_SUSPEND, MAX_MESSAGE_BYTES } from '../limits.js';
import { DeliveryAnswerer, type ExtAnswers } from '../deliver/answerer.js';
import type { Clock, DatagramSend, DeliveryFs, SpawnFn, TextSink } from '../deliver/seams.js';
import { screenMailbox } from '../deliver/screen-mailbox.js';
import { udpSend } from '../deliver/udp.js';
import type { KernelLocker } from '../deliver/kernel-lock.js';
import type { StopSignal } from '../deliver/stop-signal.js';
import type { UserDb, UserEntry } from '../deliver/userdb.js';
import { applyFromLine } from '../deliver/from-line.js';
import { rcfileTrusted } from '../deliver/rcfile-security.js';
import { LOG_PREFIX } from '../deliver/logfile.js';
import { fullyQualifiedHost } from '../deliver/mail-host.js';
import { parseLdaArgs, USAGE, type LdaArgs } from './lda-args.js';
import { DEFAULT_LOCKEXT, DEFAULT_MAIL_SPOOL, DEFAULT_SHELL, initialEnvironment, PROCMAIL_VERSION, rcfileSetsDotMaildir } from '../eval/defaults.js';
import type { ProgramCache } from './program-cache.js';
import { iconvDecode } from '../deliver/iconv-fallback.js';
import { publicSuffixLoader } from '../deliver/public-suffix-file.js';

/**
 * procmail's command line as a delivery agent (procmail(1); docs/procmail-semantics.md §6):
 * read the message, pick the rcfiles, set the environment, run the engine
 * with the real answerer, and turn the outcome into a sysexits code. Every
 * effect goes through `io`, so each exit path has a test.
 */
export interface LdaIo {
  stdin(): Promise<Buffer>;
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly fs: DeliveryFs;
  readonly spawn: SpawnFn;
  readonly clock: Clock;
  readonly userdb: UserDb;
  readonly hostname: string;
  readonly pid: number;
  /** Real uid of the process. */
  readonly uid: number;
  /** The process's working directory. */
  readonly cwd: string;
  readonly umask: number;
  setUmask?(mask: number): void;
  /** Become the recipient: setgroups, setgid, setuid, in that order. Only called when running as root. */
  switchUser?(user: UserEntry, groups: number[]): void;
  /** How to run this program again (one child per recipient with several -d recipients as root). */
  readonly self?: readonly string[];
  readonly kernel?: KernelLocker;
  readonly ext?: ExtAnswers | (() => Promise<ExtAnswers>);
  /** Our version, for -v. */
  readonly version?: string;
  /** The compiled-program cache of the user a delivery runs as (program-cache.ts); none when absent. */
  readonly programCache?: (user: UserEntry) => ProgramCache | null;
  /**
   * The system mail spool, `/var/mail` unless given: ORGMAIL is
   * `<spool>/$LOGNAME`, screened at start-up (docs/procmail-semantics.md §9). Tests point
   * it at a temporary directory.
   */
  readonly mailSpool?: string;
  /** Sends the comsat datagram (docs/procmail-semantics.md §5.2); real UDP (deliver/udp.ts) unless given. */
  readonly comsat?: DatagramSend;
  /** Set by SIGTERM, SIGINT and SIGHUP (deliver-main.ts): the delivery stops, and the message is whole where it is or requeued. */
  readonly stop?: StopSignal;
}

/** One delivery's end: `early` when it stopped before processing (unknown user, autoforwarding), as procmail's exit() does. */
interface Delivered {
  readonly code: number;
  readonly early: boolean;
}

const SYSTEM_RCFILES = ['/etc/mailrulesrc', '/etc/procmailrc'];
const USER_RCFILES = ['.mailrulesrc', '.procmailrc'];

export async function main(argv: readonly string[], io: LdaIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (e) {
    // Anything unexpected requeues the mail: exit 1 would bounce it in Postfix (docs/node-runtime.md §7.2).
    try {
      io.stderr.write(`${LOG_PREFIX}internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    } catch {
      // nothing left to report to
    }
    return EX_TEMPFAIL;
  }
}

async function run(argv: readonly string[], io: LdaIo): Promise<number> {
  const args = parseLdaArgs(argv);
  const say = (text: string) => io.stderr.write(`${LOG_PREFIX}${text}\n`);
  for (const w of args.warnings) {
    say(w);
    if (w.startsWith('Unrecognised')) io.stderr.write(`${USAGE}Processing continued\n`);
  }
  if (args.action === 'usage') {
    io.stderr.write(USAGE);
    return EX_USAGE;
  }
  if (args.action === 'version') {
    io.stderr.write(`mailrules v${io.version ?? '0'} (procmail ${PROCMAIL_VERSION} compatible)\nLocking strategies:\tdotlocking, fcntl()\nDefault rcfile:\t\t$HOME/.mailrulesrc (or $HOME/.procmailrc)\n`);
    return EX_OK;
  }
  if (args.lmtp) {
    say('LMTP support not enabled');
    return EX_USAGE;
  }
  if (args.filter && args.rcfiles.length === 0) {
    say('Missing rcfile');
    return EX_NOINPUT;
  }
  const message = await io.stdin();
  if (message.length > MAX_MESSAGE_BYTES) {
    say(`Message larger than ${MAX_MESSAGE_BYTES} bytes`);
    return EX_TEMPFAIL;
  }
  if (args.recipients !== null) return deliverToRecipients(args, args.recipients, message, io);
  const user = io.userdb.byUid(io.uid) ?? { name: `#${io.uid}`, uid: io.uid, gid: -1, dir: '/', shell: DEFAULT_SHELL };
  // Normal mode screens the invoker's system mailbox too (procmail.c: every mode but -m); only -d refuses autoforwarding.
  const screen = args.filter ? 'ok' : await screenSystemMailbox(user, false, io);
  return processMessage(args, user, message, io, screen === 'ok');
}

/**
 * -d with several recipients: procmail forks a child for each but the last
 * and delivers to the last itself. Any failed child makes the status
 * EX_CANTCREAT (EX_TEMPFAIL with -t), whatever the child's own code and
 * the last delivery's; only the last recipient stopping early (unknown
 * user, autoforwarding: a plain exit()) overrides that (verified:
 * `-d nosuch pmtest` 73, `-d pmtest nosuch` 67, a child's EXITCODE=42
 * gives 73). As root each delivery runs in its own process, since setuid
 * can't be undone.
 */
async function deliverToRecipients(args: LdaArgs, recipients: readonly string[], message: Buffer, io: LdaIo): Promise<number> {
  if (recipients.length === 1) return (await deliverTo(args, recipients[0]!, message, io)).code;
  const separate = io.uid === 0 && io.self !== undefined;
  let childFailed = false;
  let stopped = false;
  let last: Delivered = { code: EX_OK, early: false };
  for (const [i, r] of recipients.entries()) {
    const d: Delivered = separate ? { code: await runChild(io, [...optionsFor(args), '-d', r], message), early: false } : await deliverTo(args, r, message, io);
    // A recipient requeued by a signal: the MTA must retry, not bounce (73).
    if (d.code === EX_TEMPFAIL && io.stop?.requested === true) stopped = true;
    if (i < recipients.length - 1) {
      if (d.code !== EX_OK) childFailed = true;
    } else {
      last = d;
    }
  }
  if (stopped) return EX_TEMPFAIL;
  if (last.early || !childFailed) return last.code;
  return args.tempfail ? EX_TEMPFAIL : EX_CANTCREAT;
}

async function deliverTo(args: LdaArgs, name: string, message: Buffer, io: LdaIo): Promise<Delivered> {
  const user = io.userdb.byName(name);
  if (user === null) {
    io.stderr.write(`${LOG_PREFIX}Unknown user "${name}"\n`);
    return { code: EX_NOUSER, early: true };
  }
  if (io.uid !== 0 && user.uid !== io.uid) {
    io.stderr.write(`${LOG_PREFIX}Insufficient privileges\n`);
    return { code: EX_NOPERM, early: true };
  }
  // Screened with our privileges, before becoming the recipient (procmail.c: screenmailbox runs before setids()).
  const screen = await screenSystemMailbox(user, true, io);
  if (screen === 'autoforward') return { code: EX_NOUSER, early: true };
  if (io.uid === 0) {
    if (user.uid !== 0) {
      // Before any rcfile is read (docs/procmail-semantics.md §9; Ubuntu bug 407459): the recipient's rcfile runs as the recipient.
      if (io.switchUser === undefined) throw new Error('cannot switch to the recipient');
      io.switchUser(user, withSpoolGroup(io.userdb.groupsOf(user.name, user.gid), io));
    }
  }
  return { code: await processMessage({ ...args, preserve: false }, user, message, io, screen === 'ok'), early: false };
}

/**
 * procmail is installed setgid to the spool's group (Debian: `mail`, on a
 * 2775 /var/mail) and keeps that group after becoming the recipient, so it
 * can take the `$DEFAULT$LOCKEXT` dotlock there (docs/procmail-semantics.md §7.5). A Node
 * program cannot be setgid; run as root it keeps the same access by holding
 * the spool's group as a supplementary group, and only when the spool is
 * group-writable (otherwise the group grants nothing).
 */
function withSpoolGroup(groups: number[], io: LdaIo): number[] {
  try {
    const st = io.fs.statSync(io.mailSpool ?? DEFAULT_MAIL_SPOOL);
    if ((st.mode & 0o020) === 0 || st.gid === 0 || groups.includes(st.gid)) return groups;
    return [...groups, st.gid];
  } catch {
    return groups;
  }
}

/** The user's system mailbox, `<spool>/<name>` (none for a user without a passwd entry). */
function systemMailbox(user: UserEntry, io: LdaIo): string | null {
  return user.name.startsWith('#') ? null : `${io.mailSpool ?? DEFAULT_MAIL_SPOOL}/${user.name}`;
}

/** docs/procmail-semantics.md §9 screening of ORGMAIL; its complaints go to stderr (no LOGFILE yet). */
async function screenSystemMailbox(user: UserEntry, deliveryMode: boolean, io: LdaIo): Promise<'ok' | 'unusable' | 'autoforward'> {
  const path = systemMailbox(user, io);
  if (path === null) return 'ok';
  const r = await screenMailbox(path, {
    fs: io.fs,
    clock: io.clock,
    uid: user.uid,
    gid: user.gid,
    logname: user.name,
    deliveryMode,
    suspendSec: DEFAULT_SUSPEND,
    privileged: io.uid === 0,
    lockext: DEFAULT_LOCKEXT,
    log: (text) => io.stderr.write(`${LOG_PREFIX}${text}\n`),
  });
  return r.kind;
}

function optionsFor(args: LdaArgs): string[] {
  const out: string[] = [];
  if (args.tempfail) out.push('-t');
  if (args.berkeley) out.push('-Y');
  if (args.override) out.push('-o');
  if (args.from !== null) out.push('-f', args.from);
  for (const a of args.args) out.push('-a', a);
  return out;
}

function runChild(io: LdaIo, argv: string[], message: Buffer): Promise<number> {
  const [file, ...pre] = io.self!;
  return new Promise((resolve) => {
    const child = io.spawn(file!, [...pre, ...argv], { stdio: ['pipe', 'inherit', 'inherit'], env: { ...io.env } as NodeJS.ProcessEnv });
    child.on('error', () => resolve(EX_TEMPFAIL));
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(message);
    // The recipient's own process takes the stop the same way (its signal handlers end it cleanly).
    const forget = io.stop?.onStop(() => child.kill('SIGTERM'));
    child.on('close', () => forget?.());
    child.on('close', (code) => resolve(code === null || code === 1 ? EX_TEMPFAIL : code));
  });
}

async function processMessage(args: LdaArgs, user: UserEntry, raw: Buffer, io: LdaIo, systemMailboxOk = true): Promise<number> {
  const startTime = io.clock.now();
  const delivery = args.recipients !== null;
  const named = !delivery && args.rcfiles.length > 0;
  const firstRc = named ? args.rcfiles[0]! : null;
  const env = initialEnvironment({
    inherited: io.env,
    preserve: args.preserve && !delivery,
    filter: args.filter,
    rcfileNamed: named,
    dotRcfile: firstRc !== null && rcfileSetsDotMaildir(firstRc, args.filter),
    user,
    hostname: io.hostname,
    ...(io.mailSpool !== undefined ? { mailSpool: io.mailSpool } : {}),
  });
  if (!systemMailboxOk && env.ORGMAIL !== undefined) {
    // procmail.c nix_sysmbox: no delivering to a mailbox that failed screening; a DEFAULT naming it is emptied too.
    if (env.DEFAULT === env.ORGMAIL) env.DEFAULT = '';
    delete env.ORGMAIL;
  }
  const assignments = args.assignments.map(splitAssignment);
  const message = applyFromLine(raw, {
    generate: delivery || args.from !== null,
    from: args.from,
    invoker: io.userdb.byUid(io.uid)?.name ?? user.name,
    now: new Date(startTime),
  });

  const answerer = new DeliveryAnswerer({
    fs: io.fs,
    spawn: io.spawn,
    clock: io.clock,
    hostname: io.hostname,
    pid: io.pid,
    stderr: io.stderr,
    stdout: io.stdout,
    cwd: resolvePath(io.cwd, env.MAILDIR ?? '.'),
    umask: io.umask,
    ...(io.setUmask ? { setUmask: io.setUmask } : {}),
    berkeley: args.berkeley,
    ...(io.kernel ? { kernel: io.kernel } : {}),
    ext: io.ext ?? (() => extAnswers(io)),
    comsat: io.comsat ?? udpSend,
    ...(io.stop ? { stop: io.stop } : {}),
    startTime,
  });
  const complain = (text: string) => answerer.log.error(text);
  const { programs, chain } = loadPrograms(args, user, io, complain);

  const input: EngineInput = {
    programs,
    publicSuffixes: publicSuffixLoader(io.fs),
    charsetFallback: iconvDecode,
    chain,
    berkeley: args.berkeley,
    message,
    env,
    assignments,
    args: args.args,
    argv0: firstRc ?? 'mailrules',
    hostname: io.hostname,
    pid: io.pid,
    tempfail: args.tempfail,
    filterMode: args.filter,
    // Comsat is on unless an rcfile was named (procmail(1)): -m always names one.
    comsat: !named && !args.filter,
    ...(io.stop ? { interrupted: () => io.stop!.requested } : {}),
  };
  try {
    const outcome = await drive(evaluate(input), answerer);
    if (outcome.stderr !== null) io.stderr.write(outcome.stderr);
    // The MTA sees the low byte (exit(3)): EXITCODE=257 would arrive as 1. Exit 1 means "bounce" to
    // Postfix and is never ours to give (sysexits.ts), whichever way it comes about.
    const status = outcome.exitCode & 0xff;
    return status === 1 ? EX_TEMPFAIL : status;
  } finally {
    answerer.finish();
  }
}

function splitAssignment(a: string): { name: string; value: string } {
  const i = a.indexOf('=');
  return { name: a.slice(0, i), value: a.slice(i + 1) };
}

/**
 * The rcfiles to run (docs/procmail-semantics.md §6.1, §6.2): -m's rcfile relative to the
 * cwd; named rcfiles absolute, `./x` from the cwd, others from $HOME; else
 * the system rcfile then the user's. Ours (`mailrulesrc`) are preferred,
 * procmail's used when ours don't exist. Suspicious files are ignored.
 */
function loadPrograms(args: LdaArgs, user: UserEntry, io: LdaIo, complain: (t: string) => void): { programs: Program[]; chain: EngineInput['chain'] } {
  const home = user.dir;
  const cache = io.programCache?.(user) ?? null;
  const read = (path: string, shown: string, check: 'none' | 'loose' | 'strict'): Program | null => {
    if (check !== 'none' && !trusted(io, path, user, check === 'strict')) {
      complain(`Suspicious rcfile "${shown}"`);
      complain(`Couldn't read "${shown}"`);
      return null;
    }
    let text: string;
    try {
      text = io.fs.readFileSync(path).toString('latin1');
    } catch {
      complain(`Couldn't read "${shown}"`);
      return null;
    }
    // Only an rcfile the user could edit anyway may come from the user's cache (program-cache.ts).
    if (cache === null || !ownedBy(io, path, user.uid)) return compileRc(text, shown);
    const hit = cache.get(path, shown, text);
    if (hit !== null) return hit;
    const program = compileRc(text, shown);
    cache.put(path, program);
    return program;
  };
  const exists = (path: string): boolean => {
    try {
      io.fs.statSync(path);
      return true;
    } catch {
      return false;
    }
  };
  if (args.filter) {
    const rc = args.rcfiles[0]!;
    const path = resolvePath(io.cwd, rc);
    const p = read(path, rc, rc.startsWith('./') ? 'none' : 'loose');
    return { programs: p === null ? [] : [p], chain: 'host-mismatch' };
  }
  if (args.recipients === null && args.rcfiles.length > 0) {
    const out: Program[] = [];
    for (const rc of args.rcfiles) {
      const path = isAbsolute(rc) ? rc : rc.startsWith('./') ? resolvePath(io.cwd, rc) : join(home, rc);
      if (!exists(path)) {
        // Named by its full path (verified: `procmail chek` says Couldn't read "/root/chek"), then on to DEFAULT.
        complain(`Couldn't read "${path}"`);
        continue;
      }
      const p = read(path, rc, rc.startsWith('./') ? 'none' : 'loose');
      if (p !== null) out.push(p);
    }
    // Command-line rcfiles: the next runs only after a HOST mismatch (docs/procmail-semantics.md §1.7).
    return { programs: out, chain: 'host-mismatch' };
  }
  const system = args.preserve ? undefined : SYSTEM_RCFILES.find(exists);
  // A relative home can't give a trustworthy rcfile: procmail skips it and delivers to the system mailbox (verified).
  const homeOk = isAbsolute(home);
  if (!homeOk) complain('default rcfile is not an absolute path');
  const userRc = homeOk ? USER_RCFILES.map((f) => join(home, f)).find(exists) : undefined;
  const etc = system === undefined ? null : read(system, system, 'none');
  const mine = userRc === undefined ? null : read(userRc, userRc, 'strict');
  // procmail runs /etc/procmailrc and then goes on with the user's rcfile, each with fresh per-rcfile state (procmail.c startrc).
  return { programs: [etc, mine].filter((p): p is Program => p !== null), chain: 'sequence' };
}

function ownedBy(io: LdaIo, path: string, uid: number): boolean {
  try {
    return io.fs.statSync(path).uid === uid;
  } catch {
    return false;
  }
}

function trusted(io: LdaIo, path: string, user: UserEntry, strict: boolean): boolean {
  return rcfileTrusted((p) => io.fs.statSync(p), path, {
    uid: user.uid,
    strictGroup: strict,
    primaryGid: user.gid,
    groupPerUser: isGroupPerUser(io, user),
  });
}

/** Debian's GROUP_PER_USER: the primary group is the user's own when no one else is in it and it has the user's name. */
function isGroupPerUser(io: LdaIo, user: UserEntry): boolean {
  try {
    const line = io.fs
      .readFileSync('/etc/group')
      .toString('latin1')
      .split('\n')
      .find((l) => l.split(':')[2] === String(user.gid));
    return line !== undefined && line.split(':')[0] === user.name;
  } catch {
    return false;
  }
}

/**
 * The extension answers (src/deliver/ext-answers.ts), loaded on the first extension
 * request only; nodemailer itself loads later still, inside the send answer.
 */
async function extAnswers(io: LdaIo): Promise<ExtAnswers> {
  const ext = await import('../deliver/ext-answers.js');
  return {
    lookup: (r, cwd) => ext.answerLookup(r, io.fs, cwd),
    replyCache: (r, cwd) => ext.answerReplyCache(r, io.fs, io.clock, cwd),
    send: (r, cwd) => ext.answerSend(r, { spawn: io.spawn, clock: io.clock, hostname: io.hostname, mailHost: fullyQualifiedHost(io.hostname, (p) => readOrNull(io, p)), fs: io.fs, cwd }),
  };
}

function readOrNull(io: LdaIo, path: string): string | null {
  try {
    return io.fs.readFileSync(path).toString('latin1');
  } catch {
    return null;
  }
}
