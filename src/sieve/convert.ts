/**
 * A compiled rc file → a Sieve script and the report of what became of each
 * recipe. The structure of procmail's processing (procmail.c mainloop;
 * procmailrc(5) "Flags") in Sieve terms:
 *
 * - Statements run in order; a delivering recipe that succeeds ends
 *   processing (`stop`), falling off the end delivers to DEFAULT (Sieve's
 *   implicit keep into the INBOX).
 * - `{ }` blocks nest; `E` recipes that follow a recipe are `elsif` branches
 *   of its `if`. Where the flags need more (A, a, E after a statement, a
 *   recipe whose conditions nest), the bookkeeping procmail keeps —
 *   prevcond, lastcond — is kept in Sieve variables, one pair per nesting
 *   depth (a block restores its parent's pair on exit, as procmail's
 *   ifstack does).
 * - Sieve actions cannot fail while the script runs, so procmail's
 *   lastsucc is always true after an action: `a` is `A`, and `e` never runs
 *   (unless it is the second half of the vacation idiom, idioms.ts).
 * - Assignments become `set` (RFC 5229) unless the variable is a procmail
 *   setting; LOG becomes `debug_log`; INCLUDERC and SWITCHRC are inlined.
 */
import * as path from 'node:path';
import { compileRc } from '../compile/compile.js';
import type { CompiledRc, CompiledRecipe, Step } from '../compile/compiled-rc.js';
import { scoreVariable } from '../eval/score.js';
import { PIGEONHOLE_MAX_NESTING, PIGEONHOLE_MAX_SCRIPT_SIZE, SIEVE_MAX_RC_NESTING } from '../limits.js';
import { convertAction, type ActionContext } from './actions.js';
import type { CondContext } from './conditions.js';
import type { Separator } from './folders.js';
import { emitGuard, guardOf, isSimple, simpleTest } from './guard.js';
import { isVacationCache, vacationCommands, vacationReply } from './idioms.js';
import type { ListFiles } from './lists.js';
import { forkedCopy, type Continuation } from './fork.js';
import { recipeEntries, type Entry, type Reason } from './report.js';
import { aboutMatchValue, inexactReasons, valueCaveats } from './inexact.js';
import { allof, command, comment, DOLLAR_VARIABLE, not, printScript, quoted, setVar, type Command } from './script.js';
import { expandText, RUNTIME, type Template, Vars } from './values.js';
import { convertAssignment, type AssignmentHost } from './assignments.js';
import { FALSE_COND, isSet, needLastOut, needPrevOut, nextRecipe, TRUE_COND, type Books, type Cond, type Frame, type MutableIf, type Outcome } from './books.js';
import { flagPrerequisites } from './prerequisites.js';

export interface ConvertOptions {
  readonly separator: Separator;
  readonly allowPipe: boolean;
  /** A file's text (INCLUDERC, list files, reply texts); null when it cannot be read. */
  readFile(path: string): string | null;
  /**
   * procmail's environment as far as it locates those files (HOME, for
   * `INCLUDERC=$HOME/…`). Only used to find files: the script never
   * contains these values.
   */
  readonly environment?: ReadonlyMap<string, string>;
}

export interface Conversion {
  readonly sieve: string;
  readonly entries: Entry[];
  /** Every file read (the rc file and its includes), for excerpts in the report. */
  readonly sources: Map<string, string>;
  readonly assumptions: string[];
}

/** What every converted header test assumes (also the script's header comment). */
export const ASSUMPTIONS = [
  'Sieve tests a header field by its value: RFC 2047 encoded words decoded, folded lines joined, and the blanks around the value removed; procmail matches the raw line. Patterns are converted for fields written with one blank after the colon.',
  'Folders are mailbox names relative to MAILDIR; DEFAULT is the INBOX (keep). The folders\' parent directories are taken to exist: procmail does not make them (it falls back to DEFAULT), fileinto :create does.',
];

export function convertCompiledRc(rc: CompiledRc, opts: ConvertOptions): Conversion {
  const c = new Converter(opts);
  c.sources.set(rc.file, rc.text);
  for (const d of rc.diagnostics) {
    // An invalid pattern is the recipe's to report: procmail runs what it compiled of it, and so does the conversion (conditions.ts).
    if (d.severity === 'error' && d.code !== 'invalid-regexp') c.entries.push({ kind: 'file', span: d.span, reasons: [{ severity: 'error', code: d.code, message: `the rc file has an error: ${d.message}`, span: d.span }] });
  }
  const frame: Frame = { file: rc.file, dir: path.dirname(rc.file), included: false, includeDepth: 0 };
  const commands = c.level(rc.items, 0, frame, { prev: FALSE_COND, last: FALSE_COND, outcome: 'unknown' }, 0);
  const text = printScript([`Converted from ${rc.file} by mailrules to-sieve.`, ...c.assumptions()], commands);
  const sieve = text.includes('${' + DOLLAR_VARIABLE + '}') ? text.replace(/^require .*\n/m, (req) => `${req}set "${DOLLAR_VARIABLE}" "$";\n`) : text;
  if (sieve.length > PIGEONHOLE_MAX_SCRIPT_SIZE) {
    const span = { file: rc.file, line: 0, col: 0, start: 0, end: 0 };
    c.entries.push({
      kind: 'file',
      span,
      reasons: [{ severity: 'warning', code: 'script-size', message: `the script is ${sieve.length} bytes; Pigeonhole refuses scripts over sieve_max_script_size (1 MB by default): raise it, or split the rc file`, span }],
    });
  }
  return { sieve, entries: c.entries, sources: c.sources, assumptions: c.assumptions() };
}

export function convertRc(text: string, file: string, opts: ConvertOptions): Conversion {
  return convertCompiledRc(compileRc(text, file), opts);
}

class Converter implements AssignmentHost {
  readonly entries: Entry[] = [];
  readonly sources = new Map<string, string>();
  vars = Vars.initial();
  /** MAILDIR as a template (procmail's default is $HOME). */
  maildir: Template = [{ variable: 'HOME' }];
  /** MAILDIR as a directory the converter can read files in, or null. */
  maildirPath: string | null = null;
  readonly inbox: Template[] = [];
  private temps = 0;
  usedDebugLog = false;
  /** Whether a converted action always fails (so lastsucc may be false where the converter does not follow it). */
  failingActions = false;
  /** Outcomes of the block's recipes that may act: lastsucc after a block is its last action's (procmail.c). */
  private blockOutcomes: Outcome[] | null = null;
  /** Where the statements after each enclosing block go on, outermost first (what a forked copy runs after its block). */
  continuations: Continuation[] = [];
  /** Forked copies converted so far (each converts the rest of the file once more). */
  forks = 0;
  /** Sieve variable names in use, lower-cased (Sieve's names ignore case, procmail's do not). */
  readonly names = new Map<string, string>();

  constructor(readonly opts: ConvertOptions) {}

  assumptions(): string[] {
    return [...ASSUMPTIONS, ...(this.usedDebugLog ? ['LOG text goes to Dovecot\'s log (debug_log, vnd.dovecot.debug), not to LOGFILE.'] : [])];
  }

  temp(purpose: string): string {
    return `mr_${purpose.replace(/[^A-Za-z0-9_]/g, '_')}_${++this.temps}`;
  }

  /** Where the rc file's programs would find `file`: under MAILDIR, else beside the rc file. */
  resolve(file: string, frame: Frame): string {
    if (path.isAbsolute(file)) return file;
    return path.join(this.maildirPath ?? frame.dir, file);
  }

  /** A file name from the rc (`$VAR` allowed) as a path the converter can read, or null. */
  fileName(t: Template): string | null {
    let name = '';
    for (const p of t) {
      if ('text' in p) name += p.text;
      else {
        const s = this.vars.get(p.variable);
        const v = p.variable === 'MAILDIR' ? this.maildirPath ?? undefined : s.kind === 'env' ? this.opts.environment?.get(p.variable) : undefined;
        if (v === undefined) return null;
        name += v;
      }
    }
    return name;
  }

  private readRelative(file: string, frame: Frame): { path: string; text: string } | null {
    const x = expandText(file, this.vars);
    const name = x.problem === null ? this.fileName(x.template) : null;
    if (name === null || name === '') return null;
    const p = this.resolve(name, frame);
    const text = this.opts.readFile(p);
    return text === null ? null : { path: p, text };
  }

  private condContext(r: CompiledRecipe, frame: Frame): CondContext {
    const lists: ListFiles = { read: (f) => this.readRelative(f, frame) };
    return { vars: this.vars, flags: r.flags, allowPipe: this.opts.allowPipe, lists, temp: (p) => this.temp(p) };
  }

  private actionContext(frame: Frame): ActionContext {
    return {
      vars: this.vars,
      separator: this.opts.separator,
      allowPipe: this.opts.allowPipe,
      maildir: [this.maildir, [{ variable: 'MAILDIR' }]],
      inbox: this.inbox,
      read: (f) => this.readRelative(f, frame)?.text ?? null,
    };
  }

  // -------------------------------------------------------------------------
  // Levels: the statements of a file or a block

  /** `sieveDepth`: how many Sieve blocks (`if`s) enclose these statements in the script. */
  level(steps: readonly Step[], depth: number, frame: Frame, books: Books, sieveDepth: number): Command[] {
    const out: Command[] = [];
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i]!;
      if (s.kind === 'skipped') continue;
      if (s.kind === 'assign') {
        const reads = this.vars.mark();
        out.push(...convertAssignment(this, s, depth, frame, books, sieveDepth));
        // What the statement read of an inexact value and did not pass on to a variable (assignments.ts) shows in it.
        const inexact = inexactReasons(this.vars.take(reads), s.span);
        if (inexact.length > 0) this.entries.push({ kind: 'statement', span: s.span, reasons: inexact });
        continue;
      }
      const next = nextRecipe(steps, i);
      if (isVacationCache(s) && next !== null && next.between === 0) {
        const reply = vacationReply(next.recipe);
        if (reply !== null && next.recipe.conditions.length === 0) {
          this.vacationPair(s, next.recipe, reply.file, frame, books, out);
          i = next.index;
          continue;
        }
      }
      this.guarded(s, out, books, () => this.recipe(s, steps, i, depth, frame, books, out, sieveDepth));
    }
    return out;
  }

  /**
   * Converts one recipe; should that throw (a bug, or a resource the
   * limits did not foresee), the recipe is reported as not converted and
   * the rest of the file still is, rather than no script at all.
   */
  private guarded(r: CompiledRecipe, out: Command[], books: Books, convert: () => void): void {
    const length = out.length;
    const entries = this.entries.length;
    const reads = this.vars.mark();
    try {
      convert();
      // The recipe read a variable whose value may not be procmail's (the recipes of its block took theirs).
      const entry = this.entries[entries];
      const inexact = inexactReasons(this.vars.take(reads), r.span);
      if (entry !== undefined && inexact.length > 0) this.entries[entries] = { ...entry, reasons: [...entry.reasons, ...inexact] };
    } catch (e) {
      this.vars.take(reads);
      out.length = length;
      this.entries.length = entries;
      const message = `converting it failed (${e instanceof Error ? e.message : String(e)}); please report this`;
      this.notConverted(r, [{ severity: 'error', code: 'internal', message, span: r.span }], out);
      this.entries.splice(entries, 0, { kind: 'recipe', span: r.span, reasons: [{ severity: 'error', code: 'internal', message, span: r.span }] });
      books.prev = { kind: 'unknown', line: r.span.line };
      books.last = { kind: 'unknown', line: r.span.line };
      books.outcome = 'unknown';
      this.blockOutcomes?.push('unknown');
    }
  }

  private locationComment(r: CompiledRecipe): Command {
    const first = r.raw.split('\n')[0]!.trim();
    return comment(`${r.span.file}:${r.span.line}: ${first}`);
  }

  private notConverted(r: CompiledRecipe, reasons: readonly Reason[], out: Command[]): void {
    out.push(unconvertedComment(r, 'NOT CONVERTED', reasons, r.raw));
    if (r.action.kind === 'block') this.markInner(r.action.items, r);
  }

  /** Entries for the recipes inside a block that was not converted. */
  private markInner(items: readonly Step[], outer: CompiledRecipe): void {
    this.entries.push(...recipeEntries(items, (s) => ({ severity: 'error', code: 'inside-unconverted', message: `inside the block of line ${outer.span.line}, which is not converted`, span: s.span })));
  }

  private recipe(r: CompiledRecipe, steps: readonly Step[], i: number, depth: number, frame: Frame, books: Books, out: Command[], sieveDepth: number): void {
    const f = r.flags;
    // The entry goes in first, so that the recipes of a block follow their block's in the report.
    const reasons: Reason[] = [];
    this.entries.push({ kind: 'recipe', span: r.span, reasons });
    // `$=` after every recipe procmail reads (run or not); a missing action keeps it (misc.c lastscore).
    if (r.action.kind !== 'missing') this.vars.set('=', r.conditions.some((c) => c.weight !== null) ? RUNTIME : { kind: 'const', value: '0' });
    const prevName = `mr_prev${depth}`;
    const lastName = `mr_last${depth}`;

    // The flags' prerequisites (misc.c conditions: e, E, a, A).
    const pre = flagPrerequisites(r, books, this.failingActions, (cmd) => this.materialize(cmd, prevName, out), reasons);
    const { prereq, never, dependsOn, attachTo } = pre;
    if (pre.error !== null) {
      reasons.push(pre.error);
      this.notConverted(r, reasons, out);
      this.settle(r, books, { kind: 'unknown', line: r.span.line });
      return;
    }
    if (dependsOn !== null) {
      reasons.push({ severity: 'error', code: 'depends', message: `whether it runs depends on the recipe at line ${dependsOn}, which is not converted`, span: r.header.span });
      this.notConverted(r, reasons, out);
      this.settle(r, books, { kind: 'unknown', line: r.span.line });
      return;
    }
    if (never !== null) {
      reasons.push({ severity: f.e ? pre.neverSeverity : 'note', code: f.e ? 'e-flag' : 'never', message: never, span: r.header.span });
      out.push(comment(`${r.span.file}:${r.span.line}: never runs in Sieve (${f.e ? '"e"' : 'see the report'}):`, ...quoted(r.raw)));
      if (r.action.kind === 'block') this.markNever(r.action.items, r);
      this.settle(r, books, FALSE_COND);
      return;
    }

    const guard = guardOf(r, this.condContext(r, frame));
    // What only makes MATCH's value differ is reported where MATCH is read: a recipe that never uses it decides alike.
    const matchValue = valueCaveats(guard.reasons, aboutMatchValue, 'MATCH', r.span.line);
    reasons.push(...matchValue.reasons);
    if (guard.sets || matchValue.inexact !== undefined) this.vars.set('MATCH', matchValue.inexact === undefined ? RUNTIME : { kind: 'runtime', inexact: matchValue.inexact });
    if (guard.losesMatch) this.vars.set('MATCH', { kind: 'lost', line: r.span.line });
    if (guard.score !== null && r.action.kind !== 'missing') this.vars.set('=', { kind: 'const', value: String(scoreVariable(guard.score)) });
    if (r.action.kind === 'missing') {
      // procmail tests the conditions (MATCH may be set), then drops the recipe (misc.c conditions()).
      reasons.push({ severity: 'note', code: 'missing-action', message: 'procmail drops a recipe without an action (after testing its conditions)', span: r.span });
      if (!guard.ok) {
        this.notConverted(r, reasons, out);
        this.settle(r, books, { kind: 'unknown', line: r.span.line });
        return;
      }
      if (guard.sets) out.push(this.locationComment(r), ...emitGuard(guard, prereq, []));
      this.settle(r, books, FALSE_COND);
      return;
    }
    // The `if`s this recipe opens in the script (an E attached to a chain adds a branch, not a level).
    const opened = guard.segments.filter((s, k) => allof(k === 0 ? [...prereq, ...s.tests] : s.tests).kind !== 'true').length;
    const opens = Math.max(opened, attachTo !== null ? 1 : 0);
    if (sieveDepth + opens > PIGEONHOLE_MAX_NESTING) {
      reasons.push({ severity: 'error', code: 'nesting', message: `the script would nest more than the ${PIGEONHOLE_MAX_NESTING} blocks Pigeonhole takes`, span: r.header.span });
    } else if (r.action.kind === 'block' && depth + 1 > SIEVE_MAX_RC_NESTING) {
      reasons.push({ severity: 'error', code: 'nesting', message: `blocks nested deeper than ${SIEVE_MAX_RC_NESTING}`, span: r.header.span });
    }
    if (!guard.ok || reasons.some((x) => x.severity === 'error')) {
      this.notConverted(r, reasons, out);
      this.settle(r, books, { kind: 'unknown', line: r.span.line });
      return;
    }

    // The action (a block's statements are a level of their own).
    const unconditional = guard.segments.every((s) => s.tests.length === 0 && s.prelude.length === 0) && prereq.length === 0 && attachTo === null;
    let action: Command[];
    let blockOutcome: Outcome = 'unknown';
    let terminal = false;
    let actionOutcome: Outcome = 'success';
    let actionConverted = true;
    if (r.action.kind === 'block' && f.c) {
      const fork = forkedCopy(this, r, steps, i, depth, frame, sieveDepth + opens);
      if (typeof fork === 'string') {
        reasons.push({ severity: 'error', code: 'copy-block', message: `"c" on a block forks procmail: the copy runs the block and the rest of the file, the original goes on; ${fork}`, span: r.header.span });
        this.notConverted(r, reasons, out);
        this.settle(r, books, { kind: 'unknown', line: r.span.line });
        return;
      }
      reasons.push(...fork.reasons);
      action = fork.commands;
    } else if (r.action.kind === 'block') {
      const outer = this.vars;
      this.vars = unconditional ? outer : outer.copy();
      // Entering a block: prevcond and lastcond are true (the block's own recipe matched).
      this.continuations.push({ steps, next: i + 1, depth, frame });
      const enclosing = this.blockOutcomes;
      const inner: Outcome[] = [];
      this.blockOutcomes = inner;
      try {
        // Entering the block is a successful action: lastsucc is true until a recipe in it acts (verified with procmail 3.22).
        action = this.level(r.action.items, depth + 1, frame, { prev: TRUE_COND, last: TRUE_COND, outcome: 'success' }, sieveDepth + opens);
        if (inner.every((o) => o === 'success')) blockOutcome = 'success';
      } finally {
        this.blockOutcomes = enclosing;
        this.continuations.pop();
      }
      if (!unconditional) outer.mergeMaybe(this.vars);
      this.vars = outer;
    } else {
      const a = convertAction(r, this.actionContext(frame));
      const captured = r.action.kind === 'pipe' ? r.action.capture : null;
      const value = valueCaveats(a.reasons, (x) => captured !== null && x.code === 'formail-extract', captured ?? '', r.span.line);
      reasons.push(...value.reasons);
      // A capture that is not converted leaves the variable unknown to the script.
      if (captured !== null) this.vars.set(captured, !a.ok ? { kind: 'lost', line: r.span.line } : value.inexact === undefined ? RUNTIME : { kind: 'runtime', inexact: value.inexact });
      if (!a.ok) {
        // Only the action is left out: the conditions are still tested where the recipe was, with the action's place
        // marked inside, so that whether they held (procmail's prevcond and lastcond, which E and A read) stays known.
        // Whether the action succeeded (what a and e read) does not.
        action = [unconvertedComment(r, 'ACTION NOT CONVERTED', reasons, r.action.raw)];
        actionConverted = false;
      } else {
        action = a.commands;
        terminal = a.terminal;
        // The @ actions may be refused or withheld (a reply to a daemon, a bounce after a failure): what e sees is not followed.
        actionOutcome = a.outcome ?? (r.action.kind === 'ext' ? 'unknown' : 'success');
        if (actionOutcome === 'failure') this.failingActions = true;
        // An action line over LINEBUF makes procmail set PROCMAIL_OVERFLOW=yes (docs/procmail-semantics.md §5.2): known
        // from here on where the recipe always runs (in a block that may not, Vars.mergeMaybe forgets it again).
        if (unconditional && a.reasons.some((x) => x.code === 'linebuf')) this.vars.set('PROCMAIL_OVERFLOW', { kind: 'const', value: 'yes' });
      }
    }
    const body = [...action, ...(terminal ? [command('stop')] : [])];
    // What this recipe leaves in lastsucc whenever it runs (an action is attempted: the flags do not hold it back).
    // (After A or a, lastcond is still an earlier recipe's, which `a` reads; after E, prevcond may be too.)
    const outcome: Outcome = !actionConverted ? { notConverted: r.span.line } : f.A || f.a || f.E ? 'unknown' : r.action.kind === 'block' ? blockOutcome : actionOutcome;
    this.blockOutcomes?.push(outcome);

    const prevOut = needPrevOut(steps, i);
    const lastOut = !(f.A || f.a) && needLastOut(steps, i);
    const simple = isSimple(guard) && !lastOut;

    // An E recipe right after an `if` chain: one more elsif.
    if (attachTo !== null) {
      const last = out[out.length - 1];
      if (simple && last === (attachTo as unknown as Command) && attachTo.otherwise === null) {
        const t = simpleTest(guard, prereq);
        const captures = guard.segments[0]!.capture;
        // lastcond is this recipe's own outcome, which nobody reads (lastOut is false).
        books.last = FALSE_COND;
        if (t.kind === 'true') {
          // An unconditional E: the chain's else, after which some branch has always run.
          attachTo.otherwise = [...captures, ...body];
          books.prev = TRUE_COND;
        } else if (t.kind !== 'false') attachTo.branches.push({ test: t, body: [...captures, ...body] });
        // prevcond stays "some branch ran".
        books.outcome = outcome;
        return;
      }
      // Otherwise the chain's outcome goes into a variable.
      const v = this.materialize(attachTo, prevName, out);
      prereq.push(not(isSet(v)));
      books.prev = { kind: 'var', name: v };
    }

    out.push(this.locationComment(r));
    if (simple && (!f.E || books.prev.kind === 'const')) {
      const t = simpleTest(guard, prereq);
      const captures = guard.segments[0]!.capture;
      if (t.kind === 'true') {
        out.push(...captures, ...body);
        this.settle(r, books, TRUE_COND, outcome);
        return;
      }
      if (t.kind === 'false') {
        this.settle(r, books, FALSE_COND);
        return;
      }
      const cmd: MutableIf = { kind: 'if', branches: [{ test: t, body: [...captures, ...body] }], otherwise: null };
      out.push(cmd as unknown as Command);
      this.settle(r, books, { kind: 'chain', cmd }, outcome);
      return;
    }

    // The general form: the outcome kept in variables where a later recipe reads it.
    const before: Command[] = [];
    const inside: Command[] = [];
    let prevAfter: Cond = FALSE_COND;
    if (prevOut) {
      const keep = f.E && books.prev.kind === 'var' ? books.prev.name : null;
      const v = keep ?? prevName;
      if (keep === null) before.push(setVar(v, ''));
      inside.push(setVar(v, '1'));
      prevAfter = { kind: 'var', name: v };
    } else if (f.E && books.prev.kind === 'var') prevAfter = books.prev;
    if (lastOut) {
      before.push(setVar(lastName, ''));
      inside.push(setVar(lastName, '1'));
    }
    out.push(...before, ...emitGuard(guard, prereq, [...inside, ...body]));
    if (!f.E || !(books.prev.kind === 'const' && books.prev.value)) books.prev = prevAfter;
    if (!(f.A || f.a)) books.last = lastOut ? { kind: 'var', name: lastName } : FALSE_COND;
    books.outcome = outcome;
  }

  /** procmail's bookkeeping after a recipe whose outcome is `held` (procmail.c: lastcond unless A/a, prevcond unless E found it true). */
  private settle(r: CompiledRecipe, books: Books, held: Cond, outcome: Outcome = 'unknown'): void {
    const f = r.flags;
    // A recipe that was not converted may run and act, with an outcome the script does not know.
    if (held.kind === 'unknown') this.blockOutcomes?.push('unknown');
    books.outcome = outcome;
    if (!(f.A || f.a)) books.last = held.kind === 'chain' ? { kind: 'unknown', line: r.span.line } : held;
    if (!(f.E && books.prev.kind === 'const' && books.prev.value)) books.prev = held;
  }

  /** Turn an `if` chain's "some branch ran" into a variable: cleared before it, set in every branch. */
  private materialize(cmd: MutableIf, name: string, out: Command[]): string {
    // The chain was emitted shortly before: look from the end.
    const at = out.lastIndexOf(cmd as unknown as Command);
    out.splice(at, 0, setVar(name, ''));
    for (const b of cmd.branches) b.body.unshift(setVar(name, '1'));
    return name;
  }

  private markNever(items: readonly Step[], outer: CompiledRecipe): void {
    this.entries.push(...recipeEntries(items, (s) => ({ severity: 'note', code: 'never', message: `inside the block of line ${outer.span.line}, which never runs in Sieve`, span: s.span })));
  }

  private vacationPair(first: CompiledRecipe, second: CompiledRecipe, file: string | null, frame: Frame, books: Books, out: Command[]): void {
    const reasons: Reason[] = [];
    const secondReasons: Reason[] = [];
    this.entries.push({ kind: 'recipe', span: first.span, reasons }, { kind: 'recipe', span: second.span, reasons: secondReasons });
    const guard = guardOf(first, this.condContext(first, frame));
    reasons.push(...guard.reasons);
    const v = vacationCommands(first, file, (f) => this.readRelative(f, frame)?.text ?? null, second.action.span);
    reasons.push(...v.reasons);
    const ok = guard.ok && v.ok && !first.flags.A && !first.flags.a && !first.flags.E && !first.flags.e;
    if (!ok) {
      this.notConverted(first, reasons, out);
      secondReasons.push({ severity: 'error', code: 'inside-unconverted', message: `the second half of the vacation idiom of line ${first.span.line}, which is not converted`, span: second.span });
      this.notConverted(second, secondReasons, out);
      this.settle(first, books, { kind: 'unknown', line: first.span.line });
      this.settle(second, books, { kind: 'unknown', line: second.span.line });
      return;
    }
    secondReasons.push({ severity: 'note', code: 'vacation-pair', message: `converted with line ${first.span.line} into one vacation command`, span: second.span });
    out.push(this.locationComment(first), comment(`${second.span.file}:${second.span.line}: ${second.raw.split('\n')[0]!.trim()}`));
    out.push(...emitGuard(guard, [], v.commands));
    // Whether the reply went out (the e recipe's outcome) is not known to the script.
    this.settle(first, books, { kind: 'unknown', line: first.span.line });
    this.settle(second, books, { kind: 'unknown', line: second.span.line });
  }
}

/** The comment where something of a recipe is not converted: what, the first error's reason, and the text quoted. */
function unconvertedComment(r: CompiledRecipe, what: string, reasons: readonly Reason[], raw: string): Command {
  const why = reasons.find((x) => x.severity === 'error');
  return comment(`${r.span.file}:${r.span.line}: ${what}${why === undefined ? '' : ': ' + why.message}`, ...quoted(raw));
}
