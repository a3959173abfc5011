/**
 * The grammar's postprocessors, and the recipe assembly they share with the
 * lexer: they only assemble nodes already built (grammar/README.md: keep
 * logic out of the .ne file). A composite node's raw text is its parts'
 * leads and raws joined, which is exactly the source slice it spans, so it
 * is taken as that slice (no concatenation).
 */
import type { Span } from '../source/span.js';
import type { Action, BlockAction, Condition, Item, Recipe, RecipeHeader } from './ast.js';
import type { BlockHead, Bounded, BraceToken, Token } from './lexer.js';
import { exact } from './word.js';

type Data = unknown[];

/**
 * `items -> items %statements`: append the run left at the end of the text,
 * in place (the grammar is unambiguous, so no parse shares the array). A
 * list that is still empty becomes the run's own array, which the lexer
 * made for this list only.
 */
export function pushedValues(d: Data): Item[] {
  return appended(d[0] as Item[], (d[1] as Token).value as Item[]);
}

/**
 * `items -> items %head items %close`: append the statements before the
 * head, then the block recipe. Its items are the block's own list followed
 * by the statements the close token carries (those after the last nested
 * block, or all of them when there is none).
 */
export function pushedBlock(d: Data): Item[] {
  const head = (d[1] as Token).value as Bounded<BlockHead>;
  const close = (d[3] as Token).value as Bounded<BraceToken>;
  const list = appended(d[0] as Item[], head.before);
  list.push(blockRecipe(head.brace, appended(d[2] as Item[], close.before), close.brace));
  return list;
}

function appended(list: Item[], run: Item[]): Item[] {
  if (list.length === 0) return run;
  for (let i = 0; i < run.length; i++) list.push(run[i]!);
  return list;
}

/**
 * A recipe from a header group's parts (`source` is the whole text) and its
 * action (null: `Missing action` or `Incomplete recipe`, which add nothing,
 * so the recipe ends with its last condition). Called by the lexer for
 * recipes without a block, and by blockRecipe() below.
 */
export function recipeOf(source: string, lead: string, header: RecipeHeader, conditions: readonly Condition[], act: Action | null): Recipe {
  const last = conditions.length > 0 ? conditions[conditions.length - 1]! : header;
  const end = act !== null ? act.span.end : last.span.end;
  const raw = source.slice(header.span.start, end);
  return { kind: 'recipe', span: extend(header.span, end), raw, lead, header, conditions, action: act };
}

/** `%head items %close`: a recipe whose action is a `{ … }` block. */
function blockRecipe(head: BlockHead, blockItems: Item[], close: BraceToken): Recipe {
  const items = exact(blockItems);
  const open = head.open;
  const block: BlockAction = {
    kind: 'block', span: extend(open.span, close.span.end), raw: open.source.slice(open.span.start, close.span.end), lead: open.lead, items,
    close: close.missing ? null : close.span, closeLead: close.lead,
  };
  return recipeOf(head.source, head.lead, head.header, head.conditions, block);
}

function extend(span: Span, end: number): Span {
  return { file: span.file, line: span.line, col: span.col, start: span.start, end };
}
