/**
 * Spans of parts of a node, derived from the node when asked for. The AST
 * keeps only each node's own span: a big rc file has tens of thousands of
 * conditions and assignments, and every span the AST keeps is an object
 * each young-generation GC copies while the file is read (bench/parse.mjs),
 * whereas these are wanted only for a diagnostic.
 */
import type { Span } from '../source/span.js';
import type { Assignment, Condition } from './ast.js';
import { skipBlanks } from './word.js';

/**
 * Where a condition's `text` starts: after the `*` (a legacy `:N` condition
 * has none) and the blanks and `\`+newline pairs after it, as the lexer
 * reads it (docs/procmail-semantics.md §1.5). As long as the (squeezed) text.
 */
export function conditionTextSpan(c: Condition): Span {
  const raw = c.raw;
  const span = c.span;
  const at = skipBlanks(raw, raw.charCodeAt(0) === 0x2a ? 1 : 0);
  const start = span.start + at;
  const end = start + c.text.length;
  const nl = raw.lastIndexOf('\n', at - 1);
  if (at === 0 || nl < 0) return { file: span.file, line: span.line, col: span.col + at, start, end };
  // A `\`+newline before the text: it starts on a later line.
  let line = span.line;
  for (let k = raw.indexOf('\n'); k >= 0 && k < at; k = raw.indexOf('\n', k + 1)) line++;
  return { file: span.file, line, col: at - nl, start, end };
}

/** The variable's name in an assignment: the first characters of its span. */
export function assignmentNameSpan(a: Assignment): Span {
  const span = a.span;
  return { file: span.file, line: span.line, col: span.col, start: span.start, end: span.start + a.name.length };
}
