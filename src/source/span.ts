/**
 * A place in an rc file. Every AST node, compiled item, request and
 * diagnostic carries one, so any message can point back at the line that
 * caused it. Offsets index the source text (UTF-16 code units of the text as
 * read, which is latin1-decoded so that one byte is one unit).
 */
export interface Span {
  /** The rc file's path as the user named it (used verbatim in messages). */
  readonly file: string;
  /** 1-based line of the first character. */
  readonly line: number;
  /** 1-based column of the first character. */
  readonly col: number;
  /** Offset of the first character in the source text. */
  readonly start: number;
  /** Offset one past the last character. */
  readonly end: number;
}

/** A span that covers both `a` and `b` (which must be in the same file). */
export function joinSpans(a: Span, b: Span): Span {
  return a.start <= b.start
    ? { file: a.file, line: a.line, col: a.col, start: a.start, end: Math.max(a.end, b.end) }
    : joinSpans(b, a);
}

/** Used for things that come from no file: command-line assignments, the built-in DEFAULT fall-back. */
export function syntheticSpan(file: string): Span {
  return { file, line: 0, col: 0, start: 0, end: 0 };
}
