/**
 * What the lexer (lexer.ts) hands the parser (parse.ts). A token is a run of
 * statements, nodes already built, together with the brace that ends it:
 * `head` ends with a recipe up to the `{` of its block action, `close` with
 * its `}`, and `statements` is the run left at the end of the file. Only the
 * nesting is left to the parser, which needs the braces and nothing else.
 */
import type { Span } from '../source/span.js';
import type { Condition, Item, RecipeHeader } from './ast.js';

/**
 * A recipe header together with the conditions after it. procmail reads them
 * in one loop (misc.c conditions()), and so does the lexer.
 */
export interface HeaderGroup {
  /** The header's span and raw text. */
  readonly span: Span;
  readonly raw: string;
  /** Trivia before the header: it becomes the recipe's lead. */
  readonly lead: string;
  readonly header: RecipeHeader;
  readonly conditions: readonly Condition[];
  /** The whole text, so build.ts can take the recipe's raw text as one slice. */
  readonly source: string;
}

/** The `head` token's brace: a recipe up to the `{` of its block action; the parser reads the block. */
export interface BlockHead extends HeaderGroup {
  readonly open: BraceToken;
}

/** `{` or `}`; a `}` supplied for a missing closing brace has `missing` set and empty raw. */
export interface BraceToken {
  readonly span: Span;
  readonly raw: string;
  readonly lead: string;
  readonly missing: boolean;
  /** The whole text, so build.ts can take the block's raw text as one slice. */
  readonly source: string;
}

/** A `head` or `close` token's value: the statements before the brace, in the same list as the brace. */
export interface Bounded<T extends BlockHead | BraceToken> {
  readonly before: Item[];
  readonly brace: T;
}

/** A run of statements, alone (at the end of the text) or with the brace after it. */
export type Token =
  | { readonly type: 'statements'; readonly value: Item[] }
  | { readonly type: 'head'; readonly value: Bounded<BlockHead> }
  | { readonly type: 'close'; readonly value: Bounded<BraceToken> };
