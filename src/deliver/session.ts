import { resolve as resolvePath } from 'node:path';
import { evaluate } from '../eval/evaluate.js';
import { drive } from '../eval/drive.js';
import type { EngineInput } from '../eval/input.js';
import { EX_TEMPFAIL } from '../sysexits.js';
import { DEFAULT_SUSPEND } from '../limits.js';
import { DEFAULT_LOCKEXT, DEFAULT_MAIL_SPOOL, initialEnvironment, rcfileSetsDotMaildir } from '../eval/defaults.js';
import type { LdaIo } from './agent-io.js';
import { DeliveryAnswerer, type ExtAnswers } from './answerer.js';
import type { LdaArgs } from './command-line-args.js';
import { applyFromLine } from './from-line.js';
import { iconvDecode } from './iconv-fallback.js';
import { LOG_PREFIX } from './logfile.js';
import { fullyQualifiedHost } from './mail-host.js';
import { publicSuffixLoader } from './public-suffix-file.js';
import { loadRcfiles } from './rcfiles.js';
import { screenMailbox } from './screen-mailbox.js';
import { udpSend } from './udp.js';
import type { UserEntry } from './userdb.js';
import { watchedAnswerer } from './watch.js';

/**
 * One delivery of one message as one user (procmail.c main, after the
 * options): the environment procmail sets up, the From_ line, the rcfiles
 * (rcfiles.ts), the engine driven by the real answerer, and the exit code.
 * The system mailbox is screened before it (procmail.c screenmailbox).
 */
export async function deliverMessage(args: LdaArgs, user: UserEntry, raw: Buffer, io: LdaIo, systemMailboxOk = true): Promise<number> {
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
    ...(io.pipes ? { pipes: io.pipes } : {}),
    ext: io.ext ?? (() => extAnswers(io)),
    comsat: io.comsat ?? udpSend,
    ...(io.stop ? { stop: io.stop } : {}),
    startTime,
  });
  const complain = (text: string) => answerer.log.error(text);
  const { rcfiles, chain } = loadRcfiles(args, user, io, complain);

  const input: EngineInput = {
    rcfiles,
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
    const outcome = await drive(evaluate(input), io.watch ? watchedAnswerer(answerer, io.watch) : answerer);
    io.watch?.finished(outcome);
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

/** The user's system mailbox, `<spool>/<name>` (none for a user without a passwd entry). */
function systemMailbox(user: UserEntry, io: LdaIo): string | null {
  return user.name.startsWith('#') ? null : `${io.mailSpool ?? DEFAULT_MAIL_SPOOL}/${user.name}`;
}

/** docs/procmail-semantics.md §9 screening of ORGMAIL; its complaints go to stderr (no LOGFILE yet). */
export async function screenSystemMailbox(user: UserEntry, deliveryMode: boolean, io: LdaIo): Promise<'ok' | 'unusable' | 'autoforward'> {
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

/**
 * The extension answers (src/deliver/ext-answers.ts), loaded on the first extension
 * request only; nodemailer itself loads later still, inside the send answer.
 */
async function extAnswers(io: LdaIo): Promise<ExtAnswers> {
  const ext = await import('./ext-answers.js');
  return {
    lookup: (r, cwd) => ext.answerLookup(r, io.fs, cwd),
    replyCache: (r, cwd, names) => ext.answerReplyCache(r, io.fs, io.clock, names, cwd),
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
