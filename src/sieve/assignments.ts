import * as path from 'node:path';
import { compileRc } from '../compile/compile.js';
import type { Step } from '../compile/compiled-rc.js';
import { MAX_INCLUDE_DEPTH } from '../limits.js';
import type { Assignment } from '../syntax/ast.js';
import { unchain, type Books, type Frame } from './books.js';
import type { Entry, Reason } from './report.js';
import { command, comment, str, type Command } from './script.js';
import { constText, expandWord, RUNTIME, sieveValue, unsetNotes, type Expanded, type Template, type Vars } from './values.js';

/**
 * Assignments in the rc file as the converter reads them: variables a
 * Sieve script can hold become `set`, procmail's settings are taken note
 * of, MAILDIR and DEFAULT decide where folders go, INCLUDERC and SWITCHRC
 * are inlined, and what Sieve cannot do is reported.
 */

/** What of the converter an assignment reads and changes (convert.ts Converter). */
export interface AssignmentHost {
  readonly entries: Entry[];
  readonly sources: Map<string, string>;
  readonly opts: { readFile(path: string): string | null };
  vars: Vars;
  maildir: Template;
  maildirPath: string | null;
  readonly inbox: Template[];
  usedDebugLog: boolean;
  readonly names: Map<string, string>;
  fileName(t: Template): string | null;
  resolve(file: string, frame: Frame): string;
  level(steps: readonly Step[], depth: number, frame: Frame, books: Books, sieveDepth: number): Command[];
}

/** procmail settings: assigning them changes procmail's behaviour, not a value a Sieve script would use. */
const SETTINGS = new Set([
  'LOGFILE', 'VERBOSE', 'LOGABSTRACT', 'COMSAT', 'LOCKFILE', 'LOCKEXT', 'LOCKTIMEOUT', 'LOCKSLEEP', 'TIMEOUT', 'UMASK',
  'SHELL', 'SHELLMETAS', 'SHELLFLAGS', 'SENDMAIL', 'SENDMAILFLAGS', 'PATH', 'LINEBUF', 'NORESRETRY', 'SUSPEND',
  'MSGPREFIX', 'DROPPRIVS', 'PROCMAIL_OVERFLOW', 'LOOPID', 'REPLYFROM', 'REPLYDAYS', 'REPLYCACHE', 'LASTFOLDER',
]);

function statement(c: AssignmentHost, a: Assignment, severity: Reason['severity'], code: string, message: string): void {
c.entries.push({ kind: 'statement', span: a.span, reasons: [{ severity, code, message, span: a.span }] });
}

/** A statement entry for variables taken as unset. */
function notes(c: AssignmentHost, a: Assignment, unset: readonly string[]): void {
const n = unsetNotes(unset, a.span);
if (n.length > 0) c.entries.push({ kind: 'statement', span: a.span, reasons: n });
}

/** One assignment: a Sieve `set`, a setting taken note of, an included file inlined, or a reason it is not converted. */
export function convertAssignment(c: AssignmentHost, a: Assignment, depth: number, frame: Frame, books: Books, sieveDepth: number): Command[] {
  const name = a.name;
  const reads = c.vars.mark();
  const x: Expanded = a.value === null ? { template: [], unknown: [], unset: [], problem: null } : expandWord(a.value, c.vars);
  const value = x.template;
  const text = constText(value);
  switch (name) {
    case 'LOG': {
      if (x.problem !== null || x.unknown.length > 0) {
        statement(c, a, 'warning', 'log', `LOG is left out: its text has ${x.problem ?? 'variables from procmail\'s environment (' + x.unknown.join(', ') + ')'}`);
        return [];
      }
      c.usedDebugLog = true;
      notes(c, a, x.unset);
      const t = [...value];
      const lastPiece = t[t.length - 1];
      if (lastPiece !== undefined && 'text' in lastPiece) t[t.length - 1] = { text: lastPiece.text.replace(/\n$/, '') };
      return [command('debug_log', [str(sieveValue(t))], ['vnd.dovecot.debug'])];
    }
    case 'MAILDIR':
      if (x.problem !== null) {
        statement(c, a, 'warning', 'maildir', `MAILDIR has ${x.problem}: later folder names are taken as written`);
        c.maildir = [{ variable: 'MAILDIR' }];
        c.maildirPath = null;
        return [];
      }
      c.maildir = value.length > 0 && 'text' in value[value.length - 1]! ? trimSlash(value) : value;
      c.maildirPath = text === null ? null : path.resolve(frame.dir, text);
      // procmail keeps the old MAILDIR when it cannot change into the new one: its value is not known here.
      c.vars.set(name, { kind: 'env' });
      return [];
    case 'DEFAULT':
    case 'ORGMAIL':
      if (x.problem !== null) {
        statement(c, a, 'warning', 'default', `${name} has ${x.problem}: folders are compared with it as written`);
        return [];
      }
      if (name === 'DEFAULT' && (depth > 0 || c.inbox.length > 0) && !c.inbox.some((t) => sameText(t, value))) {
        statement(c, a, 'warning', 'default', 'DEFAULT changes here; the INBOX (implicit keep) stays one mailbox in Sieve');
      }
      c.inbox.push(value);
      c.vars.set(name, text === null ? RUNTIME : { kind: 'const', value: text });
      return [];
    case 'INCLUDERC':
    case 'SWITCHRC':
      return include(c, a, name, x.problem === null ? c.fileName(value) : null, x.problem, depth, frame, books, sieveDepth);
    case 'HOST':
      statement(c, a, 'error', 'host', 'HOST stops the rc file when it differs from the host name; Sieve cannot know the host');
      return [comment(`${a.span.file}:${a.span.line}: NOT CONVERTED: ${a.raw}`)];
    case 'TRAP':
      statement(c, a, 'error', 'trap', 'TRAP runs a program when procmail exits; Sieve runs none');
      return [];
    case 'EXITCODE':
      statement(c, a, 'warning', 'exitcode', 'EXITCODE sets the exit code procmail returns to the MTA; a Sieve script has none');
      return [];
    case 'DELIVERED':
      statement(c, a, 'warning', 'delivered', 'DELIVERED tells the MTA the mail is delivered at once; Sieve has no such thing');
      return [];
  }
  if (SETTINGS.has(name)) {
    c.vars.set(name, x.problem === null && text !== null ? { kind: 'const', value: text } : RUNTIME);
    return [];
  }
  if (x.problem !== null || x.unknown.length > 0) {
    const why = x.problem ?? `${x.unknown.join(', ')} from procmail's environment, which Sieve does not have`;
    statement(c, a, 'error', 'assignment', `${name} is not set: its value has ${why}`);
    c.vars.set(name, { kind: 'lost', line: a.span.line });
    return [comment(`${a.span.file}:${a.span.line}: NOT CONVERTED: ${a.raw.split('\n')[0]}`)];
  }
  notes(c, a, x.unset);
  const lower = name.toLowerCase();
  const seen = c.names.get(lower);
  if (seen !== undefined && seen !== name) {
    statement(c, a, 'warning', 'variable-case', `Sieve variable names ignore case: ${name} and ${seen} are one variable`);
  }
  c.names.set(lower, name);
  // A value taken from one that may not be procmail's is inexact in turn: whatever reads it gets the caveat, not this copy.
  const taken = c.vars.take(reads);
  const inexact = taken.length === 0 ? undefined : { name, line: a.span.line, message: taken.map((r) => `it takes $${r.name} (line ${r.line}): ${r.message}`).join('; ') };
  c.vars.set(name, inexact !== undefined ? { kind: 'runtime', inexact } : text === null ? RUNTIME : a.value === null ? { kind: 'const', value: '', unset: true } : { kind: 'const', value: text });
  return [command('set', [str(name), str(sieveValue(value))], ['variables'])];
}

function include(c: AssignmentHost, a: Assignment, name: string, file: string | null, problem: string | null, depth: number, frame: Frame, books: Books, sieveDepth: number): Command[] {
  if (name === 'SWITCHRC' && frame.included) {
    statement(c, a, 'error', 'switchrc', 'SWITCHRC in an included file');
    return [];
  }
  if (file === '' || (a.value === null && name === 'SWITCHRC')) {
    if (name === 'INCLUDERC') return [];
    // An empty SWITCHRC ends the rc file: what is left is the implicit keep.
    return [command('stop')];
  }
  if (problem !== null || file === null) {
    statement(c, a, 'error', 'include', `${name} names its file with ${problem ?? 'variables the converter does not know'}: it cannot be inlined`);
    books.prev = { kind: 'unknown', line: a.span.line };
    books.last = { kind: 'unknown', line: a.span.line };
    books.outcome = 'unknown';
    return [comment(`${a.span.file}:${a.span.line}: NOT CONVERTED: ${a.raw}`)];
  }
  const p = c.resolve(file, frame);
  const text = frame.includeDepth >= MAX_INCLUDE_DEPTH ? null : c.opts.readFile(p);
  if (text === null) {
    statement(c, a, 'warning', 'include', `cannot read "${p}": procmail would log "Couldn't read" and go on without it, and so does the script`);
    return [];
  }
  const program = compileRc(text, p);
  c.sources.set(p, text);
  for (const d of program.diagnostics) {
    if (d.severity === 'error') c.entries.push({ kind: 'file', span: d.span, reasons: [{ severity: 'error', code: d.code, message: `the included file has an error: ${d.message}`, span: d.span }] });
  }
  const inner: Frame = { file: p, dir: path.dirname(p), included: true, includeDepth: frame.includeDepth + 1 };
  // An `if` chain cannot reach across the file boundary (the commands are spliced in afterwards).
  unchain(books, a.span.line);
  const commands = [comment(`${name}=${file}: ${p}`), ...c.level(program.items, depth, inner, books, sieveDepth), comment(`end of ${p}`)];
  unchain(books, a.span.line);
  return name === 'SWITCHRC' ? [...commands, command('stop')] : commands;
}

function trimSlash(t: Template): Template {
  const last = t[t.length - 1]!;
  if (!('text' in last)) return t;
  const trimmed = last.text.replace(/\/+$/, '');
  return trimmed === '' && t.length > 1 ? t.slice(0, -1) : [...t.slice(0, -1), { text: trimmed }];
}

function sameText(a: Template, b: Template): boolean {
  return sieveValue(a) === sieveValue(b);
}
