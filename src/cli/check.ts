/**
 * `mailrules check rc...`: compile each rc file and every INCLUDERC/SWITCHRC
 * it names literally, then print all diagnostics. Exit 0 without errors
 * (warnings allowed), EX_CONFIG (78) with errors.
 *
 * Output: text is `file:line:col: severity: message` + source line + caret
 * (formatDiagnostic); `--json` is one JSON array of
 * `{file, line, col, severity, code, message}` in file order.
 */
import * as path from 'node:path';
import { authservWarnings } from '../ext/validate.js';
import { compileRc } from '../compile/compile.js';
import type { Step } from '../compile/program.js';
import { formatDiagnostic, hasErrors, type Diagnostic } from '../source/diagnostic.js';
import { EX_CONFIG, EX_NOINPUT, EX_OK } from '../sysexits.js';
import { MAX_INCLUDE_DEPTH } from '../limits.js';
import { literalText } from '../syntax/word.js';
import { readRcText } from './rc-text.js';

export interface CheckIo {
  stdout(s: string): void;
  stderr(s: string): void;
  /** Read a file as latin1 text; throws when it cannot be read. */
  readFile(p: string): string;
}

export interface JsonDiagnostic {
  file: string;
  line: number;
  col: number;
  severity: 'error' | 'warning';
  code: string;
  message: string;
}

export function runCheck(paths: readonly string[], opts: { json: boolean }, io: CheckIo): number {
  // Files an including rc assigned AUTHSERV_ID in: their @auth conditions are not warned about.
  const authservSet = new Set<string>();
  const found: { d: Diagnostic; text: string | undefined }[] = [];
  const seen = new Set<string>();
  let unreadable = false;
  const visit = (file: string, depth: number, from: Diagnostic['span'] | null): void => {
    const key = path.resolve(file);
    if (seen.has(key)) return;
    seen.add(key);
    // A missing include is logged by procmail, which goes on without it: a warning there;
    // a file named on the command line that cannot be read is an error (exit 66).
    const read = readRcText(file, io.readFile, from);
    if (!read.ok) {
      if (read.why === 'unreadable' && from === null) unreadable = true;
      found.push({ d: read.diagnostic, text: undefined });
      return;
    }
    const text = read.text;
    const program = compileRc(text, file);
    const authserv = authservWarnings(program.items, authservSet.has(key));
    const all = authserv.diagnostics.length === 0 ? program.diagnostics : [...program.diagnostics, ...authserv.diagnostics].sort((a, b) => a.span.start - b.span.start);
    for (const d of all) found.push({ d, text });
    if (depth >= MAX_INCLUDE_DEPTH) return;
    for (const inc of literalIncludes(program.items, path.dirname(file))) {
      if (authserv.assigns || authservSet.has(key)) authservSet.add(path.resolve(inc.file));
      visit(inc.file, depth + 1, inc.span);
    }
  };
  for (const p of paths) visit(p, 0, null);

  if (opts.json) {
    const out: JsonDiagnostic[] = found.map(({ d }) => ({
      file: d.span.file, line: d.span.line, col: d.span.col, severity: d.severity, code: d.code, message: d.message,
    }));
    io.stdout(JSON.stringify(out, null, 2) + '\n');
  } else {
    for (const { d, text } of found) io.stdout(formatDiagnostic(d, text) + '\n');
  }
  if (unreadable) return EX_NOINPUT;
  return hasErrors(found.map((f) => f.d)) ? EX_CONFIG : EX_OK;
}

/**
 * INCLUDERC/SWITCHRC assignments whose value is literal, in file order.
 * procmail resolves them against the current directory, which is MAILDIR
 * once set; before that (and for our purposes) the rc file's directory.
 * A non-literal MAILDIR makes later relative names unknowable: they are skipped.
 */
function literalIncludes(steps: readonly Step[], rcDir: string): { file: string; span: Diagnostic['span'] }[] {
  const out: { file: string; span: Diagnostic['span'] }[] = [];
  let base: string | null = rcDir;
  const walk = (items: readonly Step[]): void => {
    for (const s of items) {
      if (s.kind === 'assign' && s.value !== null) {
        const v = literalText(s.value);
        if (s.name === 'MAILDIR') base = v === null ? null : base === null && !path.isAbsolute(v) ? null : path.resolve(base ?? '/', v);
        else if ((s.name === 'INCLUDERC' || s.name === 'SWITCHRC') && v !== null && v !== '') {
          if (path.isAbsolute(v)) out.push({ file: v, span: s.value.span });
          else if (base !== null) out.push({ file: path.join(base, v), span: s.value.span });
        }
      } else if (s.kind === 'recipe' && s.action.kind === 'block') walk(s.action.items);
    }
  };
  walk(steps);
  return out;
}
