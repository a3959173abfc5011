import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { enableLinearRegexFallback } from '../v8-flags.js';
import { EX_SOFTWARE, EX_USAGE } from '../sysexits.js';
import { mailrulesVersion } from '../version.js';
import { hostname } from 'node:os';
import { dryRunEnv, passwdUser } from '../dryrun/env.js';
import { runCheck } from './check.js';
import { lmtpCommand } from './lmtp-command.js';
import { runTest, type TestIo } from './test-command.js';
import { CLI_OPTIONS, SUBCOMMANDS, unknownCommand } from './subcommands.js';
import { addToSieveCommand } from './to-sieve.js';

const RUN_HELP = "'mailrules --help' lists the commands; 'mailrules -h' the delivery agent's options (procmail's)\n";

/**
 * The developer CLI: subcommands only. Procmail's own command line (the
 * delivery agent) lives in delivery-agent-entry.ts and never loads this file, so a
 * commander error can never reach an MTA as exit 1. `testIo` replaces the
 * process's for `test` (the differential proof runs it in-process).
 */
export async function runSubcommandCli(argv: readonly string[], testIo?: TestIo): Promise<number> {
  enableLinearRegexFallback();
  let exitCode = 0;
  const program = new Command()
    .name('mailrules')
    .description('A procmail-compatible mail filter. Without a subcommand, mailrules takes procmail\'s command line and delivers the message on stdin.')
    .version(mailrulesVersion(), '--version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) })
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  mailrules check ~/.procmailrc',
        '  mailrules test ~/.procmailrc MAILDIR=$HOME/Mail saved.mbox',
        '  mailrules test --trace rules.rc message.eml',
        '  mailrules test --expect expected.txt rules.rc messages/',
        '  mailrules to-sieve ~/.procmailrc -o dovecot.sieve',
        '  mailrules -d alice < message            (deliver, as procmail would)',
        '',
        "The delivery agent's own options (procmail's): mailrules -h",
      ].join('\n'),
    );

  program
    .command('check')
    .description('compile rc files, following literal INCLUDERC/SWITCHRC, and report every problem')
    .argument('<rcfile...>', 'rc files to check')
    .option('--json', 'print diagnostics as JSON')
    .option('-q, --quiet', 'print the problems only, without the summary line')
    .action((files: string[], opts: { json?: boolean; quiet?: boolean }) => {
      const u = passwdUser();
      exitCode = runCheck(files, { json: opts.json === true, quiet: opts.quiet === true }, {
        stdout: (s: string) => process.stdout.write(s),
        stderr: (s: string) => process.stderr.write(s),
        readFile: (p: string) => readFileSync(p, 'latin1'),
        env: dryRunEnv({ ...u, hostname: hostname(), tz: process.env.TZ }),
      });
    });

  program
    .command('test')
    .description('dry-run: show what the rules would do to saved messages, delivering nothing')
    .argument('<rcfile>', 'the rc file')
    .argument('<inputs...>', 'VAR=value assignments, then messages: a file, mbox, maildir, MH folder, directory, glob or -')
    .option('--trace', 'show every condition')
    .option('--json', 'one JSON object per message (JSON Lines)')
    .option('--no-exec', 'do not run ? conditions, filters or backticks; assume answers')
    .option('--answers <file>', 'answers for programs (JSON)')
    .option('--expect <file>', 'lines "message-path  expected-destination": exit 1 on any mismatch')
    .option('--compare <old-rc>', 'list messages whose fate differs under OLD-RC; exit 1 if any (--trace: trace only those)')
    .option('--changes-ok', 'with --compare, exit 0 even when fates change')
    .option('--scratch', 'run pipes and programs in a scratch copy of MAILDIR, so their answers are real')
    .option('--one-message', 'each file is one message, as the MTA hands it over (no mbox splitting)')
    .option('-f, --from <sender>', "procmail's -f: make the From_ line with this envelope sender")
    .option('-a, --arg <argument>', "procmail's -a: $1, $2, … (repeat for each)", (v: string, prev: string[] = []) => [...prev, v])
    .option('-Y, --berkeley', "procmail's -Y: Berkeley mbox format, Content-Length ignored")
    .option('-t, --tempfail', "procmail's -t: undeliverable mail exits 75, not 73")
    .option('-p, --preserve', "procmail's -p: keep the environment")
    .option('-m, --filter', "procmail's -m: general-purpose filter (no ORGMAIL; DEFAULT only when assigned)")
    .addHelpText('after', TEST_HELP)
    .action(async (rcfile: string, inputs: string[], opts: Record<string, unknown>) => {
      exitCode = await runTest(rcfile, inputs, opts, testIo);
    });

  addToSieveCommand(program, (code) => (exitCode = code));
  program.addCommand(lmtpCommand((code) => (exitCode = code)));

  // A command registered above but not in subcommands.ts would never be dispatched here by bin/mailrules.
  const unlisted = program.commands.map((c) => c.name()).filter((n) => !SUBCOMMANDS.includes(n));
  if (unlisted.length > 0) {
    process.stderr.write(`mailrules: internal error: src/cli/subcommands.ts does not list ${unlisted.join(', ')}\n`);
    return EX_SOFTWARE;
  }
  // What bin/mailrules sends here without being a command (subcommands.ts routeOf): a mistyped one.
  const first = argv[0];
  if (first !== undefined && !SUBCOMMANDS.includes(first) && !CLI_OPTIONS.includes(first) && !/^-[^-]/.test(first)) {
    process.stderr.write(`mailrules: ${unknownCommand(first)}\n${RUN_HELP}`);
    return EX_USAGE;
  }
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? 0 : EX_USAGE;
    }
    process.stderr.write(`mailrules: internal error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    return EX_SOFTWARE;
  }
  return exitCode;
}

const TEST_HELP = `
Messages: a file (an mbox is split at its From_ lines, unless --one-message),
a maildir (in delivery order), an MH folder, a directory, a glob, or - (stdin).

The environment is procmail's for \`procmail RCFILE\`: HOME, LOGNAME and SHELL
come from your passwd entry, as in procmail, whatever your shell says; pass
HOME=... (or any VAR=value, after the rc) to override. MAILDIR starts at HOME;
MAILDIR=dir on the command line is taken relative to the current directory.

What runs: ? conditions, filters, backticks, VAR=| captures, and a TRAP whose
status becomes the exit code (--no-exec assumes exit 0, the message unchanged,
empty output; --answers FILE gives answers). Delivering pipes and forwards never
run: where the outcome rests on a pipe's exit status (w, W) it is assumed, exit
0 for w and exit 1 for W (formail -D: "not a duplicate"), and the line says so;
--scratch runs pipes in a scratch copy of MAILDIR instead. A folder delivery is
predicted from a look at the file system (what would be created, what would
fail and fall back to DEFAULT); nothing is ever written.

--expect FILE: lines "message-path  destination", the destination written as
the report's: folders as the rc names them (inbox/, spam, "a/ b/." for one
delivery to several), "! addr..." for a forward, "| command" for a pipe,
@discard, "@bounce -> addr", "@reply -> addr", "@reply refused", @reject;
bounce or requeue when nothing could be delivered, nothing on a HOST mismatch.
What handled a message, in order, joined by " + " (a c copy, then the final
delivery): "backup/. + inbox/". DEFAULT alone matches any message that fell
off the end of the rc; last after others it is that fall-back delivery:
"@reply -> a@b + DEFAULT".`;
