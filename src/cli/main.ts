import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { enableLinearRegexFallback } from '../regex-engine.js';
import { EX_SOFTWARE, EX_USAGE } from '../sysexits.js';
import { runCheck } from './check.js';
import { runTest } from './test-command.js';
import { CLI_OPTIONS, SUBCOMMANDS, unknownCommand } from './subcommands.js';
import { addToSieveCommand } from './to-sieve.js';

const RUN_HELP = "'mailrules --help' lists the commands; 'mailrules -h' the delivery agent's options (procmail's)\n";

/**
 * The developer CLI: subcommands only. Procmail's own command line (the
 * delivery agent) lives in deliver-main.ts and never loads this file, so a
 * commander error can never reach an MTA as exit 1 (node-stack.md §7.2).
 */
export async function main(argv: readonly string[]): Promise<number> {
  enableLinearRegexFallback();
  let exitCode = 0;
  const program = new Command()
    .name('mailrules')
    .description('A procmail-compatible mail filter. Without a subcommand, mailrules takes procmail\'s command line and delivers the message on stdin.')
    .version(readVersion(), '--version')
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
    .action((files: string[], opts: { json?: boolean }) => {
      exitCode = runCheck(files, { json: opts.json === true }, {
        stdout: (s: string) => process.stdout.write(s),
        stderr: (s: string) => process.stderr.write(s),
        readFile: (p: string) => readFileSync(p, 'latin1'),
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
    .option('--compare <old-rc>', 'list messages whose fate differs under OLD-RC')
    .action(async (rcfile: string, inputs: string[], opts: Record<string, unknown>) => {
      exitCode = await runTest(rcfile, inputs, opts);
    });

  addToSieveCommand(program, (code) => (exitCode = code));

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

function readVersion(): string {
  // The bundle lives in dist/, package.json one level up.
  for (const p of [`${__dirname}/../package.json`, `${__dirname}/../../package.json`]) {
    try {
      return (JSON.parse(readFileSync(p, 'utf8')) as { version: string }).version;
    } catch {
      /* try the next location */
    }
  }
  return 'unknown';
}
