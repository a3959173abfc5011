/**
 * Recipe assembly, shared by the lexer (recipes without a block) and the
 * parser (block recipes): it only assembles nodes already built. A
 * composite node's raw text is its parts' leads and raws joined, which is
 * exactly the source slice it spans, so it is taken as that slice (no
 * concatenation).
 */
import type { Span } from '../source/span.js';
import type { Action, BlockAction, Condition, Item, Recipe, RecipeHeader } from './ast.js';
import type { BlockHead, BraceToken } from './tokens.js';
import { exact } from './word.js';

/**
 * `list` with the statements of `run` appended, in place. A list that is
 * still empty becomes the run's own array, which the lexer made for this
 * list only (tokens.ts).
 */
export function appended(list: Item[], run: Item[]): Item[] {
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

/** A recipe whose action is a `{ … }` block: its head, the items of the block and its close. */
export function blockRecipe(head: BlockHead, blockItems: Item[], close: BraceToken): Recipe {
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
