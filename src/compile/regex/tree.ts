/**
 * A node of a procmail regex's parse tree (parser.ts), built the way
 * regexp.c's por()/pnorm()/psimp() read the text. Nodes are never modified,
 * so they may be shared. The one reading of procmail's dialect: the
 * automaton is built from it (nfa-builder.ts), and src/sieve translates it
 * to POSIX ERE.
 */
export type ProcRegexNode =
  | { readonly k: 'char'; readonly c: number }
  | { readonly k: 'set'; readonly bits: Uint8Array }
  | { readonly k: 'dot' }
  /** `^` or `$`: a newline, real or virtual. */
  | { readonly k: 'nl' }
  /** `^^`: the start or the end of the area. */
  | { readonly k: 'anchor2' }
  /** `\/`: where MATCH begins. */
  | { readonly k: 'bom' }
  | { readonly k: 'group'; readonly alts: ProcRegexNode[][] }
  | { readonly k: 'star' | 'plus' | 'opt'; readonly x: ProcRegexNode };
