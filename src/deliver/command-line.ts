import { EX_NOINPUT, EX_OK, EX_TEMPFAIL, EX_USAGE } from '../sysexits.js';
import { MAX_MESSAGE_BYTES } from '../limits.js';
import { DEFAULT_SHELL, PROCMAIL_VERSION } from '../eval/defaults.js';
import type { LdaIo } from './agent-io.js';
import { parseLdaArgs, USAGE } from './command-line-args.js';
import { LOG_PREFIX } from './logfile.js';
import { deliverToRecipients } from './recipients.js';
import { deliverMessage, screenSystemMailbox } from './session.js';

/**
 * procmail's command line as a delivery agent (procmail(1);
 * docs/procmail-semantics.md §6): the options, -h and -v, reading the
 * message, then one delivery (session.ts) or, with -d, one per recipient
 * (recipients.ts), and the sysexits code the MTA gets. Whatever happens,
 * that code is never 1, which Postfix would turn into a bounce.
 */
export async function deliverFromCommandLine(argv: readonly string[], io: LdaIo): Promise<number> {
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
  return deliverMessage(args, user, message, io, screen === 'ok');
}
