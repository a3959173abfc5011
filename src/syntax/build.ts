/**
 * The grammar's postprocessors, and the recipe assembly they share with the
 * lexer: they only assemble nodes already built (aesthetics.md §2c: keep
 * logic out of the .ne file). A composite node's raw text is its parts'
 * leads and raws joined, which is exactly the source slice it spans, so it
 * is taken as that slice (no concatenation).
 */
import type { Span } from '../source/span.js';
import type { Action, BlockAction, Item, Recipe } from './ast.js';
import type { BlockHead, BraceToken, HeaderGroup, Token } from './lexer.js';
import { exact } from './word.js';

type Data = unknown[];

/** `items -> items %statement`: append in place (the grammar is unambiguous, so no parse shares the array). */
export function pushedValue(d: Data): Item[] {
  const list = d[0] as Item[];
  list.push((d[1] as Token).value as Item);
  return list;
}

/** `items -> items %head items %close`: append the block recipe. */
export function pushedBlock(d: Data): Item[] {
  const list = d[0] as Item[];
  list.push(blockRecipe(d[1] as Token, d[2] as Item[], d[3] as Token));
  return list;
}

/**
 * A recipe from its header group and action (null: `Missing action` or
 * `Incomplete recipe`, which add nothing, so the recipe ends with its last
 * condition). Called by the lexer for recipes without a block, and by
 * blockRecipe() below.
 */
export function recipeOf(group: HeaderGroup, act: Action | null): Recipe {
  const { header, conditions } = group;
  const last = conditions.length > 0 ? conditions[conditions.length - 1]! : header;
  const end = act !== null ? act.span.end : last.span.end;
  const raw = group.source.slice(header.span.start, end);
  return { kind: 'recipe', span: extend(header.span, end), raw, lead: group.lead, header, conditions, action: act };
}

/** `%head items %close`: a recipe whose action is a `{ … }` block. */
function blockRecipe(headToken: Token, blockItems: Item[], closeToken: Token): Recipe {
  const head = headToken.value as BlockHead;
  const items = exact(blockItems);
  const close = closeToken.value as BraceToken;
  const open = head.open;
  const block: BlockAction = {
    kind: 'block', span: extend(open.span, close.span.end), raw: open.source.slice(open.span.start, close.span.end), lead: open.lead, items,
    close: close.missing ? null : close.span, closeLead: close.lead,
  };
  return recipeOf(head, block);
}

function extend(span: Span, end: number): Span {
  return { file: span.file, line: span.line, col: span.col, start: span.start, end };
}
