/**
 * AST → rc text. Statements print from their parts (header, conditions,
 * action, nested blocks) with the trivia the lexer kept in `lead`, so
 * printRc(parseRc(text).ast) === text for every file (the round-trip test).
 */
import type { Action, Item, Recipe, RcFile } from './ast.js';

export function printRc(file: RcFile): string {
  return printItems(file.items) + (file.trail ?? '');
}

function printItems(items: readonly Item[]): string {
  let out = '';
  for (const item of items) out += (item.lead ?? '') + printItem(item);
  return out;
}

function printItem(item: Item): string {
  return item.kind === 'recipe' ? printRecipe(item) : item.raw;
}

function printRecipe(r: Recipe): string {
  let out = r.header.raw;
  for (const c of r.conditions) out += (c.lead ?? '') + c.raw;
  if (r.action !== null) out += (r.action.lead ?? '') + printAction(r.action);
  return out;
}

function printAction(a: Action): string {
  if (a.kind !== 'block') return a.raw;
  return '{' + printItems(a.items) + (a.closeLead ?? '') + (a.close === null ? '' : '}');
}
