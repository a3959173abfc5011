/**
 * The developer CLI's subcommands, in one place: the dispatch between the
 * two programs behind bin/mailrules (bin-entry.ts), the CLI itself
 * (main.ts, which refuses to run a command missing here) and the
 * suggestions for a mistyped one all read this list.
 */
export const SUBCOMMANDS: readonly string[] = ['check', 'test', 'to-sieve', 'lmtp', 'help'];

/** commander's own options, which select the developer CLI too. */
export const CLI_OPTIONS: readonly string[] = ['--help', '--version'];

/**
 * Which program an argument list is for. Procmail's command line never
 * starts with a subcommand's name, so a known name goes to the CLI. A first
 * argument that looks like a mistyped one (a long option, or a word close to
 * a subcommand's name) and is no readable file goes there too, to be refused
 * with exit 64 before stdin is read: otherwise the delivery agent would take
 * it for an rcfile, say `Couldn't read`, and deliver whatever stdin holds to
 * the default mailbox (at a terminal, after waiting for it). Anything else
 * (options, assignments, rcfiles, a word like no subcommand) is procmail's,
 * which keeps an MTA's command line with a missing rcfile delivering as
 * procmail does. `readable` says whether the word names a file procmail
 * would read (relative to the cwd or the home directory).
 */
export function routeOf(first: string | undefined, readable: (word: string) => boolean): 'cli' | 'deliver' {
  if (first === undefined) return 'deliver';
  if (SUBCOMMANDS.includes(first) || CLI_OPTIONS.includes(first)) return 'cli';
  const mistyped = /^--[A-Za-z]/.test(first) || (/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(first) && suggestionFor(first) !== null);
  return mistyped && !readable(first) ? 'cli' : 'deliver';
}

/** What the CLI says about a first argument that is no subcommand: `unknown command 'chek' (did you mean check?)`. */
export function unknownCommand(word: string): string {
  const s = suggestionFor(word);
  return `unknown command '${word}'${s === null ? '' : ` (did you mean ${s}?)`}`;
}

/** The subcommand or CLI option `word` is closest to, when it is close: one edit for short names, more for long ones. */
export function suggestionFor(word: string): string | null {
  const bare = word.replace(/^--?/, '').toLowerCase();
  let best: { name: string; d: number } | null = null;
  // `--hlep` is closer to --help than to help: options first for a word that looks like one.
  for (const name of word.startsWith('--') ? [...CLI_OPTIONS, ...SUBCOMMANDS] : [...SUBCOMMANDS, ...CLI_OPTIONS]) {
    const target = name.replace(/^--/, '');
    const d = editDistance(bare, target);
    if (d <= Math.max(1, Math.floor(target.length / 3)) && (best === null || d < best.d)) best = { name, d };
  }
  return best?.name ?? null;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return Math.abs(a.length - b.length);
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
