import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import type { Program } from '../compile/program.js';
import { compileRc } from '../compile/compile.js';
import { evaluate } from '../eval/evaluate.js';
import { drive } from '../eval/drive.js';
import type { EngineInput } from '../eval/input.js';
import { EX_NOINPUT, EX_NOPERM, EX_NOUSER, EX_OK, EX_TEMPFAIL, EX_USAGE } from '../sysexits.js';
import { MAX_MESSAGE_BYTES } from '../limits.js';
import { DeliveryAnswerer, type ExtAnswers } from '../deliver/answerer.js';
import type { Clock, DeliveryFs, SpawnFn, TextSink } from '../deliver/seams.js';
import type { KernelLocker } from '../deliver/kernel-lock.js';
import type { UserDb, UserEntry } from '../deliver/userdb.js';
import { applyFromLine } from '../deliver/from-line.js';
import { rcfileTrusted } from '../deliver/rcfile-security.js';
import { LOG_PREFIX } from '../deliver/logfile.js';
import { parseLdaArgs, USAGE, type LdaArgs } from './lda-args.js';
import { initialEnvironment, PROCMAIL_VERSION } from './environment.js';
import type { ProgramCache } from './program-cache.js';

/**
 * procmail's command line as a delivery agent (procmail(1); procmail.md §6):
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
}

const SYSTEM_RCFILES = ['/etc/mailrulesrc', '/etc/procmailrc'];
const USER_RCFILES = ['.mailrulesrc', '.procmailrc'];

export async function main(argv: readonly string[], io: LdaIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (e) {
    // Anything unexpected requeues the mail: exit 1 would bounce it in Postfix (node-stack.md §7.2).
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
  const user = io.userdb.byUid(io.uid) ?? { name: `#${io.uid}`, uid: io.uid, gid: -1, dir: '/', shell: '/bin/sh' };
  return processMessage(args, user, message, io);
}

/** -d: one delivery per recipient; with several as root each runs in its own process, since setuid can't be undone. */
async function deliverToRecipients(args: LdaArgs, recipients: readonly string[], message: Buffer, io: LdaIo): Promise<number> {
  if (recipients.length > 1 && io.uid === 0 && io.self !== undefined) {
    let worst = EX_OK;
    for (const r of recipients) {
      const code = await runChild(io, [...optionsFor(args), '-d', r], message);
      if (code !== EX_OK && worst === EX_OK) worst = code;
    }
    return worst;
  }
  let worst = EX_OK;
  for (const r of recipients) {
    const code = await deliverTo(args, r, message, io);
    if (code !== EX_OK && worst === EX_OK) worst = code;
  }
  return worst;
}

async function deliverTo(args: LdaArgs, name: string, message: Buffer, io: LdaIo): Promise<number> {
  const user = io.userdb.byName(name);
  if (user === null) {
    io.stderr.write(`${LOG_PREFIX}Unknown user "${name}"\n`);
    return EX_NOUSER;
  }
  if (io.uid === 0) {
    if (user.uid !== 0) {
      // Before any rcfile is read (procmail.md §9; Ubuntu bug 407459): the recipient's rcfile runs as the recipient.
      if (io.switchUser === undefined) throw new Error('cannot switch to the recipient');
      io.switchUser(user, io.userdb.groupsOf(user.name, user.gid));
    }
  } else if (user.uid !== io.uid) {
    io.stderr.write(`${LOG_PREFIX}Insufficient privileges\n`);
    return EX_NOPERM;
  }
  return processMessage({ ...args, preserve: false }, user, message, io);
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
    child.on('close', (code) => resolve(code === null || code === 1 ? EX_TEMPFAIL : code));
  });
}

async function processMessage(args: LdaArgs, user: UserEntry, raw: Buffer, io: LdaIo): Promise<number> {
  const delivery = args.recipients !== null;
  const named = !delivery && args.rcfiles.length > 0;
  const firstRc = named ? args.rcfiles[0]! : null;
  const env = initialEnvironment({
    inherited: io.env,
    preserve: args.preserve && !delivery,
    filter: args.filter,
    rcfileNamed: named,
    dotRcfile: firstRc !== null && (firstRc.startsWith('./') || (args.filter && !isAbsolute(firstRc))),
    user,
    hostname: io.hostname,
  });
  const assignments = args.assignments.map(splitAssignment);
  const message = applyFromLine(raw, {
    generate: delivery || args.from !== null,
    from: args.from,
    invoker: io.userdb.byUid(io.uid)?.name ?? user.name,
    now: new Date(io.clock.now()),
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
  });
  const complain = (text: string) => answerer.log.error(text);
  const { programs, chain } = loadPrograms(args, user, io, complain);

  const input: EngineInput = {
    programs,
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
  };
  try {
    const outcome = await drive(evaluate(input), answerer);
    if (outcome.stderr !== null) io.stderr.write(outcome.stderr);
    // Exit 1 means "bounce" to Postfix and is never ours to give (sysexits.ts).
    return outcome.exitCode === 1 ? EX_TEMPFAIL : outcome.exitCode;
  } finally {
    answerer.finish();
  }
}

function splitAssignment(a: string): { name: string; value: string } {
  const i = a.indexOf('=');
  return { name: a.slice(0, i), value: a.slice(i + 1) };
}

/**
 * The rcfiles to run (procmail.md §6.1, §6.2): -m's rcfile relative to the
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
      if (!exists(path)) continue;
      const p = read(path, rc, rc.startsWith('./') ? 'none' : 'loose');
      if (p !== null) out.push(p);
    }
    // Command-line rcfiles: the next runs only after a HOST mismatch (procmail.md §1.7).
    return { programs: out, chain: 'host-mismatch' };
  }
  const system = args.preserve ? undefined : SYSTEM_RCFILES.find(exists);
  const userRc = USER_RCFILES.map((f) => join(home, f)).find(exists);
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
 * The extension answers (src/ext/answer.ts), loaded on the first extension
 * request only; nodemailer itself loads later still, inside the send answer.
 */
async function extAnswers(io: LdaIo): Promise<ExtAnswers> {
  const ext = await import('../ext/answer.js');
  return {
    lookup: (r, cwd) => ext.answerLookup(r, io.fs, cwd),
    replyCache: (r, cwd) => ext.answerReplyCache(r, io.fs, io.clock, cwd),
    send: (r, cwd) => ext.answerSend(r, { spawn: io.spawn, clock: io.clock, hostname: io.hostname, fs: io.fs, cwd }),
  };
}
