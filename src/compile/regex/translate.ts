import { BoundedMap } from '../../bounded-map.js';
import { REGEX_TRANSLATION_CACHE_SIZE } from '../../limits.js';
import { expandMacros } from '../macros.js';
import { cString } from './c-string.js';
import { N_BOM, type Nfa } from './nfa.js';
import { NfaBuilder } from './nfa-builder.js';
import { parenError } from './paren-scan.js';
import { parseProcRegex } from './parser.js';
import { requiredStrings } from './required-strings.js';
import type { ProcRegexNode as Node } from './tree.js';

/**
 * procmail's regex dialect (procmailrc(5); regexp.c) compiled to a small
 * Thompson NFA (nfa.ts), a re-implementation of procmail's own automaton.
 *
 * src/eval/regex-dfa.ts answers "does it match, and where does the
 * first match end" with a lazily built DFA of this automaton;
 * src/eval/regex-search.ts simulates the automaton itself for what depends on
 * procmail's matching order (the MATCH `\/` split). Both take time linear in
 * the text searched, whatever the pattern: no pattern can hang delivery
 * (regexp.c is a Thompson simulation too). No RegExp is built from a
 * pattern: V8's backtracking engine is quadratic on `.*x` over a long line
 * even where its linear fallback is on, since a greedy loop's backtracking
 * is not counted. Case-insensitivity is done by lowercasing ASCII in both
 * the pattern and the searched text, A–Z only, as procmail does.
 *
 * Parsing (parser.ts) and building (nfa-builder.ts) are iterative: a pattern
 * may nest groups thousands deep, which procmail compiles (its recursion is
 * C's, on an 8 MB stack).
 */
export interface ProcRegex {
  /** The pattern as written in the condition (before macro expansion). */
  readonly pattern: string;
  /** The pattern contains `\/`: a match assigns MATCH. */
  readonly hasMatchSplit: boolean;
  /** False when the text must be searched ASCII-lowercased (the default, and always after `^FROM_DAEMON`). */
  readonly caseSensitive: boolean;
  /** The automaton every search runs (src/eval/regex-search.ts, src/eval/regex-dfa.ts). */
  readonly nfa: Nfa;
  /**
   * What every match contains (requiredStrings()): each entry a list of
   * strings of which a match contains one. A search of a text lacking one
   * entry's strings builds no automaton.
   */
  readonly required: readonly (readonly string[])[];
}

export type TranslateResult = { ok: true; regex: ProcRegex } | { ok: false; error: string };

// Patterns come from rc files and `$`-expanded conditions: bounded, so expansion cannot grow them forever.
const cacheSensitive = new BoundedMap<string, TranslateResult>(REGEX_TRANSLATION_CACHE_SIZE);
const cacheInsensitive = new BoundedMap<string, TranslateResult>(REGEX_TRANSLATION_CACHE_SIZE);

/**
 * Translate a procmail regex (docs/procmail-semantics.md §3). `caseSensitive` is the recipe's
 * `D` flag; `^FROM_DAEMON` overrides it (§3.3). Results are cached per
 * (pattern, case). An error means procmail would log `Invalid regexp`.
 */
export function translateRegex(pattern: string, opts: { caseSensitive: boolean }): TranslateResult {
  const cache = opts.caseSensitive ? cacheSensitive : cacheInsensitive;
  const hit = cache.get(pattern);
  if (hit) return hit;
  const result = translateUncached(pattern, opts.caseSensitive);
  cache.set(pattern, result);
  return result;
}

function translateUncached(pattern: string, caseSensitiveFlag: boolean): TranslateResult {
  const expanded = expandMacros(cString(pattern));
  const caseSensitive = caseSensitiveFlag && !expanded.forceCaseInsensitive;
  const alts = parseProcRegex(expanded.pattern, !caseSensitive);
  if (typeof alts === 'string') return { ok: false, error: alts };
  return { ok: true, regex: new TranslatedRegex(pattern, caseSensitive, alts, expanded.pattern.includes('\\/')) };
}

/**
 * A translation whose automaton is built on first use: most conditions of
 * an rc file fail on most messages for want of one of their required
 * strings (src/eval/regex-search.ts looks for them first), and need none (a delivery
 * translates its conditions in a new process, where building costs).
 */
class TranslatedRegex implements ProcRegex {
  // Declared and set in the constructor: as compiled, field initializers cost a call per instance.
  declare readonly pattern: string;
  declare readonly caseSensitive: boolean;
  declare readonly required: readonly (readonly string[])[];
  declare readonly hasMatchSplit: boolean;
  private declare tree: Node[][] | null;
  private declare built: Nfa | null;
  constructor(pattern: string, caseSensitive: boolean, tree: Node[][], mayHaveSplit: boolean) {
    this.pattern = pattern;
    this.caseSensitive = caseSensitive;
    this.required = requiredStrings(tree);
    this.tree = tree;
    this.built = null;
    // A `\/` in the text may be quoted (`\\/`) or in a class: only the automaton says.
    this.hasMatchSplit = mayHaveSplit && this.nfa.kind.includes(N_BOM);
  }

  get nfa(): Nfa {
    if (this.built === null) {
      const b = new NfaBuilder();
      const start = b.node({ k: 'group', alts: this.tree! }, b.fin);
      this.built = b.build(start);
      this.tree = null;
    }
    return this.built;
  }
}

/**
 * translateRegex()'s verdict alone: null when the pattern translates, else
 * the error. The compiler only needs the verdict, and a check of a big rc
 * file has thousands of distinct patterns, so it neither builds nor caches a
 * translation (each cached one is copied by every young-generation GC while
 * the file is read; bench/parse.mjs): the only errors are unbalanced
 * parentheses, which parenError() finds from the text. The verdict depends
 * neither on the case flag nor on anything but the pattern.
 */
export function regexError(pattern: string, opts: { caseSensitive: boolean }): string | null {
  const hit = (opts.caseSensitive ? cacheSensitive : cacheInsensitive).get(pattern);
  if (hit) return hit.ok ? null : hit.error;
  return parenError(expandMacros(cString(pattern)).pattern);
}
