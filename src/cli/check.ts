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
import { diagnostic, formatDiagnostic, hasErrors, type Diagnostic } from '../source/diagnostic.js';
import { EX_CONFIG, EX_NOINPUT, EX_OK } from '../sysexits.js';
import { inFileOrder } from '../syntax/walk.js';
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
  // Depth first in file order, with our own stack: an rc file's includes are
  // checked right after it. `chain` holds the files being read inside each
  // other, for the cycle warning.
  const chain: string[] = [];
  const pending: { file: string; text: string; includes: Include[]; next: number }[] = [];
  let unreadable = false;
  const open = (file: string, from: Include | null): void => {
    const key = path.resolve(file);
    if (seen.has(key)) return;
    seen.add(key);
    // A missing include is logged by procmail, which goes on without it: a warning there;
    // a file named on the command line that cannot be read is an error (exit 66).
    const read = readRcText(file, io.readFile, from === null ? null : from.span);
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
    const includes = literalIncludes(program.items, file);
    if (authserv.assigns || authservSet.has(key)) for (const inc of includes) authservSet.add(path.resolve(inc.file));
    pending.push({ file, text, includes, next: 0 });
    chain.push(key);
  };
  for (const p of paths) {
    open(p, null);
    while (pending.length > 0) {
      const top = pending[pending.length - 1]!;
      const inc = top.includes[top.next++];
      if (inc === undefined) {
        pending.pop();
        chain.pop();
        continue;
      }
      const at = chain.indexOf(path.resolve(inc.file));
      if (at >= 0) {
        found.push({ d: cycleWarning(inc, top.file, pending.slice(at).map((f) => f.file)), text: top.text });
        continue;
      }
      open(inc.file, inc);
    }
  }

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

/** An INCLUDERC or SWITCHRC named literally (or as `$_`, the rc file itself). */
interface Include {
  readonly name: 'INCLUDERC' | 'SWITCHRC';
  readonly file: string;
  readonly span: Diagnostic['span'];
}

/**
 * INCLUDERC/SWITCHRC assignments whose value is literal, in file order.
 * procmail resolves them against the current directory, which is MAILDIR
 * once set; before that (and for our purposes) the rc file's directory.
 * A non-literal MAILDIR makes later relative names unknowable: they are
 * skipped. `$_` is the rc file being read (procmail.md §1.3).
 */
function literalIncludes(steps: readonly Step[], rcFile: string): Include[] {
  const out: Include[] = [];
  let base: string | null = path.dirname(rcFile);
  for (const { item: s } of inFileOrder(steps)) {
    if (s.kind !== 'assign' || s.value === null) continue;
    const parts = s.value.parts;
    const self = parts.length === 1 && parts[0]!.kind === 'special' && parts[0]!.name === '_';
    const v = self ? rcFile : literalText(s.value);
    if (s.name === 'MAILDIR') base = v === null ? null : base === null && !path.isAbsolute(v) ? null : path.resolve(base ?? '/', v);
    else if ((s.name === 'INCLUDERC' || s.name === 'SWITCHRC') && v !== null && v !== '') {
      if (path.isAbsolute(v) || self) out.push({ name: s.name, file: v, span: s.value.span });
      else if (base !== null) out.push({ name: s.name, file: path.join(base, v), span: s.value.span });
    }
  }
  return out;
}

/**
 * An rc file that includes (or switches to) one it is read from. procmail
 * has no cycle check: INCLUDERC nests until a condition stops it or open()
 * runs out of file descriptors (about 1000 levels under the usual limit of
 * 1024), when it logs `Couldn't read` and goes on; SWITCHRC goes round until
 * a condition stops it (mailrules gives up after MAX_INCLUDES_PER_MESSAGE).
 */
function cycleWarning(inc: Include, from: string, loop: readonly string[]): Diagnostic {
  const route = [...loop, inc.file].map((f) => `"${f}"`).join(' -> ');
  const what = loop.length === 1 ? `"${from}" ${inc.name === 'INCLUDERC' ? 'includes' : 'switches to'} itself` : `${inc.name} cycle ${route}`;
  const then = inc.name === 'INCLUDERC'
    ? 'procmail reads it inside itself again and again unless a condition stops it, until it runs out of file descriptors (about 1000 levels), then logs "Couldn\'t read" and goes on'
    : 'procmail goes round and round unless a condition stops it';
  return diagnostic('warning', 'include-cycle', `${what}: ${then}`, inc.span);
}
