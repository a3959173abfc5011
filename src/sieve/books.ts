import type { CompiledRecipe, Step } from '../compile/compiled-rc.js';
import { str, tag, test, type Command, type Test } from './script.js';

/**
 * The converter's bookkeeping of procmail's per-level state (procmail.c:
 * prevcond and lastcond, docs/procmail-semantics.md §2) and of the file
 * being converted, shared by convert.ts and assignments.ts.
 */

export type Cond =
  | { readonly kind: 'const'; readonly value: boolean }
  | { readonly kind: 'var'; readonly name: string }
  /** True when a branch of this `if` ran (E recipes append elsif branches). */
  | { readonly kind: 'chain'; readonly cmd: MutableIf }
  /** Decided by a recipe that was not converted. */
  | { readonly kind: 'unknown'; readonly line: number };

export interface MutableIf {
  readonly kind: 'if';
  branches: { test: Test; body: Command[] }[];
  otherwise: Command[] | null;
}

/**
 * What the recipe just before did to lastsucc (what `a` and `e` read)
 * whenever its conditions held: `success` when its action was attempted
 * and cannot fail in Sieve's terms (the mail tree is taken to exist),
 * `failure` when it always fails (actions.ts discardingPipe), `unknown`
 * otherwise (a block, a recipe with A, a or E, one not converted), and
 * `notConverted` when the recipe's conditions were converted but not its
 * action: whether that action succeeded decides what a later `a` or `e` does.
 */
export type Outcome = 'success' | 'failure' | 'unknown' | { readonly notConverted: number };

/** procmail's per-level bookkeeping (prevcond, lastcond) as the converter tracks it, and the previous recipe's outcome. */
export interface Books {
  prev: Cond;
  last: Cond;
  outcome: Outcome;
}

export interface Frame {
  readonly file: string;
  readonly dir: string;
  readonly included: boolean;
  readonly includeDepth: number;
}

export const TRUE_COND: Cond = { kind: 'const', value: true };
export const FALSE_COND: Cond = { kind: 'const', value: false };

/** An `if` chain cannot reach across a file boundary: what a chain decided becomes unknown. */
export function unchain(books: Books, line: number): void {
  if (books.prev.kind === 'chain') books.prev = { kind: 'unknown', line };
  if (books.last.kind === 'chain') books.last = { kind: 'unknown', line };
}

/** The next recipe at this level after index i, and how many statements come between. */
export function nextRecipe(steps: readonly Step[], i: number): { recipe: CompiledRecipe; index: number; between: number } | null {
  let between = 0;
  for (let j = i + 1; j < steps.length; j++) {
    const s = steps[j]!;
    if (s.kind === 'recipe') return { recipe: s, index: j, between };
    if (s.kind === 'assign') between++;
  }
  return null;
}

/** Whether the next recipe reads prevcond (E, e). */
export function needPrevOut(steps: readonly Step[], i: number): boolean {
  const n = nextRecipe(steps, i);
  if (n === null) return false;
  if (n.recipe.flags.E || n.recipe.flags.e) return true;
  return false;
}

/** Whether a later recipe reads the lastcond this one sets (A, a before the next recipe without them). */
export function needLastOut(steps: readonly Step[], i: number): boolean {
  for (let j = i + 1; j < steps.length; j++) {
    const s = steps[j]!;
    if (s.kind !== 'recipe') continue;
    if (s.flags.A || s.flags.a) return true;
    return false;
  }
  return false;
}


/** The converter's flag variables are set to "1" or empty. */
export function isSet(name: string): Test {
  return test('string', [tag('is'), str('${' + name + '}'), str('1')], ['variables']);
}
