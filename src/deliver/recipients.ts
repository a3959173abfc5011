import { DEFAULT_MAIL_SPOOL } from '../eval/defaults.js';
import { EX_CANTCREAT, EX_NOPERM, EX_NOUSER, EX_OK, EX_TEMPFAIL } from '../sysexits.js';
import type { LdaIo } from './agent-io.js';
import type { LdaArgs } from './command-line-args.js';
import { LOG_PREFIX } from './logfile.js';
import { deliverMessage, screenSystemMailbox } from './session.js';

/** One delivery's end: `early` when it stopped before processing (unknown user, autoforwarding), as procmail's exit() does. */
interface Delivered {
  readonly code: number;
  readonly early: boolean;
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
export async function deliverToRecipients(args: LdaArgs, recipients: readonly string[], message: Buffer, io: LdaIo): Promise<number> {
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
  return { code: await deliverMessage({ ...args, preserve: false }, user, message, io, screen === 'ok'), early: false };
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
