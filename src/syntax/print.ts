/**
 * AST → rc text. Statements print from their parts (header, conditions,
 * action, nested blocks) with the trivia the lexer kept in `lead`, so
 * printRc(parseRc(text).ast) === text for every file (the round-trip test).
 */
import type { Item, RcFile } from './ast.js';

export function printRc(file: RcFile): string {
  let out = '';
  // The lists being printed, each with the text that closes it; a stack of
  // our own, as blocks nest without limit (walk.ts).
  const stack: { items: readonly Item[]; i: number; close: string }[] = [{ items: file.items, i: 0, close: file.trail ?? '' }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.i >= top.items.length) {
      out += top.close;
      stack.pop();
      continue;
    }
    const item = top.items[top.i++]!;
    out += item.lead ?? '';
    if (item.kind !== 'recipe') {
      out += item.raw;
      continue;
    }
    out += item.header.raw;
    for (const c of item.conditions) out += (c.lead ?? '') + c.raw;
    const a = item.action;
    if (a === null) continue;
    out += a.lead ?? '';
    if (a.kind !== 'block') {
      out += a.raw;
      continue;
    }
    out += '{';
    stack.push({ items: a.items, i: 0, close: (a.closeLead ?? '') + (a.close === null ? '' : '}') });
  }
  return out;
}
