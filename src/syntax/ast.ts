import type { Span } from '../source/span.js';

/**
 * The rc file as written. procmail interprets its rcfile statement by
 * statement (docs/procmail-semantics.md §0.4), so the AST is a list of statements; nothing
 * here is evaluated yet. Every node keeps its span and its raw source text so
 * the printer can reproduce the file and dry-run can quote what matched.
 */
export interface Node {
  readonly span: Span;
  /** The exact source text of the node, continuation lines included. */
  readonly raw: string;
  /**
   * Source text between the previous node and this one (blanks, newlines and,
   * inside a recipe, comment lines). Only the printer uses it; with it,
   * printing the AST reproduces the file byte for byte.
   */
  readonly lead?: string;
}

export interface RcFile extends Node {
  readonly kind: 'rcfile';
  readonly items: Item[];
  /** Source text after the last item (for the printer). */
  readonly trail?: string;
}

/** A statement at top level or inside a `{ }` block. */
export type Item = Assignment | Recipe | Skipped | Comment;

/**
 * `NAME=value`, or a bare `NAME` (value null), which unsets NAME
 * (docs/procmail-semantics.md §1.1). `FOO=a b` is two items: FOO=a, and an unset of `b`.
 */
export interface Assignment extends Node {
  readonly kind: 'assign';
  /** The first characters of the span (assignmentNameSpan() in sub-spans.ts). */
  readonly name: string;
  readonly value: Word | null;
}

/**
 * A line procmail would log as `Skipped "…"` when it reaches it (a line that
 * starts with neither a name character, `:`, `#` nor `}`, or leftovers on a
 * recipe header). Kept so the engine logs exactly what procmail logs.
 */
export interface Skipped extends Node {
  readonly kind: 'skipped';
  readonly text: string;
  /**
   * What procmail logs on reaching this item when it is not `Skipped "text"`:
   * a `}` with no open block is kept as a Skipped item with the message
   * `Closing brace unexpected` (docs/procmail-semantics.md §1.1).
   */
  readonly message?: string;
}

/** A full-line comment. Kept only for the printer; the engine ignores it. */
export interface Comment extends Node {
  readonly kind: 'comment';
  readonly text: string;
}

// ---------------------------------------------------------------------------
// Words: sh-like values with quoting kept as structure (docs/procmail-semantics.md §1.2, §1.3)
// ---------------------------------------------------------------------------

export type Quote = 'none' | 'single' | 'double';

/**
 * One sh word. Expansion (and, for unquoted parts in action lines, word
 * splitting) happens at run time in src/eval; the parser only records what
 * was written.
 */
export interface Word extends Node {
  readonly parts: WordPart[];
}

export type WordPart = TextPart | VarPart | RegexVarPart | SpecialPart | BacktickPart | BadPart;

/** Literal text with quotes removed and escapes already resolved. */
export interface TextPart {
  readonly kind: 'text';
  readonly text: string;
  readonly quote: Quote;
  /** Blanks that separate words (only inside an unquoted `${name:-text}` of an action line: word.ts WORD_BREAK). */
  readonly split?: true;
}

/** `$name`, `${name}`, `${name:-alt}`, `${name-alt}`, `${name:+alt}`, `${name+alt}`. */
export interface VarPart {
  readonly kind: 'var';
  readonly name: string;
  readonly quote: Quote;
  readonly op: '' | ':-' | '-' | ':+' | '+';
  /** The alternative text of `${name:-alt}` and friends, parsed recursively. */
  readonly alt: WordPart[] | null;
  readonly span: Span;
}

/** `$\name`: the value regex-quoted, with procmail's `()` prefix. */
export interface RegexVarPart {
  readonly kind: 'regexvar';
  readonly name: string;
  readonly quote: Quote;
  readonly span: Span;
}

/** `$1`..`$9`, `$#`, `$@` (only meaningful as `"$@"`), `$$`, `$?`, `$=`, `$_`, `$-`, `$0`. */
export interface SpecialPart {
  readonly kind: 'special';
  readonly name: string;
  readonly quote: Quote;
  readonly span: Span;
}

/** `` `command` ``: run with the message on stdin; output replaces it (trailing newlines stripped). */
export interface BacktickPart {
  readonly kind: 'backtick';
  /** The command text between the backquotes, escapes inside resolved as sh does. */
  readonly command: string;
  readonly quote: Quote;
  readonly span: Span;
}

/** `${name%x}` and other forms procmail rejects with `Bad substitution of "name"`. */
export interface BadPart {
  readonly kind: 'bad';
  readonly text: string;
  readonly quote: Quote;
  readonly span: Span;
}

// ---------------------------------------------------------------------------
// Recipes (procmailrc(5) "Recipes")
// ---------------------------------------------------------------------------

export interface Recipe extends Node {
  readonly kind: 'recipe';
  readonly header: RecipeHeader;
  readonly conditions: readonly Condition[];
  /** null when procmail would report `Missing action` (the recipe is then dropped). */
  readonly action: Action | null;
}

/** `:0 flags : lockfile` or the legacy `:N` (N conditions follow, without `*`). */
export interface RecipeHeader extends Node {
  /** The flag letters as written, in order, blanks removed (e.g. `HBc`). Unknown letters are not included. */
  readonly flags: string;
  /** The number after `:`. 0 for `:0`; N for the legacy form. */
  readonly count: number;
  /** True when a second `:` was present (a local lockfile is wanted). */
  readonly hasLock: boolean;
  /** The explicit lockfile name after the second `:`, or null for the implicit lock. */
  readonly lock: Word | null;
  /**
   * Leftovers procmail logs as `Skipped "…"` when it reads the header (an
   * unknown flag and everything after it, or words after the lockfile), or
   * undefined when there are none (docs/procmail-semantics.md §1.4).
   */
  readonly leftover?: string;
  /**
   * The words after `:` when any of them holds a `$` or backquote: procmail
   * expands the line before reading it (procmail.c readparse), so the engine
   * reads the flags, lockfile and leftovers from the expanded words. Those
   * above are what the text shows: with a `$` before the `:` they are
   * placeholders (no flags, the number if written out).
   */
  readonly words?: readonly Word[];
  /**
   * How many characters procmail's buffer holds for the header (its words
   * joined), when more than the smallest LINEBUF: a longer one than LINEBUF
   * aborts the rcfile (docs/procmail-semantics.md §5.2; verified).
   */
  readonly length?: number;
}

/**
 * One `*` line (continuations joined). `text` is what procmail examines: the
 * rest of the line after `*`, leading and trailing blanks stripped, with
 * `\`+newline and the next line's leading blanks removed (docs/procmail-semantics.md §1.5).
 * The prefix chain (`!`, `$`, `?`, `<`, `>`, weights, `VAR ??`, `\`) is
 * interpreted by src/compile/condition.ts, because `$` makes procmail
 * re-examine the prefixes after expansion at run time.
 */
export interface Condition extends Node {
  readonly kind: 'condition';
  /** Where it starts in the source (for carets on the regex itself): conditionTextSpan() in sub-spans.ts. */
  readonly text: string;
}

export type Action = FolderAction | PipeAction | ForwardAction | BlockAction | ExtAction;

/** One or more folders: `mbox`, `dir/` (maildir), `dir/.` (MH), an existing directory, `/dev/null`. */
export interface FolderAction extends Node {
  readonly kind: 'folder';
  readonly targets: Word[];
}

/**
 * `| command`, or `VAR=| command` (capture). The command text is kept raw:
 * procmail passes it to $SHELL unexpanded when it contains SHELLMETAS, and
 * splits/expands it itself otherwise (docs/procmail-semantics.md §1.6).
 */
export interface PipeAction extends Node {
  readonly kind: 'pipe';
  /** Everything after `|`, leading blanks kept, `\`+newline continuations kept as written. */
  readonly command: string;
  /** The variable of `VAR=| cmd`, else null. */
  readonly capture: string | null;
}

/** `! address...`: forward through $SENDMAIL $SENDMAILFLAGS. */
export interface ForwardAction extends Node {
  readonly kind: 'forward';
  readonly addresses: Word[];
}

/** `{ ... }`: a nesting block. */
export interface BlockAction extends Node {
  readonly kind: 'block';
  readonly items: Item[];
  /** Span of the closing brace (null when missing: `Missing closing brace`). */
  readonly close: Span | null;
  /** Source text between the last item and the closing brace (for the printer). */
  readonly closeLead?: string;
}

/**
 * A mailrules extension action: an action line in one of the exact forms of
 * src/syntax/ext-args.ts exactExtAction (any other `@` line is the folder name
 * procmail reads). The syntax stage only records the verb and its argument
 * text; src/compile/ext-check.ts parses them for the engine.
 */
export interface ExtAction extends Node {
  readonly kind: 'ext';
  readonly verb: string;
  readonly args: string;
}
