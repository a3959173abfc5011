/**
 * Statements in file order through nested `{ }` blocks, without recursion.
 * procmail nests blocks without limit (its skip counter and ifstack grow in
 * the heap), so an rc file may nest deeper than the call stack: every walk
 * over blocks keeps its own stack instead.
 */

/** Something whose action may be a block of more of the same (an AST Item, a compiled Step). */
export interface Nesting<T> {
  readonly kind: string;
  readonly action?: { readonly kind: string; readonly items?: readonly T[] } | null;
}

/** The items of `t`'s block, or null when `t` is not a recipe with a block action. */
export function blockItems<T extends Nesting<T>>(t: T): readonly T[] | null {
  return t.kind === 'recipe' && t.action?.kind === 'block' ? (t.action.items ?? null) : null;
}

/**
 * Every item of `list` and of the blocks in it, depth first in file order (a
 * recipe before the items of its block), each with the item before it in
 * its own list.
 */
export function* inFileOrder<T extends Nesting<T>>(list: readonly T[]): Generator<{ item: T; prev: T | undefined }> {
  const stack: { list: readonly T[]; i: number }[] = [{ list, i: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.i >= top.list.length) {
      stack.pop();
      continue;
    }
    const prev = top.i > 0 ? top.list[top.i - 1] : undefined;
    const item = top.list[top.i++]!;
    yield { item, prev };
    const inner = blockItems(item);
    if (inner !== null && inner.length > 0) stack.push({ list: inner, i: 0 });
  }
}
