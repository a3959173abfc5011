/**
 * What the converter knows about procmail variables at a point of the rc
 * file, and words (folder names, addresses, assignment values) as Sieve
 * string values.
 *
 * procmail expands `$NAME` when it reaches a statement (procmailrc(5)
 * "Environment variable substitution"). A variable the rc file assigns a
 * literal is a constant until a conditional block may have changed it; one
 * it assigns anything else (`$MATCH`, another variable) is a Sieve
 * variable of the same name (RFC 5229), set by the converted assignment.
 * One it never assigns comes from procmail's environment (HOME, LOGNAME…),
 * which a Sieve script does not have.
 */
import { linebufValue } from '../compile/renvint.js';
import { DEFAULT_LINEBUF } from '../limits.js';
import type { Span } from '../source/span.js';
import type { Word, WordPart } from '../syntax/ast.js';
import type { Reason } from './report.js';
import { lit } from './script.js';

/**
 * Why a variable the script holds may not have procmail's value (MATCH from
 * a folded field, a formail extraction, …): not a caveat of the recipe that
 * set it, but of every recipe or statement that reads it (Vars.get records
 * each read; convert.ts reports them where they happen).
 */
export interface Inexact {
  readonly name: string;
  readonly line: number;
  readonly message: string;
}

export type VarState =
  /** `unset`: a bare `NAME` line unset it (procmail), which `${NAME-alt}` can tell from empty. */
  | { readonly kind: 'const'; readonly value: string; readonly unset?: true }
  /** Held in the Sieve variable of the same name; `inexact` when its value may differ from procmail's. */
  | { readonly kind: 'runtime'; readonly inexact?: Inexact }
  /** Never assigned here: procmail's environment. */
  | { readonly kind: 'env' }
  /** Assigned by a statement that was not converted. */
  | { readonly kind: 'lost'; readonly line: number };

const ENV: VarState = { kind: 'env' };
export const RUNTIME: VarState = { kind: 'runtime' };

export class Vars {
  /**
   * A copy (for a block that may not run) keeps only what it changes, over
   * its parent: an rc file with thousands of variables and blocks would
   * otherwise copy all of them for every block.
   */
  private constructor(
    private readonly map: Map<string, VarState>,
    private readonly parent: Vars | null,
    /** Reads of inexact variables, shared by a Vars and its copies, until convert.ts takes them. */
    private readonly reads: Inexact[],
  ) {}

  static initial(): Vars {
    // MATCH starts empty in procmail, as an unset Sieve variable does; `$=` (kept as "=") starts at 0.
    return new Vars(new Map<string, VarState>([['MATCH', RUNTIME], ['=', { kind: 'const', value: '0' }]]), null, []);
  }

  /** A variable's state, as a conversion reads it: a read of an inexact value is recorded. */
  get(name: string): VarState {
    const s = this.peek(name);
    if (s.kind === 'runtime' && s.inexact !== undefined) this.reads.push(s.inexact);
    return s;
  }

  /** A variable's state, for the converter's own bookkeeping (not a read by the script). */
  peek(name: string): VarState {
    return this.map.get(name) ?? this.parent?.peek(name) ?? ENV;
  }

  set(name: string, state: VarState): void {
    this.map.set(name, state);
  }

  copy(): Vars {
    return new Vars(new Map(), this, this.reads);
  }

  /** Where the reads of inexact values stand now: take(mark) gives those made since. */
  mark(): number {
    return this.reads.length;
  }

  /** The reads of inexact values since `mark`, each variable once, removed from the record. */
  take(mark: number): Inexact[] {
    const taken = this.reads.splice(mark);
    return taken.filter((r, i) => taken.findIndex((o) => o.name === r.name && o.line === r.line && o.message === r.message) === i);
  }

  /**
   * After a block that may or may not have run: a variable the block
   * changed is no longer a known constant.
   */
  mergeMaybe(inner: Vars): void {
    for (const [name, s] of inner.map) {
      const before = this.peek(name);
      const inexact = inexactOf(s) ?? inexactOf(before);
      const same =
        before.kind === s.kind &&
        inexactOf(before) === inexactOf(s) &&
        (s.kind !== 'const' || (before.kind === 'const' && before.value === s.value && before.unset === s.unset));
      // When the block did not run, a variable keeps its value from before: from procmail's environment Sieve cannot
      // know it; never set, it is empty, as the Sieve variable is then. Inexact on either way, it stays so.
      const unknownBefore = (before.kind === 'env' && fromEnvironment(name)) || before.kind === 'lost';
      if (!same) this.map.set(name, unknownBefore ? before : s.kind === 'lost' ? s : inexact !== undefined ? { kind: 'runtime', inexact } : RUNTIME);
    }
  }

}

function inexactOf(s: VarState): Inexact | undefined {
  return s.kind === 'runtime' ? s.inexact : undefined;
}

/** A word after what the converter can expand: text, and Sieve variable references. */
export type Piece = { readonly text: string } | { readonly variable: string };

export type Template = readonly Piece[];

/**
 * What procmail's environment holds when an rc file starts (procmailrc(5)
 * "Environment"): the variables procmail sets itself and the usual login
 * environment. Any other variable the rc file never assigns is taken to be
 * unset, which is what an unset Sieve variable is too (empty).
 */
const ENVIRONMENT = new Set([
  'HOME', 'LOGNAME', 'USER', 'SHELL', 'PATH', 'HOST', 'TZ', 'LANG', 'LC_ALL', 'TMPDIR', 'MAIL', 'PWD', 'ORGMAIL',
  'DEFAULT', 'MAILDIR', 'SENDMAIL', 'SENDMAILFLAGS', 'LOCKEXT', 'MSGPREFIX', 'LASTFOLDER', 'SHELLMETAS', 'SHELLFLAGS',
  'LINEBUF', 'UMASK', 'TIMEOUT', 'LOCKTIMEOUT', 'LOCKSLEEP', 'SUSPEND', 'NORESRETRY', 'COMSAT', 'LOGABSTRACT', 'VERBOSE',
  'LOGFILE', 'INCLUDERC', 'SWITCHRC', 'EXITCODE', 'TRAP', 'DELIVERED', 'DROPPRIVS', 'PROCMAIL_VERSION', 'PROCMAIL_OVERFLOW',
]);

/** Whether procmail's environment may give a variable a value the rc file does not set. */
export function fromEnvironment(name: string): boolean {
  return ENVIRONMENT.has(name);
}

export interface Expanded {
  readonly template: Template;
  /** Variables from procmail's environment, which Sieve does not have. */
  readonly unknown: readonly string[];
  /** Variables never assigned and not procmail's own: taken as unset (empty). */
  readonly unset: readonly string[];
  /** Why the word cannot be expanded at all (backticks, `$1`…), or null. */
  readonly problem: string | null;
}

function push(out: Piece[], p: Piece): void {
  const last = out[out.length - 1];
  if ('text' in p && last !== undefined && 'text' in last) out[out.length - 1] = { text: last.text + p.text };
  else if (!('text' in p) || p.text !== '') out.push(p);
}

/** Expand word parts as far as constants go (procmailrc(5) "Environment variable substitution"). */
export function expandParts(parts: readonly WordPart[], vars: Vars): Expanded {
  const out: Piece[] = [];
  const unknown: string[] = [];
  const unset: string[] = [];
  let problem: string | null = null;
  for (const p of parts) {
    switch (p.kind) {
      case 'text':
        push(out, { text: p.text });
        break;
      case 'var': {
        const s = vars.get(p.name);
        if (p.op !== '') {
          if (s.kind === 'lost') {
            problem ??= `$${p.name}, whose assignment (line ${s.line}) is not converted`;
            break;
          }
          const assumedUnset = s.kind === 'env' && !fromEnvironment(p.name);
          if (s.kind !== 'const' && !assumedUnset) {
            problem ??= `\${${p.name}${p.op}...} of a variable whose value is only known when the mail arrives`;
            break;
          }
          if (assumedUnset) unset.push(p.name);
          const value = s.kind === 'const' && s.unset !== true ? s.value : null;
          const set = value === null ? false : p.op.startsWith(':') ? value !== '' : true;
          const useAlt = p.op.endsWith('-') ? !set : set;
          if (!useAlt) {
            if (p.op.endsWith('-') && value !== null) push(out, { text: value });
            break;
          }
          const alt = expandParts(p.alt ?? [], vars);
          alt.template.forEach((x) => push(out, x));
          unknown.push(...alt.unknown);
          unset.push(...alt.unset);
          problem ??= alt.problem;
          break;
        }
        if (s.kind === 'const') push(out, { text: s.value });
        else if (s.kind === 'lost') problem ??= `$${p.name}, whose assignment (line ${s.line}) is not converted`;
        else if (s.kind === 'env' && !fromEnvironment(p.name)) unset.push(p.name);
        else {
          if (s.kind === 'env') unknown.push(p.name);
          push(out, { variable: p.name });
        }
        break;
      }
      case 'regexvar':
        problem ??= `$\\${p.name} outside a condition`;
        break;
      case 'special': {
        // `$=` is known where the last recipe had no weights (it is 0 then): the converter keeps it as a variable named "=".
        const s = p.name === '=' ? vars.get('=') : null;
        if (s?.kind === 'const') push(out, { text: s.value });
        else problem ??= `$${p.name} (procmail's own value; Sieve has no equivalent)`;
        break;
      }
      case 'backtick':
        problem ??= 'a backquoted command (Sieve runs no programs)';
        break;
      case 'bad':
        problem ??= `a substitution procmail rejects ("${p.text}")`;
        break;
    }
  }
  return { template: out, unknown, unset, problem };
}

export function expandWord(w: Word, vars: Vars): Expanded {
  return expandParts(w.parts, vars);
}

/**
 * A word of an action line (folders, forward addresses): procmail splits an
 * unquoted expansion at blanks, as sh does, so one word may be several.
 */
export function expandFields(w: Word, vars: Vars): Expanded[] {
  const words: WordPart[][] = [[]];
  for (const p of w.parts) {
    const s = p.kind === 'var' && p.quote === 'none' && p.op === '' ? vars.get(p.name) : null;
    if (s?.kind === 'const' && /[ \t\n]/.test(s.value)) {
      s.value.split(/[ \t\n]+/).forEach((piece, i) => {
        if (i > 0) words.push([]);
        if (piece !== '') words[words.length - 1]!.push({ kind: 'text', text: piece, quote: 'none' });
      });
      continue;
    }
    words[words.length - 1]!.push(p);
  }
  return words.filter((parts) => parts.length > 0).map((parts) => expandParts(parts, vars));
}

/** The template as a Sieve string value. */
export function sieveValue(t: Template): string {
  return t.map((p) => ('text' in p ? lit(p.text) : '${' + p.variable + '}')).join('');
}

/** The template's text when it has no variables, else null. */
export function constText(t: Template): string | null {
  if (t.length === 0) return '';
  return t.length === 1 && 'text' in t[0]! ? t[0].text : null;
}

export function sameTemplate(a: Template, b: Template): boolean {
  return a.length === b.length && a.every((p, i) => {
    const q = b[i]!;
    return 'text' in p ? 'text' in q && q.text === p.text : 'variable' in q && q.variable === p.variable;
  });
}

/** `rest` when `t` starts with `prefix` (text compared as text), else null. */
export function stripPrefix(t: Template, prefixIn: Template): Template | null {
  const prefix: Piece[] = [];
  for (const p of prefixIn) push(prefix, p);
  const out: Piece[] = [...t];
  for (let i = 0; i < prefix.length; i++) {
    const p = prefix[i]!;
    const q = out[0];
    if (q === undefined) return null;
    if ('variable' in p) {
      if (!('variable' in q) || q.variable !== p.variable) return null;
      out.shift();
      continue;
    }
    if (!('text' in q)) return null;
    const last = i === prefix.length - 1;
    if (q.text === p.text) out.shift();
    else if (last && q.text.startsWith(p.text)) out[0] = { text: q.text.slice(p.text.length) };
    else return null;
  }
  return out;
}

/**
 * Text with `$NAME` and `${NAME}` (formail arguments, `@` action texts),
 * expanded as far as constants go; `$$` is a literal `$` (see parseFormail()).
 */
export function expandText(text: string, vars: Vars): Expanded {
  const parts: WordPart[] = [];
  const re = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;
  let at = 0;
  const span = { file: '', line: 0, col: 0, start: 0, end: 0 };
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    parts.push({ kind: 'text', text: text.slice(at, m.index), quote: 'double' });
    if (m[0] === '$$') parts.push({ kind: 'text', text: '$', quote: 'double' });
    else parts.push({ kind: 'var', name: (m[1] ?? m[2])!, quote: 'double', op: '', alt: null, span });
    at = m.index + m[0].length;
  }
  parts.push({ kind: 'text', text: text.slice(at), quote: 'double' });
  return expandParts(parts, vars);
}

/** The note for variables an expansion took as unset. */
export function unsetNotes(names: readonly string[], span: Span): Reason[] {
  if (names.length === 0) return [];
  const list = [...new Set(names)].join(', ');
  return [{
    severity: 'note',
    code: 'unset-variable',
    message: `${list} ${names.length === 1 ? 'is' : 'are'} never assigned and taken as unset (empty), as in the environment an MTA starts procmail with`,
    span,
  }];
}

/** LINEBUF as the converter knows it at this point: procmail's default, the rc file's constant, or null. */
export function knownLinebuf(vars: Vars): number | null {
  const v = vars.get('LINEBUF');
  if (v.kind === 'env') return DEFAULT_LINEBUF;
  return v.kind === 'const' ? linebufValue(v.value) : null;
}
