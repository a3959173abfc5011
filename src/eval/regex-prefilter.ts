import type { ProcRegex } from '../compile/regex/translate.js';
import { regexWork } from './regex-dfa.js';

/**
 * Whether a search of S from `p0` can match at all, by what every match
 * contains (ProcRegex.required: for each entry, one of its strings): when
 * an entry's strings all fail to occur in S from `p0` on, nothing matches,
 * and the search builds and runs no automaton.
 *
 * A scoring loop asks again from later and later positions: where each
 * string next occurs is remembered per (pattern, S), so the text is read
 * once per string, not once per match, and an occurrence found lies in the
 * stretch the automaton reads anyway (the match contains it), or past the
 * last match.
 */
export function mayMatch(rx: ProcRegex, S: string, p0: number): boolean {
  const required = rx.required;
  if (required.length === 0) return true;
  let seen = occurrences.get(rx);
  if (seen === undefined || seen.S !== S) {
    seen = { S, from: required.map((r) => r.map(() => Infinity)), at: required.map((r) => r.map(() => NONE)) };
    occurrences.set(rx, seen);
  }
  for (let i = 0; i < required.length; i++) {
    const words = required[i]!;
    let any = false;
    for (let j = 0; j < words.length; j++) {
      // at is the first occurrence at or after from (or NONE): still the first from p0 on if p0 lies between.
      let at = seen.at[i]![j]!;
      if (!(seen.from[i]![j]! <= p0 && (at === NONE || at >= p0))) {
        at = S.indexOf(words[j]!, p0);
        seen.from[i]![j] = p0;
        seen.at[i]![j] = at;
        regexWork.chars += (at === NONE ? S.length : at + words[j]!.length) - p0;
      }
      if (at !== NONE) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  return true;
}

const NONE = -1;

/** Per pattern: the last text searched and, per required string, where it next occurs from where it was looked for. */
const occurrences = new WeakMap<ProcRegex, { S: string; from: number[][]; at: number[][] }>();
