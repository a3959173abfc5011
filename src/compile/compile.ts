/**
 * rc text → CompiledRc: parse, decode flags, pre-parse every condition's
 * prefixes and validate, collecting every diagnostic (never throws).
 * A recipe without an action stays a step with a `missing` action: procmail
 * tests its conditions before it notices (docs/procmail-semantics.md §1.5), so the engine
 * needs them.
 */
import type { Diagnostic } from '../source/diagnostic.js';
import type { BlockAction, Condition, ExtAction, Item, Recipe } from '../syntax/ast.js';
import { parseRc } from '../syntax/parse.js';
import { exact, NONE } from '../syntax/word.js';
import { checkExtAction } from './ext-check.js';
import { compileCondition } from './condition.js';
import { decodeFlagsInto } from './flags.js';
import type { CompiledAction, CompiledCondition, CompiledExtAction, CompiledRecipe, CompiledRc, Step } from './compiled-rc.js';
import { checkLinebuf } from './linebuf.js';
import { checkItem, checkLineEnds } from './validate.js';

export function compileRc(text: string, file: string): CompiledRc {
  const { ast, diagnostics } = parseRc(text, file);
  // validate.ts's warnings, collected in the compiling pass and kept after the compiler's own (as validateAst() would give them).
  const checks: Diagnostic[] = [];
  checkLineEnds(ast, checks);
  checkLinebuf(text, ast.items, checks);
  const items = compileItems(ast.items, diagnostics, checks, { diagnostics, incomplete: null });
  append(diagnostics, checks);
  diagnostics.sort((a, b) => a.span.start - b.span.start);
  return { file, text, items, diagnostics };
}

/** The parser's diagnostics, and which headers it reported `Incomplete recipe` for (built on the first recipe without an action). */
interface ParseNotes {
  readonly diagnostics: readonly Diagnostic[];
  incomplete: Set<number> | null;
}

/** A list being compiled: its items, where we are, and what the list becomes when done. */
interface Level {
  readonly items: readonly Item[];
  i: number;
  readonly steps: Step[];
  /** The block recipe whose items these are, and its place in the enclosing list (null at the top). */
  readonly owner: { readonly into: Step[]; readonly at: number; readonly item: Recipe; readonly flags: CompiledRecipe['flags']; readonly conditions: readonly CompiledCondition[]; readonly block: BlockAction } | null;
}

/**
 * The items compiled, blocks included, depth first in file order. Blocks
 * nest without limit in procmail (syntax/walk.ts), so the compiler keeps its
 * own stack: a block recipe's place is kept in its list and filled in when
 * its items are done.
 */
function compileItems(items: readonly Item[], diagnostics: Diagnostic[], checks: Diagnostic[], notes: ParseNotes): Step[] {
  const stack: Level[] = [{ items, i: 0, steps: [], owner: null }];
  for (;;) {
    const level = stack[stack.length - 1]!;
    if (level.i >= level.items.length) {
      // The compiled rc keeps the list: drop push's spare capacity (see exact()).
      const steps = exact(level.steps);
      const owner = level.owner;
      if (owner === null) return steps;
      stack.pop();
      const { item, flags, conditions, block: b } = owner;
      const action: CompiledAction = { kind: 'block', span: b.span, raw: b.raw, items: steps, close: b.close };
      owner.into[owner.at] = { kind: 'recipe', span: item.span, raw: item.raw, header: item.header, flags, conditions, action };
      continue;
    }
    const n = level.i++;
    const item = level.items[n]!;
    checkItem(item, n > 0 ? level.items[n - 1] : undefined, checks);
    if (item.kind === 'comment') continue;
    if (item.kind !== 'recipe') {
      level.steps.push(item);
      continue;
    }
    if (item.action === null) {
      level.steps.push(missingRecipe(item, notes));
      continue;
    }
    const flags = decodeFlagsInto(item.header, item.action, diagnostics);
    const conditions = compileConditions(item.conditions, diagnostics);
    const a = item.action;
    if (a.kind === 'block') {
      // A place holder until the block's items are compiled.
      const at = level.steps.push(MISSING_BLOCK) - 1;
      stack.push({ items: a.items, i: 0, steps: [], owner: { into: level.steps, at, item, flags, conditions, block: a } });
      continue;
    }
    level.steps.push({ kind: 'recipe', span: item.span, raw: item.raw, header: item.header, flags, conditions, action: a.kind === 'ext' ? extAction(a, diagnostics) : a });
  }
}

/** An `@` action line with its arguments parsed once, for the engine, and checked. */
function extAction(a: ExtAction, diagnostics: Diagnostic[]): CompiledExtAction {
  const argsAt = a.raw.length - a.args.length - (a.raw.length - a.raw.trimEnd().length);
  const argsSpan = { ...a.span, col: a.span.col + argsAt, start: a.span.start + argsAt };
  const { parsed, diagnostics: found } = checkExtAction(a.verb, a.args, a.span, argsSpan);
  append(diagnostics, found);
  return { ...a, parsed };
}

/** What stands in a list for a block recipe while its items are compiled (never seen outside compileItems). */
const MISSING_BLOCK: Step = Object.freeze({ kind: 'skipped', span: { file: '', line: 0, col: 0, start: 0, end: 0 }, raw: '', text: '' });

/**
 * A recipe the parser found no action for. Its flags and conditions are
 * compiled as any recipe's, but their diagnostics are not reported: the
 * `Missing action` / `Incomplete recipe` error is (docs/procmail-semantics.md §1.5).
 */
function missingRecipe(item: Recipe, notes: ParseNotes): CompiledRecipe {
  if (notes.incomplete === null) {
    notes.incomplete = new Set();
    for (const d of notes.diagnostics) if (d.code === 'incomplete-recipe') notes.incomplete.add(d.span.start);
  }
  const span = item.header.span;
  const unreported: Diagnostic[] = [];
  const flags = decodeFlagsInto(item.header, null, unreported);
  const conditions = compileConditions(item.conditions, unreported);
  const action: CompiledAction = { kind: 'missing', span, raw: '', incomplete: notes.incomplete.has(span.start) };
  return { kind: 'recipe', span: item.span, raw: item.raw, header: item.header, flags, conditions, action };
}

/** The conditions in order, in a list exactly as long (see exact()); literals for the usual one or two. */
function compileConditions(sources: readonly Condition[], diagnostics: Diagnostic[]): readonly CompiledCondition[] {
  const n = sources.length;
  if (n === 0) return NONE;
  if (n === 1) return [compileCondition(sources[0]!, diagnostics)];
  if (n === 2) return [compileCondition(sources[0]!, diagnostics), compileCondition(sources[1]!, diagnostics)];
  const out: CompiledCondition[] = [];
  for (let k = 0; k < n; k++) out.push(compileCondition(sources[k]!, diagnostics));
  return exact(out);
}

/** `to.push(...from)` without spreading (most `from` are empty). */
function append(to: Diagnostic[], from: readonly Diagnostic[]): void {
  for (let i = 0; i < from.length; i++) to.push(from[i]!);
}
