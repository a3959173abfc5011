/**
 * What a recipe header says, read from its words the way procmail.c reads
 * the `:` line after readparse() has split (and expanded) it: strtol for the
 * number, then flag letters across the words, a `:` whose rest or next word
 * is the lockfile, and leftovers from the first other character on
 * (docs/procmail-semantics.md §1.4). recipe-header.ts reads literal headers with it, the engine
 * headers it can only read once their `$` and backquotes are expanded.
 */

/** procmail's flag letters (RECFLAGS in config.h; docs/procmail-semantics.md §2). */
export const RECFLAGS = 'HBDAahbfcwWiEer';

/** A place in the words: word index and character offset. */
export interface WordAt {
  readonly word: number;
  readonly from: number;
}

export interface HeaderFields {
  /** The number after `:`; -1 when there is none. */
  readonly count: number;
  /** The valid flag letters in order. */
  readonly flags: string;
  readonly hasLock: boolean;
  /** Where the lockfile's name starts (it runs to the end of that word), or null. */
  readonly lock: WordAt | null;
  /** Where the leftovers procmail logs as `Skipped` start, or null. */
  readonly leftover: WordAt | null;
}

export function readHeaderFields(words: readonly string[]): HeaderFields {
  let count = -1;
  let w = 0;
  let k = 0;
  const first = words[0] ?? '';
  const sign = first[0] === '-' || first[0] === '+' ? 1 : 0;
  let d = sign;
  while (d < first.length && first.charCodeAt(d) >= 0x30 && first.charCodeAt(d) <= 0x39) d++;
  if (d > sign) {
    count = Number.parseInt(first.slice(0, d), 10);
    k = d;
  }
  let flags = '';
  for (;;) {
    const word = words[w];
    if (word === undefined) return { count, flags, hasLock: false, lock: null, leftover: null };
    const c = word[k];
    if (c === undefined) {
      w++;
      k = 0;
      continue;
    }
    if (c === ' ' || c === '\t') {
      k++;
      continue;
    }
    if (c === ':') {
      let lock: WordAt | null = null;
      let next = w + 1;
      if (k + 1 < word.length) lock = { word: w, from: k + 1 };
      else if (w + 1 < words.length) {
        lock = { word: w + 1, from: 0 };
        next = w + 2;
      }
      return { count, flags, hasLock: true, lock, leftover: next < words.length ? { word: next, from: 0 } : null };
    }
    if (!RECFLAGS.includes(c)) return { count, flags, hasLock: false, lock: null, leftover: { word: w, from: k } };
    flags += c;
    k++;
  }
}

/** The leftover text as procmail logs it: the rest of the words, joined by blanks (pipes.c concatenate). */
export function leftoverText(words: readonly string[], at: WordAt): string {
  return [words[at.word]!.slice(at.from), ...words.slice(at.word + 1)].join(' ');
}
