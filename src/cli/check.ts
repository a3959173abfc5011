/**
 * `mailrules check rc...`: compile each rc file and every INCLUDERC/SWITCHRC
 * it names, then print all diagnostics. Exit 0 without errors (warnings
 * allowed), EX_CONFIG (78) with errors.
 *
 * Include names are expanded as the dry run would expand them: HOME, LOGNAME
 * and the other presets from the passwd entry (src/dryrun/env.ts), MAILDIR as
 * assigned, and any variable assigned a value known by then; a name that
 * needs anything else (a backtick, `$1`, a variable only delivery knows) is
 * not followed, and a warning says on which line.
 *
 * Output: text is `file:line:col: severity: message` + source line + caret
 * (formatDiagnostic), then one summary line (recipes, files read, problems)
 * unless `--quiet`; `--json` is one JSON array of
 * `{file, line, col, severity, code, message}` in file order.
 */
import * as path from 'node:path';
import { authservWarnings } from '../compile/ext-check.js';
import { compileRc } from '../compile/compile.js';
import type { Step } from '../compile/compiled-rc.js';
import { diagnostic, formatDiagnostic, hasErrors, type Diagnostic } from '../source/diagnostic.js';
import { EX_CONFIG, EX_NOINPUT, EX_OK } from '../sysexits.js';
import type { WordPart } from '../syntax/ast.js';
import { inFileOrder } from '../syntax/walk.js';
import { readRcText } from './rc-text.js';

export interface CheckIo {
  stdout(s: string): void;
  stderr(s: string): void;
  /** Read a file as latin1 text; throws when it cannot be read. */
  readFile(p: string): string;
  /** The variables include names may use, as a dry run starts with them (dryRunEnv); none when absent. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface JsonDiagnostic {
  file: string;
  line: number;
  col: number;
  severity: 'error' | 'warning';
  code: string;
  message: string;
}

export function runCheck(paths: readonly string[], opts: { json: boolean; quiet?: boolean }, io: CheckIo): number {
  // Files an including rc assigned AUTHSERV_ID in: their @auth conditions are not warned about.
  const authservSet = new Set<string>();
  const found: { d: Diagnostic; text: string | undefined }[] = [];
  const seen = new Set<string>();
  let recipes = 0;
  // Depth first in file order, with our own stack: an rc file's includes are
  // checked right after it. `chain` holds the files being read inside each
  // other, for the cycle warning.
  const chain: string[] = [];
  const pending: { file: string; text: string; includes: (Include | NotFollowed)[]; next: number }[] = [];
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
    const compiled = compileRc(text, file);
    recipes += countRecipes(compiled.items);
    const authserv = authservWarnings(compiled.items, authservSet.has(key));
    const all = authserv.diagnostics.length === 0 ? compiled.diagnostics : [...compiled.diagnostics, ...authserv.diagnostics].sort((a, b) => a.span.start - b.span.start);
    for (const d of all) found.push({ d, text });
    const incs = includes(compiled.items, file, io.env ?? {});
    if (authserv.assigns || authservSet.has(key)) for (const inc of incs) if (!('note' in inc)) authservSet.add(path.resolve(inc.file));
    pending.push({ file, text, includes: incs, next: 0 });
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
      if ('note' in inc) {
        found.push({ d: inc.note, text: top.text });
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
    // The error for a file named that cannot be read says it all.
    if (opts.quiet !== true && !unreadable) io.stdout(`${summary(recipes, seen.size, found.map((f) => f.d))}\n`);
  }
  if (unreadable) return EX_NOINPUT;
  return hasErrors(found.map((f) => f.d)) ? EX_CONFIG : EX_OK;
}

/** `12 recipes in 3 files: no problems` (or how many errors and warnings). */
function summary(recipes: number, files: number, ds: readonly Diagnostic[]): string {
  const errors = ds.filter((d) => d.severity === 'error').length;
  const warnings = ds.length - errors;
  const n = (k: number, what: string): string => `${k} ${what}${k === 1 ? '' : 's'}`;
  const problems = errors + warnings === 0 ? 'no problems' : [errors > 0 ? n(errors, 'error') : '', warnings > 0 ? n(warnings, 'warning') : ''].filter((x) => x !== '').join(', ');
  return `${n(recipes, 'recipe')} in ${n(files, 'file')} read: ${problems}`;
}

function countRecipes(steps: readonly Step[]): number {
  let n = 0;
  for (const { item } of inFileOrder(steps)) if (item.kind === 'recipe') n++;
  return n;
}

/** An INCLUDERC or SWITCHRC whose name is known before delivery (`$_` is the rc file itself). */
interface Include {
  readonly name: 'INCLUDERC' | 'SWITCHRC';
  readonly file: string;
  readonly span: Diagnostic['span'];
}

/** An INCLUDERC or SWITCHRC whose name cannot be known before delivery: a warning says why. */
interface NotFollowed {
  readonly note: Diagnostic;
}

/**
 * INCLUDERC/SWITCHRC assignments, in file order, with their names expanded
 * from what is known before delivery (`env`, then the rc's own assignments,
 * read top to bottom); `$_` alone is the rc file being read (docs/procmail-semantics.md
 * §1.3). procmail resolves a relative name against the current directory,
 * which is MAILDIR once set; before that (and for our purposes) the rc
 * file's directory. A name that cannot be known is a warning (`note`).
 */
function includes(steps: readonly Step[], rcFile: string, env: Readonly<Record<string, string>>): (Include | NotFollowed)[] {
  const out: (Include | NotFollowed)[] = [];
  // A variable whose value only delivery knows (a backtick, `$1`…) is null.
  const vars = new Map<string, string | null>(Object.entries(env));
  let base: string | null = path.dirname(rcFile);
  for (const { item: s } of inFileOrder(steps)) {
    if (s.kind !== 'assign') continue;
    if (s.value === null) {
      vars.delete(s.name);
      if (s.name === 'MAILDIR') base = null;
      continue;
    }
    const parts = s.value.parts;
    const self = parts.length === 1 && parts[0]!.kind === 'special' && parts[0]!.name === '_';
    const v = self ? rcFile : knownText(parts, vars);
    vars.set(s.name, typeof v === 'string' ? v : null);
    if (s.name === 'MAILDIR') base = typeof v !== 'string' ? null : base === null && !path.isAbsolute(v) ? null : path.resolve(base ?? '/', v);
    else if (s.name === 'INCLUDERC' || s.name === 'SWITCHRC') {
      const span = s.value.span;
      if (typeof v !== 'string') out.push({ note: diagnostic('warning', 'include-not-followed', `${s.name} not checked: ${v.why}`, span) });
      else if (v === '') continue;
      else if (path.isAbsolute(v) || self) out.push({ name: s.name, file: v, span });
      else if (base !== null) out.push({ name: s.name, file: path.join(base, v), span });
      else out.push({ note: diagnostic('warning', 'include-not-followed', `${s.name} not checked: "${v}" is relative to a MAILDIR only delivery knows`, span) });
    }
  }
  return out;
}

/**
 * A word's text from the variables as they are before delivery (an unset one
 * is empty, as in procmail), or why it cannot be known then.
 */
function knownText(parts: readonly WordPart[], vars: ReadonlyMap<string, string | null>): string | { why: string } {
  let s = '';
  for (const p of parts) {
    if (p.kind === 'text') s += p.text;
    else if (p.kind === 'var') {
      const v = vars.get(p.name);
      if (v === null) return { why: `$${p.name} has a value only delivery knows` };
      const set = v !== undefined;
      const full = set && v !== '';
      // ${V:-alt} ${V-alt}: alt when unset (or empty); ${V:+alt} ${V+alt}: alt when set (and not empty).
      const useAlt = p.op === ':-' ? !full : p.op === '-' ? !set : p.op === ':+' ? full : p.op === '+' ? set : false;
      if (p.op === '' || ((p.op === ':-' || p.op === '-') && !useAlt)) s += v ?? '';
      else if (useAlt && p.alt !== null) {
        const alt = knownText(p.alt, vars);
        if (typeof alt !== 'string') return alt;
        s += alt;
      }
    } else if (p.kind === 'backtick') return { why: 'a backtick runs only in delivery' };
    else return { why: `${p.kind === 'special' ? `$${p.name}` : 'its value'} is known only in delivery` };
  }
  return s;
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
