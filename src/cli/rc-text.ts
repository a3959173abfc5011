/**
 * Reading an rc file for `check` and `test`: one wording and one exit code
 * for every way it can fail, as a diagnostic without a position
 * (`rules.rc: error: …`, src/source/diagnostic.ts).
 *
 * A file with a NUL byte is not a text file: no rc file has one, and every
 * binary format (an editor's swap file, a compressed or compiled file) does.
 * Such a file is refused with one error, instead of being compiled into a
 * flood of diagnostics quoting its bytes. (procmail would read it, cut at
 * each NUL; delivery keeps doing what procmail does.)
 */
import { diagnostic, type Diagnostic } from '../source/diagnostic.js';
import type { Span } from '../source/span.js';
import { syntheticSpan } from '../source/span.js';
import { errnoOf } from '../deliver/seams.js';

export type RcText =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly why: 'unreadable' | 'binary'; readonly diagnostic: Diagnostic };

/**
 * `read` throws (with an errno `code`) when the file cannot be read. `from`
 * is where an including file names it (then a missing file is a warning, as
 * procmail goes on without it), or null for a file named by the user.
 */
export function readRcText(path: string, read: (path: string) => string, from: Span | null = null): RcText {
  let text: string;
  try {
    text = read(path);
  } catch (e) {
    const reason = errnoText(errnoOf(e));
    const message = `Couldn't read "${path}"${reason === '' ? '' : `: ${reason}`}`;
    return { ok: false, why: 'unreadable', diagnostic: diagnostic(from === null ? 'error' : 'warning', 'unreadable', message, from ?? syntheticSpan(path)) };
  }
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    const line = lineOf(text, nul);
    return { ok: false, why: 'binary', diagnostic: diagnostic('error', 'not-text', `not a text file (a NUL byte on line ${line})`, from ?? syntheticSpan(path)) };
  }
  return { ok: true, text };
}

function errnoText(code: string): string {
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    default:
      return code;
  }
}

function lineOf(text: string, offset: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
