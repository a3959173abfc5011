import type { Span } from '../source/span.js';
import type { Diagnostic } from '../source/diagnostic.js';
import type { Action, Assignment, Condition, ExtAction, RecipeHeader, Skipped } from '../syntax/ast.js';
import type { ExtActionSyntax, ExtConditionSyntax, Parsed } from '../syntax/ext-args.js';

/**
 * What the engine runs: the AST with flags decoded and every static
 * condition pre-parsed. Statements stay in source order because procmail
 * interprets the rcfile sequentially; conditions that start with `$` are
 * re-parsed after expansion at run time by the same parseCondition().
 */
export interface CompiledRc {
  readonly file: string;
  /** The source text, for excerpts in diagnostics and reports. */
  readonly text: string;
  readonly items: Step[];
  readonly diagnostics: Diagnostic[];
}

export type Step = Assignment | Skipped | CompiledRecipe;

/** Recipe flags (procmailrc(5) "Flags"; docs/procmail-semantics.md §2). */
export interface Flags {
  /** Search the header (default when neither H nor B). */
  readonly H: boolean;
  readonly B: boolean;
  readonly D: boolean;
  readonly A: boolean;
  readonly a: boolean;
  readonly E: boolean;
  readonly e: boolean;
  /** Feed/deliver the header (default h and b together). */
  readonly h: boolean;
  readonly b: boolean;
  readonly f: boolean;
  readonly c: boolean;
  readonly w: boolean;
  readonly W: boolean;
  readonly i: boolean;
  readonly r: boolean;
}

export interface CompiledRecipe {
  readonly kind: 'recipe';
  readonly span: Span;
  readonly raw: string;
  readonly header: RecipeHeader;
  /** Effective flags, after procmail's "Extraneous/Conflicting … ignored/suppressed" adjustments. */
  readonly flags: Flags;
  readonly conditions: readonly CompiledCondition[];
  readonly action: CompiledAction;
}

export type CompiledAction =
  | Exclude<Action, { kind: 'block' | 'ext' }>
  | CompiledExtAction
  | { readonly kind: 'block'; readonly span: Span; readonly raw: string; readonly items: Step[]; readonly close: Span | null }
  /**
   * No action: procmail's `Missing action` (an empty line, then the next
   * `:` header) or, with `incomplete`, `Incomplete recipe` (the file ends
   * after the conditions). procmail still tests the conditions before it
   * notices (misc.c conditions; docs/procmail-semantics.md §1.5), so the recipe stays a
   * step; `span` is the diagnostic's (the recipe header).
   */
  | { readonly kind: 'missing'; readonly span: Span; readonly raw: ''; readonly incomplete: boolean };

/** Which text a regex or size test looks at. */
export type Area =
  | { readonly kind: 'H' }
  | { readonly kind: 'B' }
  | { readonly kind: 'HB' }
  /** `NAME ?? regex`: the value of variable NAME. */
  | { readonly kind: 'var'; readonly name: string };

export interface Weight {
  readonly w: number;
  readonly x: number;
}

/**
 * One condition after procmail's prefix examination (docs/procmail-semantics.md §1.5).
 * `negate` is the parity of all `!` seen. `area` is null when the recipe's
 * H/B flags decide.
 */
export interface CompiledCondition {
  readonly span: Span;
  /** The condition as written (Condition.text). */
  readonly text: string;
  readonly source: Condition;
  readonly negate: boolean;
  readonly weight: Weight | null;
  readonly area: Area | null;
  readonly test: Test;
}

export type Test =
  /** A procmail regex. `pattern` is the procmail text after prefixes; compiled lazily per case mode. */
  | { readonly kind: 'regex'; readonly pattern: string }
  /** `? command`: exit 0 is true. */
  | { readonly kind: 'program'; readonly command: string }
  /** `< N` / `> N`: length of the search area in bytes. */
  | { readonly kind: 'size'; readonly op: '<' | '>'; readonly limit: number }
  /** `$ rest`: expand `rest` as if double-quoted, then parse the prefixes again. */
  | { readonly kind: 'expand'; readonly rest: string }
  | ExtTest;

/**
 * A mailrules extension condition (`@address …`, `@sender …`, `@loop`,
 * `@decoded …`, `@auth …`), its arguments parsed once, here.
 */
export interface ExtTest {
  readonly kind: 'ext';
  readonly verb: string;
  readonly args: string;
  readonly parsed: Parsed<ExtConditionSyntax>;
}

/** A mailrules extension action (`@discard`, `@reject …`, `@bounce …`, `@reply …`), its arguments parsed once, here. */
export interface CompiledExtAction extends ExtAction {
  readonly parsed: Parsed<ExtActionSyntax>;
}
