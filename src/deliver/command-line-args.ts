/**
 * procmail's command line (procmail(1); docs/procmail-semantics.md §6.1), scanned the way
 * procmail.c does it: options until the first argument not starting with
 * `-` (or `--`), letters combinable (`-tY`), `-f`/`-a` take the rest of the
 * word or the next argument (which may be empty or start with `-`), `-d`
 * takes every remaining argument as a recipient, and under `-m` the
 * arguments after the rcfile are `$1`… even when they look like options.
 * Hand-rolled on purpose: a generic parser would swallow `-m test`
 * (docs/node-runtime.md §7.2).
 */
export interface LdaArgs {
  readonly action: 'run' | 'version' | 'usage';
  readonly preserve: boolean;
  readonly tempfail: boolean;
  readonly override: boolean;
  readonly berkeley: boolean;
  readonly filter: boolean;
  /** -f/-r: sender for the From_ line; '-' only refreshes the date. */
  readonly from: string | null;
  /** -d recipients, or null when not in delivery mode. */
  readonly recipients: readonly string[] | null;
  /** `VAR=value` arguments, in order. */
  readonly assignments: readonly string[];
  readonly rcfiles: readonly string[];
  /** `$1`…: -a arguments, or under -m the arguments after the rcfile. */
  readonly args: readonly string[];
  /** procmail's complaints, already worded (`Unrecognised options: "x"`, `Missing name`…), without prefix. */
  readonly warnings: readonly string[];
  /** -z: procmail answers `LMTP support not enabled` and exits 64. */
  readonly lmtp: boolean;
}

export function parseLdaArgs(argv: readonly string[]): LdaArgs {
  let action: LdaArgs['action'] = 'run';
  let preserve = false;
  let tempfail = false;
  let override = false;
  let berkeley = false;
  let filter = false;
  let lmtp = false;
  let from: string | null = null;
  let recipients: string[] | null = null;
  const aArgs: string[] = [];
  const warnings: string[] = [];
  let i = 0;
  scan: for (; i < argv.length; i++) {
    const word = argv[i]!;
    if (!word.startsWith('-')) break;
    if (word === '--') {
      i++;
      break;
    }
    const unknown: string[] = [];
    for (let j = 1; j < word.length; j++) {
      const c = word[j]!;
      switch (c) {
        case 'v':
          if (action === 'run') action = 'version';
          continue;
        case 'h':
        case '?':
          action = 'usage';
          continue;
        case 'p':
          preserve = true;
          continue;
        case 't':
          tempfail = true;
          continue;
        case 'o':
          override = true;
          continue;
        case 'Y':
        case 'y':
          berkeley = true;
          continue;
        case 'm':
          filter = true;
          continue;
        case 'z':
          lmtp = true;
          continue;
        case 'f':
        case 'r':
        case 'a': {
          let value: string | undefined = word.slice(j + 1);
          if (value === '') value = argv[++i];
          if (value === undefined) warnings.push(c === 'a' ? 'Missing argument' : 'Missing name');
          else if (c === 'a') aArgs.push(value);
          else from = value;
          continue scan;
        }
        case 'd': {
          const rest = word.slice(j + 1);
          const list = rest !== '' ? [rest, ...argv.slice(i + 1)] : argv.slice(i + 1);
          i = argv.length;
          if (list.length === 0) warnings.push('Missing recipient');
          else recipients = list;
          break scan;
        }
        case '-': {
          // procmail stops at a '-' in a word, and what follows it is unrecognised (verified:
          // `--tset` says "tset", `-t--x` says "-x", `-t-` nothing); `--` alone ends the options (above).
          const rest = word.slice(j + 1);
          if (rest !== '') unknown.push(rest);
          j = word.length;
          break;
        }
        default:
          unknown.push(c);
      }
    }
    if (unknown.length > 0) warnings.push(`Unrecognised options: "${unknown.join('')}"`);
  }
  const assignments: string[] = [];
  const rcfiles: string[] = [];
  let args: string[] = aArgs;
  const rest = argv.slice(i);
  if (filter && recipients === null) {
    let k = 0;
    while (k < rest.length && rest[k]!.includes('=')) assignments.push(rest[k++]!);
    if (k < rest.length) {
      rcfiles.push(rest[k]!);
      // -m with -a: -m wins (docs/procmail-semantics.md §9).
      args = rest.slice(k + 1);
    }
  } else {
    for (const w of rest) (w.includes('=') ? assignments : rcfiles).push(w);
  }
  return { action, preserve, tempfail, override, berkeley, filter: filter && recipients === null, from, recipients, assignments, rcfiles, args, warnings, lmtp };
}

export const USAGE = `Usage: mailrules [-vptoY] [-f fromwhom] [parameter=value | rcfile] ...
   Or: mailrules [-toY] [-f fromwhom] [-a argument] ... -d recipient ...
   Or: mailrules [-ptY] [-f fromwhom] -m [parameter=value] ... rcfile [arg] ...
\t-v\t\tdisplay the version number and exit
\t-p\t\tpreserve (most of) the environment upon startup
\t-t\t\tfail softly if mail is undeliverable
\t-f fromwhom\t(re)generate the leading 'From ' line
\t-o\t\toverride the leading 'From ' line if necessary
\t-Y\t\tBerkeley format mailbox, disregard Content-Length:
\t-a argument\twill set $1, $2, etc
\t-d recipient\texplicit delivery mode
\t-m\t\tact as a general purpose mail filter
Recipe flag quick reference:
\tH  egrep header (default)\tB  egrep body
\tD  distinguish case
\tA  also execute this recipe if the common condition matched
\ta  same as 'A', but only if the previous recipe was successful
\tE  else execute this recipe, if the preceding condition didn't match
\te  on error execute this recipe, if the previous recipe failed
\th  deliver header (default)\tb  deliver body (default)
\tf  filter\t\t\ti  ignore write errors
\tc  carbon copy or clone message
\tw  wait for a program\t\tr  raw mode, mail as is
\tW  same as 'w', but suppress 'Program failure' messages
`;
