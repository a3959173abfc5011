import type { Span } from './span.js';

export type Severity = 'error' | 'warning';

/**
 * A problem found while reading or compiling an rc file. Diagnostics are
 * values passed between stages, never thrown: the parser and the compiler
 * collect all of them so `mailrules check` reports every problem at once.
 */
export interface Diagnostic {
  readonly severity: Severity;
  /** Stable identifier, e.g. `missing-action`, usable in --json output and tests. */
  readonly code: string;
  readonly message: string;
  readonly span: Span;
}

export function diagnostic(severity: Severity, code: string, message: string, span: Span): Diagnostic {
  return { severity, code, message, span };
}

/**
 * The one error format used everywhere:
 *
 *     rules.rc:12:3: error: Missing action
 *     :0 B
 *       ^
 *
 * `sourceText` is the whole text of `d.span.file`; when it is not available
 * only the first line is printed. Reports that are not about problems
 * (`mailrules to-sieve`) also print notes in this format.
 */
export function formatDiagnostic(d: Pick<Diagnostic, 'message' | 'span'> & { readonly severity: Severity | 'note' }, sourceText?: string): string {
  // A span from no line (a file that could not be read) has no place to show: `file: error: …`.
  const place = d.span.line < 1 ? d.span.file : `${d.span.file}:${d.span.line}:${d.span.col}`;
  const head = escapeControls(`${place}: ${d.severity}: ${d.message}`);
  if (sourceText === undefined || d.span.line < 1) return head;
  const lineText = sourceLine(sourceText, d.span.line);
  if (lineText === undefined) return head;
  // Tabs are kept in the excerpt and copied into the caret line so the caret
  // lines up whatever the terminal's tab width is; an escaped character
  // takes the width of its escape.
  const pad = escapeControls(lineText.slice(0, Math.max(0, d.span.col - 1))).replace(/[^\t]/g, ' ');
  return `${head}\n${escapeControls(lineText.replace(/\r$/, ''))}\n${pad}^`;
}

/**
 * Control characters (C0 but tab, DEL, C1) as `\xNN` escapes: rc files and
 * messages are arbitrary bytes, and a diagnostic must not write NULs or
 * terminal control sequences (ESC, CSI) to the user's terminal.
 */
export function escapeControls(text: string): string {
  return text.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The line starts of the text last excerpted: a report of thousands of diagnostics on one big file (to-sieve) reads it once. */
let indexed: { text: string; starts: number[] } | null = null;

function sourceLine(text: string, line: number): string | undefined {
  if (indexed === null || indexed.text !== text) {
    const starts = [0];
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', nl + 1)) starts.push(nl + 1);
    indexed = { text, starts };
  }
  const start = indexed.starts[line - 1];
  if (start === undefined) return undefined;
  const end = text.indexOf('\n', start);
  return text.slice(start, end < 0 ? text.length : end);
}

export function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === 'error');
}
