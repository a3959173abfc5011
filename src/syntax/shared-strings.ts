import { LEXER_SHARED_STRING_LENGTH, LEXER_SHARED_STRINGS } from '../limits.js';

/*
 * The AST keeps a string per node, and every young-generation GC copies what
 * the AST keeps (bench/parse.mjs). Short strings that recur on most
 * statements are shared instead of sliced again: recipe headers and flags
 * (`:0`, `:0:`, `fw`), variable names (`HOME`, `LOG`). JavaScript strings
 * are values, so sharing is invisible. The lexer shares trivia (newlines
 * and an indentation) its own way.
 */
const SHARED = new Map<string, string>();

/** `s`, or an equal string kept from before (the first LEXER_SHARED_STRINGS short ones are kept). */
export function shared(s: string): string {
  if (s.length < 2 || s.length > LEXER_SHARED_STRING_LENGTH) return s;
  const hit = SHARED.get(s);
  if (hit !== undefined) return hit;
  if (SHARED.size < LEXER_SHARED_STRINGS) SHARED.set(s, s);
  return s;
}
