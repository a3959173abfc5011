/**
 * Parse an rc file: the lexer (lexer.ts) reads every statement, and a stack
 * here nests the blocks (grammar/README.md gives the structure as EBNF).
 * Never throws: every problem is a Diagnostic.
 */
import { diagnostic, type Diagnostic } from '../source/diagnostic.js';
import type { Item, RcFile } from './ast.js';
import { appended, blockRecipe } from './build.js';
import { RcLexer } from './lexer.js';
import type { BlockHead, Token } from './tokens.js';

export interface ParseResult {
  readonly ast: RcFile;
  readonly diagnostics: Diagnostic[];
}

/** The items of the file, and why the tokens do not nest, or null (not nesting is a bug in the lexer, which balances braces). */
export interface Nested {
  readonly items: Item[];
  readonly error: string | null;
}

/**
 * The block structure, `items = { statement | head items close }`: each
 * `head` opens a block whose items go on a list of their own until its
 * `close`. A token's run of statements belongs to the innermost open list,
 * before the head's recipe or at the end of the block it closes.
 */
export function nestTokens(next: () => Token | undefined): Nested {
  /** The lists of the enclosing blocks, and the head of each open block. */
  const outer: Item[][] = [];
  const heads: BlockHead[] = [];
  let items: Item[] = [];
  for (let t = next(); t !== undefined; t = next()) {
    if (t.type === 'statements') {
      items = appended(items, t.value);
    } else if (t.type === 'head') {
      outer.push(appended(items, t.value.before));
      heads.push(t.value.brace);
      items = [];
    } else {
      const head = heads.pop();
      if (head === undefined) return { items, error: 'a closing brace with no block open' };
      const list = outer.pop()!;
      list.push(blockRecipe(head, appended(items, t.value.before), t.value.brace));
      items = list;
    }
  }
  if (heads.length > 0) return { items: outer[0]!, error: `${heads.length} block(s) left open` };
  return { items, error: null };
}

export function parseRc(text: string, file: string): ParseResult {
  const lexer = new RcLexer(file, text);
  // The whole file: line 1, column 1 (no need to index lines for that).
  const span = { file, line: 1, col: 1, start: 0, end: text.length };
  const diagnostics = lexer.diagnostics;
  let nested: Nested;
  try {
    nested = nestTokens(() => lexer.next());
  } catch (err) {
    // The lexer reads any text; an exception from it is a bug, reported rather than thrown.
    nested = { items: [], error: err instanceof Error ? err.message.split('\n')[0]! : String(err) };
  }
  if (nested.error !== null) diagnostics.push(diagnostic('error', 'internal', `internal parser error: ${nested.error}`, span));
  return { ast: { kind: 'rcfile', span, raw: text, items: nested.items, trail: lexer.trail }, diagnostics };
}
