import type { ProcRegexNode as Node } from './tree.js';

/** Required strings shorter than this are not looked for: nearly every text holds them. */
const REQUIRED_MIN_LENGTH = 3;
/** How many requirements a search checks (a String#indexOf per string). */
const REQUIRED_MAX = 3;
/** Most alternatives a requirement may list. */
const REQUIRED_ALTERNATIVES = 8;

/**
 * What every match contains, in a pattern of one alternative: the runs of
 * plain characters (a `^` or `$` is a newline) among its top-level atoms,
 * and the top-level groups whose alternatives are each such a run (a match
 * contains one of them); the few most telling, folded as the pattern is.
 * Most conditions of an rc file fail on most messages for want of such a
 * string (`^Subject:.*(viagra|cialis)`), which String#indexOf finds
 * natively: the search then needs no automaton (grep and RE2 filter the
 * same way).
 */
export function requiredStrings(alts: readonly Node[][]): string[][] {
  if (alts.length !== 1) return [];
  const found: string[][] = [];
  let run = '';
  const endRun = (): void => {
    if (run.length >= REQUIRED_MIN_LENGTH) found.push([run]);
    run = '';
  };
  for (const n of alts[0]!) {
    if (n.k === 'char') run += String.fromCharCode(n.c);
    else if (n.k === 'nl') run += '\n';
    else {
      endRun();
      if (n.k === 'group') {
        const words = n.alts.map(literalOf);
        if (words.length <= REQUIRED_ALTERNATIVES && words.every((w) => w !== null && w.length >= REQUIRED_MIN_LENGTH)) found.push(words as string[]);
      }
    }
  }
  endRun();
  // The rarest first, roughly: a longer shortest string.
  const shortest = (r: readonly string[]): number => Math.min(...r.map((w) => w.length));
  return found.sort((a, b) => shortest(b) - shortest(a)).slice(0, REQUIRED_MAX);
}

/** The string an alternative matches when it is plain characters only, else null. */
function literalOf(seq: readonly Node[]): string | null {
  let w = '';
  for (const n of seq) {
    if (n.k === 'char') w += String.fromCharCode(n.c);
    else if (n.k === 'nl') w += '\n';
    else return null;
  }
  return w;
}
