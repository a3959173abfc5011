/**
 * What the lexer (lexer.ts) and its line readers (recipe-header.ts,
 * recipe-action.ts) share: the text being read, and the two ways procmail
 * finds where something ends.
 */
import type { Diagnostic } from '../source/diagnostic.js';
import type { SourceText } from './source-text.js';
import { lineEnd, type WordReader } from './word.js';

/** The text with its spans, its word reader, and the list the readers' diagnostics go to. */
export interface Reading {
  readonly src: SourceText;
  readonly reader: WordReader;
  readonly diagnostics: Diagnostic[];
}

/** The end of a line that may continue with `\`+newline (procmail's getlline). */
export function logicalLineEnd(text: string, i: number): number {
  for (;;) {
    const nl = lineEnd(text, i);
    if (nl >= text.length || text[nl - 1] !== '\\' || nl === i) return nl;
    i = nl + 1;
  }
}

/** A letter or `_`: what starts a variable name (procmail.c gobenv). */
export function isNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
}
