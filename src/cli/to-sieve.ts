/**
 * `mailrules to-sieve RCFILE [-o OUT.sieve] [--json] [--separator /|.]
 * [--allow-pipe]`: convert an rc file to a Sieve script for Dovecot's
 * Pigeonhole (src/sieve), with a report of what became of every recipe.
 *
 * Output: the script on stdout, or in OUT; the report on stderr in the
 * diagnostic format, or with --json as one JSON object on stdout (schema in
 * src/sieve/report.ts; it holds the script too unless -o is given).
 * Exit: 0 when everything converted (caveats allowed), 1 when something did
 * not (the script is still written, with a comment where it was), 64 for
 * usage errors, 66 when the rc file cannot be read, 73 when OUT cannot be
 * written.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { convertRc } from '../sieve/convert.js';
import type { Separator } from '../sieve/folders.js';
import { renderJson, renderText, statusOf } from '../sieve/report.js';
import { EX_CANTCREAT, EX_NOINPUT, EX_OK, EX_USAGE } from '../sysexits.js';

export interface ToSieveOptions {
  readonly output?: string;
  readonly json?: boolean;
  readonly separator?: string;
  readonly allowPipe?: boolean;
}

export interface ToSieveIo {
  stdout(s: string | Buffer): void;
  stderr(s: string): void;
  /** A file's text as latin1 (one character per byte), or null when it cannot be read. */
  readFile(p: string): string | null;
  /** Write bytes; throws when it cannot. */
  writeFile(p: string, data: Buffer): void;
  /** Where `$HOME` in file names points (INCLUDERC=$HOME/…); never written into the script. */
  readonly environment: ReadonlyMap<string, string>;
}

/** Exit status when something did not convert. */
export const EXIT_NOT_CONVERTED = 1;

export function runToSieve(rcfile: string, opts: ToSieveOptions, io: ToSieveIo): number {
  const sep = opts.separator ?? '/';
  if (sep !== '/' && sep !== '.') {
    io.stderr(`mailrules to-sieve: --separator must be "/" or ".", not "${sep}"\n`);
    return EX_USAGE;
  }
  const text = io.readFile(rcfile);
  if (text === null) {
    io.stderr(`mailrules to-sieve: cannot read "${rcfile}"\n`);
    return EX_NOINPUT;
  }
  const c = convertRc(text, rcfile, { separator: sep as Separator, allowPipe: opts.allowPipe === true, readFile: io.readFile, environment: io.environment });
  // The rc file was read one byte per character: written back the same way, its bytes stay as they were.
  const script = Buffer.from(c.sieve, 'latin1');
  if (opts.output !== undefined) {
    try {
      io.writeFile(opts.output, script);
    } catch (e) {
      io.stderr(`mailrules to-sieve: cannot write "${opts.output}": ${(e as Error).message}\n`);
      return EX_CANTCREAT;
    }
  }
  if (opts.json === true) {
    io.stdout(renderJson(c.entries, {
      rcfile,
      separator: sep,
      allowPipe: opts.allowPipe === true,
      assumptions: c.assumptions,
      sieve: opts.output === undefined ? script.toString('utf8') : null,
    }));
  } else {
    if (opts.output === undefined) io.stdout(script);
    io.stderr(renderText(c.entries, c.sources));
  }
  return c.entries.some((e) => statusOf(e.reasons) === 'not-convertible') ? EXIT_NOT_CONVERTED : EX_OK;
}

/** The subcommand, added to the developer CLI (main.ts). */
export function addToSieveCommand(program: Command, done: (exitCode: number) => void): void {
  program
    .command('to-sieve')
    .description('convert an rc file to a Sieve script for Dovecot (Pigeonhole), reporting what became of every recipe')
    .argument('<rcfile>', 'the rc file (INCLUDERC files are inlined)')
    .option('-o, --output <file>', 'write the Sieve script to FILE instead of stdout')
    .option('--json', 'print the report as JSON on stdout (with the script, unless -o)')
    .option('--separator <sep>', 'the mailbox hierarchy separator of the Dovecot namespace: "/" or "."', '/')
    .option('--allow-pipe', "convert pipes, filters and ? programs to Pigeonhole's vnd.dovecot.pipe/filter/execute")
    .action((rcfile: string, opts: ToSieveOptions) => {
      done(runToSieve(rcfile, opts, {
        stdout: (s) => process.stdout.write(s),
        stderr: (s) => process.stderr.write(s),
        readFile: (p) => {
          try {
            return readFileSync(p, 'latin1');
          } catch {
            return null;
          }
        },
        writeFile: (p, data) => writeFileSync(p, data),
        environment: new Map(process.env.HOME === undefined ? [] : [['HOME', process.env.HOME]]),
      }));
    });
}
