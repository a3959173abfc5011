/**
 * The pure evaluation engine: runs compiled rcfiles against one message the
 * way procmail 3.22 interprets them (procmail.c mainloop; procmail.md §0–§8),
 * yielding a Request whenever it needs the world and resuming with the
 * Answer. No fs, no processes, no clock (habit 3): given the same input and
 * answers it yields the same requests in the same order.
 *
 * The interpreter keeps procmail's bookkeeping (procmail.md §2):
 *   lastcond  – set by recipes without A/a;
 *   prevcond  – set unless (E and prevcond already true);
 *   lastsucc  – set only when an action was attempted;
 * and a frame stack for blocks and included rcfiles, which makes the
 * `c`-on-a-block fork a plain deep copy of the state.
 */
import type { CompiledCondition, CompiledRecipe, Flags, Program, Step, Test, Area, Weight } from '../compile/program.js';
import { compileRc } from '../compile/compile.js';
import { parseCondition } from '../compile/condition.js';
import { translateRegex } from '../compile/regex.js';
import type { ProcRegex } from '../compile/regex.js';
import { extAction, extCondition } from '../ext/engine.js';
import type { ExtContext } from '../ext/engine.js';
import {
  MAX_CONDITION_REEXPANSIONS,
  MAX_INCLUDE_DEPTH,
  MAX_INCLUDES_PER_MESSAGE,
  MAX_NESTING_DEPTH,
  MAX_STEPS_PER_MESSAGE,
} from '../limits.js';
import type { Span } from '../source/span.js';
import { EX_CANTCREAT, EX_NOUSER, EX_OK, EX_TEMPFAIL } from '../sysexits.js';
import type { Skipped, Word } from '../syntax/ast.js';
import { formatAbstract } from './abstract.js';
import {
  backtickValue,
  captureValue,
  expandString,
  expandWords,
  parseDoubleQuotedText,
  parseWords,
  splitBlanks,
} from './expand.js';
import type { ExpandEnv } from './expand.js';
import type { EngineInput } from './input.js';
import { line, logtext } from './logtext.js';
import { MessageView, readmail } from './message.js';
import type { Outcome } from './outcome.js';
import type {
  Answer,
  AnswerFor,
  Command,
  Feed,
  Origin,
  ProgramAnswer,
  Request,
} from './requests.js';
import { lastSplitMatch, NO_END, nextMatchEnd, search } from './search.js';
import type { ConditionResult } from './trace.js';
import { renvint } from '../compile/renvint.js';
import { defaultInternals, isInternalString, linebufValue, NUMERIC_SETTINGS, parseUmask, VarStore } from './vars.js';
import type { Internals } from './vars.js';

type G<T> = Generator<Request, T, Answer>;

/** procmail's score limits (misc.c MAX32/MIN32; procmail.md §4). */
const MAX32 = 2147483647;
const MIN32 = -2147483647;

// ---------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------

interface Frame {
  readonly kind: 'rc' | 'include' | 'block';
  readonly steps: readonly Step[];
  i: number;
  /** The rcfile path (`$_`) in force inside this frame. */
  readonly file: string;
  /** (prevcond, lastcond) pushed on block entry, restored at `}` (procmail.c ifstack). */
  readonly saved: { readonly prevcond: boolean; readonly lastcond: boolean } | null;
  readonly depth: number;
}

interface State {
  readonly input: EngineInput;
  vars: VarStore;
  internals: Internals;
  args: string[];
  frames: Frame[];
  /** Index of the rcfile in input.programs being run. */
  program: number;
  lastcond: boolean;
  prevcond: boolean;
  lastsucc: boolean;
  lastScore: number;
  lastExit: number;
  message: MessageView;
  delivered: boolean;
  lastBytes: number;
  logOpen: boolean;
  globalLock: string | null;
  /** procmail's fdefault: the fall-off mailbox, emptied under -m until DEFAULT is assigned. */
  fdefault: string;
  /** Shared counters, so a forked copy and its parent share the budget. */
  readonly budget: { steps: number; includes: number };
  /** A `c`-block clone (procmail's forked child). */
  readonly clone: boolean;
  /** The VERBOSE `[pid] date` line has been logged (see log()). */
  /** DELIVERED was set true: procmail's parent has told the MTA "delivered" (see terminate()). */
  deliveredEarly: boolean;
}

type RunEnd = 'mailed' | 'eof' | 'host-mismatch' | 'limit' | 'rejected';

interface RunResult {
  readonly end: RunEnd;
  readonly reject?: string;
}

// ---------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------

export function* evaluate(input: EngineInput): G<Outcome> {
  const vars = new VarStore(input.env);
  const st: State = {
    input,
    vars,
    internals: defaultInternals(),
    args: [...input.args],
    frames: [],
    program: 0,
    lastcond: false,
    prevcond: false,
    lastsucc: false,
    lastScore: 0,
    lastExit: 0,
    message: readmail(input.message, input.berkeley === true),
    delivered: false,
    lastBytes: 0,
    logOpen: false,
    globalLock: null,
    fdefault: input.filterMode ? '' : vars.str('DEFAULT'),
    budget: { steps: 0, includes: 0 },
    clone: false,
    deliveredEarly: false,
  };
  // Numeric settings passed in the environment act as if assigned (renvint).
  for (const [name, key] of NUMERIC_SETTING_ENTRIES) {
    const v = vars.get(name);
    if (v !== undefined) st.internals[key] = renvint(st.internals[key] as number, v) as never;
  }
  if (vars.has('LINEBUF')) st.internals.linebuf = linebufValue(vars.str('LINEBUF'));
  // The string settings start at procmail's defaults; an inherited value (normal mode sets them all) wins.
  for (const name of Object.keys(st.internals.strings) as (keyof Internals['strings'])[]) {
    const v = vars.get(name);
    if (v !== undefined) st.internals.strings[name] = v;
  }

  for (const a of input.assignments ?? []) {
    const host = yield* assign(st, a.name, a.value, null, true);
    if (host === 'host-mismatch') {
      // procmail.c asenv: a HOST mismatch before any rcfile exits 0 at once.
      return yield* terminate(st, { end: 'host-mismatch' });
    }
  }

  if (input.programs.length === 0) return yield* terminate(st, { end: 'eof' });
  openProgram(st, 0);
  const result = yield* run(st);
  return yield* terminate(st, result);
}

const NUMERIC_SETTING_ENTRIES = Object.entries(NUMERIC_SETTINGS);

function openProgram(st: State, index: number): void {
  const p = st.input.programs[index]!;
  st.program = index;
  st.frames = [{ kind: 'rc', steps: p.items, i: 0, file: p.file, saved: null, depth: 0 }];
  // procmail.c startrc: a fresh rcfile starts with clean bookkeeping.
  st.lastsucc = st.lastcond = st.prevcond = false;
}

/** Whether the rcfile after the current one is run only after a HOST mismatch (the default) or in any case (input.chain). */
function nextProgram(st: State, why: 'eof' | 'host-mismatch'): boolean {
  const sequence = st.input.chain === 'sequence';
  // In sequence (/etc/procmailrc, then the user's rcfile) a HOST mismatch ends
  // processing (procmail.c asenv: no command-line rcfile left); without it,
  // falling off the end of one rcfile moves on to the next.
  if ((why === 'eof') !== sequence) return false;
  if (st.program + 1 >= st.input.programs.length) return false;
  openProgram(st, st.program + 1);
  return true;
}

// ---------------------------------------------------------------------------
// Read-time messages (procmail.c mainloop, misc.c conditions): what procmail
// logs while *reading* a statement, so also inside blocks it skips.
// ---------------------------------------------------------------------------

/**
 * misc.c conditions(): procmail tests a recipe's conditions as it reads
 * them and notices the missing action only afterwards, so the conditions
 * run (A/E/e prerequisites permitting): MATCH is set, `?` programs run,
 * `Invalid regexp` and the VERBOSE lines are logged. Then `Missing action`,
 * and the recipe counts as not matched (i==2) for A/E; `$=` keeps its
 * previous value (the `goto ret` skips lastscore). `Incomplete recipe`
 * (the file ends after the conditions) keeps conditions()' 0 or 1 and `$=`.
 * All verified, the flags as conditions() leaves them (`eE`: E suppressed).
 */
function* missingAction(st: State, r: CompiledRecipe, incomplete: boolean, depth: number): G<void> {
  const score = st.lastScore;
  const cond = yield* conditions(st, r);
  if (!incomplete) st.lastScore = score;
  yield* missingNote(st, r, incomplete);
  // procmail.c mainloop: the usual bookkeeping with i==2 (not 1) for a missing action.
  const held = incomplete && cond.held;
  const f = r.flags;
  if (!f.A && !f.a) st.lastcond = held;
  if (!st.prevcond || !f.E) st.prevcond = held;
  if (st.input.trace !== undefined) {
    const why = incomplete ? 'incomplete recipe' : 'missing action';
    st.input.trace({ kind: 'recipe', span: r.span, flags: r.header.flags, ran: false, why, conditions: cond.results, score: st.lastScore, depth });
  }
}

/** The `Missing action` / `Incomplete recipe` line itself, which a skipped block logs too. */
function* missingNote(st: State, r: CompiledRecipe, incomplete: boolean): G<void> {
  const what = incomplete ? 'Incomplete recipe' : 'Missing action';
  const span = r.action.span;
  yield* log(st, incomplete ? line(what) : logtext.missingAction(), 'error', originOf(span, [], what.toLowerCase()));
  st.input.trace?.({ kind: 'note', span, text: `${what}: the recipe is ignored` });
}

function* skippedStep(st: State, step: Skipped): G<void> {
  const text = step.message !== undefined ? line(step.message) : logtext.skipped(step.text);
  yield* log(st, text, 'error', originOf(step.span, [], 'skipped line'));
  st.input.trace?.({ kind: 'note', span: step.span, text: step.message ?? `Skipped "${step.text}"` });
}

/** Leftovers of a recipe header (`Skipped "Z"`), logged as procmail reads the header (procmail.md §1.4). */
function* headerLeftover(st: State, r: CompiledRecipe): G<void> {
  const text = r.header.leftover!;
  yield* log(st, logtext.skipped(text), 'error', originOf(r.header.span, [], 'skipped text'));
  st.input.trace?.({ kind: 'note', span: r.header.span, text: `Skipped "${text}"` });
}

/** misc.c conditions(): `e` with `E` or `a`, reported whether or not the recipe is evaluated. */
function* conflictingFlags(st: State, r: CompiledRecipe): G<void> {
  const raw = r.header.flags;
  const origin = originOf(r.span, [], 'recipe flags');
  if (raw.includes('e') && raw.includes('E')) yield* log(st, logtext.conflicting('else-if-flag'), 'error', origin);
  if (raw.includes('e') && raw.includes('a')) yield* log(st, logtext.conflicting('also-if-succeeded-flag'), 'error', origin);
}

/** Whether reading the action line logs `Extraneous … ignored` (folder and block actions only; see actionNotes). */
function hasActionNotes(r: CompiledRecipe): boolean {
  const raw = r.header.flags;
  const kind = r.action.kind;
  if (kind === 'folder') return raw.includes('f');
  if (kind !== 'block') return false;
  return /[fbhir]/.test(raw) || (r.header.hasLock && !raw.includes('c'));
}

/**
 * procmail.c: reading a folder or `{` action line logs these whatever the
 * conditions said (and inside skipped blocks too), filter-flag first, then
 * the flags a block ignores.
 */
function* actionNotes(st: State, r: CompiledRecipe): G<void> {
  const raw = r.header.flags;
  const origin = originOf(r.span, [], 'recipe flags');
  if (raw.includes('f')) yield* log(st, logtext.extraneous('filter-flag'), 'error', origin);
  if (r.action.kind !== 'block') return;
  if (r.header.hasLock && !raw.includes('c')) yield* log(st, logtext.extraneous('locallockfile'), 'error', origin);
  if (raw.includes('b')) yield* log(st, logtext.extraneous('deliver-body flag'), 'error', origin);
  if (raw.includes('h')) yield* log(st, logtext.extraneous('deliver-head flag'), 'error', origin);
  if (raw.includes('i')) yield* log(st, logtext.extraneous('ignore-write-error flag'), 'error', origin);
  if (raw.includes('r')) yield* log(st, logtext.extraneous('raw-mode flag'), 'error', origin);
}

/** Per block: whether skipping it logs anything (so most skipped blocks cost no generator). */
const blockNotes = new WeakMap<readonly Step[], boolean>();

function blockHasNotes(steps: readonly Step[]): boolean {
  let has = blockNotes.get(steps);
  if (has !== undefined) return has;
  has = false;
  for (let i = 0; !has && i < steps.length; i++) {
    const s = steps[i]!;
    if (s.kind === 'skipped') has = true;
    else if (s.kind === 'recipe') {
      const raw = s.header.flags;
      has = s.action.kind === 'missing' || s.header.leftover !== undefined || hasActionNotes(s) || (raw.includes('e') && /[Ea]/.test(raw));
      if (!has && s.action.kind === 'block') has = blockHasNotes(s.action.items);
    }
  }
  blockNotes.set(steps, has);
  return has;
}

/**
 * A block procmail skips (conditions false, or the parent's side of a `c`
 * fork) is still read statement by statement: the read-time messages come
 * out, nothing is evaluated or assigned (procmail.c skiprc).
 */
function* skipBlock(st: State, steps: readonly Step[]): G<void> {
  if (!blockHasNotes(steps)) return;
  for (const s of steps) {
    if (s.kind === 'skipped') yield* skippedStep(st, s);
    else if (s.kind === 'recipe') {
      if (s.header.leftover !== undefined) yield* headerLeftover(st, s);
      yield* conflictingFlags(st, s);
      if (s.action.kind === 'missing') yield* missingNote(st, s, s.action.incomplete);
      else if (hasActionNotes(s)) yield* actionNotes(st, s);
      if (s.action.kind === 'block') yield* skipBlock(st, s.action.items);
    }
  }
}

// ---------------------------------------------------------------------------
// The interpreter loop
// ---------------------------------------------------------------------------

function* run(st: State): G<RunResult> {
  for (;;) {
    const frame = st.frames[st.frames.length - 1];
    if (frame === undefined) {
      if (nextProgram(st, 'eof')) continue;
      return { end: 'eof' };
    }
    if (frame.i >= frame.steps.length) {
      st.frames.pop();
      if (frame.kind === 'block' && frame.saved) {
        st.prevcond = frame.saved.prevcond;
        st.lastcond = frame.saved.lastcond;
      }
      continue;
    }
    const step = frame.steps[frame.i++]!;
    if (++st.budget.steps > MAX_STEPS_PER_MESSAGE) {
      yield* limitHit(st, `more than ${MAX_STEPS_PER_MESSAGE} statements evaluated`, stepSpan(step));
      return { end: 'limit' };
    }
    switch (step.kind) {
      case 'skipped':
        yield* skippedStep(st, step);
        break;
      case 'assign': {
        const value = step.value === null ? null : yield* expandString(step.value.parts, expandEnv(st, step.span));
        const r = yield* assign(st, step.name, value, step.span, false);
        if (r === 'host-mismatch') {
          if (nextProgram(st, 'host-mismatch')) continue;
          return { end: 'host-mismatch' };
        }
        if (r === 'limit') return { end: 'limit' };
        break;
      }
      case 'recipe': {
        // Most recipes of a header-only rc are decided by regex conditions
        // alone and then skipped: deciding those without a generator per
        // recipe and per condition is most of a dry-run replay's speed.
        // Read-time messages come first and then after the conditions
        // (procmail.c reads the header, tests the conditions, then reads the action line).
        if (step.header.leftover !== undefined) yield* headerLeftover(st, step);
        if (step.action.kind === 'missing') {
          yield* missingAction(st, step, step.action.incomplete, frame.depth);
          break;
        }
        const quick = quickConditions(st, step);
        const cond = quick ?? (yield* conditions(st, step));
        const taken = settle(st, step, cond, frame.depth);
        if (hasActionNotes(step)) yield* actionNotes(st, step);
        if (taken) {
          const r = yield* recipeAction(st, step, cond, frame.depth);
          if (r !== null) return r;
        } else if (step.action.kind === 'block') yield* skipBlock(st, step.action.items);
        break;
      }
    }
  }
}

/** `Exceeded LINEBUF` (procmail.md §5.2): logged, and PROCMAIL_OVERFLOW=yes. */
function* overflow(st: State, span: Span | null): G<void> {
  yield* log(st, line('Exceeded LINEBUF'), 'error', originOf(span, [], 'LINEBUF exceeded'));
  st.vars.set('PROCMAIL_OVERFLOW', 'yes');
  st.input.trace?.({ kind: 'note', span, text: `Exceeded LINEBUF (${st.internals.linebuf})` });
}

function stepSpan(step: Step): Span {
  return step.span;
}

function* limitHit(st: State, what: string, span: Span | null): G<void> {
  st.input.trace?.({ kind: 'note', span, text: `limit: ${what}` });
  yield* log(st, logtext.limit(what), 'error', originOf(span, [], 'limit'));
}

// ---------------------------------------------------------------------------
// Assignments and special variables (variables.c asenv; procmail.md §5.2)
// ---------------------------------------------------------------------------

type AssignResult = 'ok' | 'host-mismatch' | 'limit';

function* assign(st: State, name: string, value: string | null, span: Span | null, commandLine: boolean): G<AssignResult> {
  if (value !== null && !commandLine && name.length + 1 + value.length > st.internals.linebuf) {
    // procmail.md §5.2 LINEBUF: `name=value` must fit the buffer; otherwise
    // `Exceeded LINEBUF`, PROCMAIL_OVERFLOW=yes, and the variable keeps its
    // old value; the rcfile goes on (verified with LINEBUF=128: `A=` + 126
    // bytes fits, + 127 overflows).
    yield* overflow(st, span);
    return 'ok';
  }
  const where = span ?? { file: st.input.programs[st.program]?.file ?? '', line: 0, col: 0, start: 0, end: 0 };
  if (value === null) st.vars.unset(name);
  else st.vars.set(name, value);
  st.input.trace?.({ kind: 'assign', span: where, name, value });
  if (st.internals.verbose) yield* log(st, logtext.assigning(value === null ? name : `${name}=${value}`), 'verbose', originOf(span, [], 'assignment'));
  // asenv sees '' for an unset.
  const v = value ?? '';
  const origin = originOf(span, [], `${name} assigned`);
  switch (name) {
    case 'LINEBUF':
      st.internals.linebuf = linebufValue(v);
      break;
    case 'MAILDIR': {
      const a = yield* ask(st, { kind: 'chdir', dir: v, origin, vars: st.vars.snapshot() });
      if (!a.ok) {
        if (!a.error) yield* log(st, logtext.couldntChdir(v), 'error', origin);
        // variables.c: on failure MAILDIR becomes "." (the cwd is unchanged).
        st.vars.set('MAILDIR', '.');
      }
      break;
    }
    case 'LOGFILE': {
      const a = yield* ask(st, { kind: 'open-log', path: v, origin, vars: st.vars.snapshot() });
      if (a.ok) st.logOpen = true;
      break;
    }
    case 'LOG':
      if (v !== '') yield* ask(st, { kind: 'log', text: v, source: 'LOG', origin, vars: st.vars.snapshot() });
      break;
    case 'EXITCODE':
      st.internals.exitcodeArmed = true;
      break;
    case 'SHIFT': {
      const n = renvint(0, v);
      if (n > 0) st.args = st.args.slice(Math.min(n, st.args.length));
      break;
    }
    case 'DEFAULT':
      st.fdefault = v;
      break;
    case 'DELIVERED':
      // procmail forks here and the parent tells the MTA "delivered"; a
      // pure engine cannot fork the MTA's view, so this is reported only.
      if (renvint(0, v) && !st.deliveredEarly) {
        st.deliveredEarly = true;
        st.input.trace?.({ kind: 'note', span, text: 'DELIVERED: procmail reports success to the MTA here and continues in a child; mailrules reports at the end, and a failure instead of losing the mail' });
      }
      break;
    case 'DROPPRIVS':
      if (renvint(0, v)) st.input.trace?.({ kind: 'note', span, text: 'DROPPRIVS: privileges dropped (no effect in mailrules)' });
      break;
    case 'LOCKFILE': {
      const acquire = v === '' ? null : v;
      const a = yield* ask(st, { kind: 'global-lock', release: st.globalLock, acquire, origin, vars: st.vars.snapshot() });
      st.globalLock = a.ok ? acquire : null;
      // variables.c: unset it on failure.
      if (!a.ok) st.vars.unset('LOCKFILE');
      break;
    }
    case 'UMASK': {
      const mask = parseUmask(v);
      st.internals.umask = mask;
      yield* ask(st, { kind: 'umask', mask, origin, vars: st.vars.snapshot() });
      break;
    }
    case 'INCLUDERC':
      if (!commandLine) return yield* include(st, v, span, 'include');
      break;
    case 'SWITCHRC':
      if (!commandLine) return yield* include(st, v, span, 'switch');
      break;
    case 'HOST':
      if (v !== st.input.hostname) {
        if (st.internals.verbose) yield* log(st, logtext.hostMismatched(st.input.hostname), 'verbose', origin);
        st.input.trace?.({ kind: 'note', span, text: `HOST mismatched "${st.input.hostname}": the rest of this rcfile is skipped` });
        return 'host-mismatch';
      }
      break;
    default: {
      const key = NUMERIC_SETTINGS[name];
      if (key) st.internals[key] = renvint(st.internals[key] as number, v) as never;
      // variables.c asenv: the text settings take the value, '' for an unset.
      else if (isInternalString(name)) st.internals.strings[name] = v;
    }
  }
  return 'ok';
}

const compiled = new Map<string, Program>();

function compileCached(text: string, file: string): Program {
  const key = `${file}\0${text}`;
  const cachedProgram = compiled.get(key);
  if (cachedProgram) return cachedProgram;
  const p = compileRc(text, file);
  if (compiled.size > 256) compiled.clear();
  compiled.set(key, p);
  return p;
}

/** INCLUDERC / SWITCHRC (procmail.md §1.7). */
function* include(st: State, path: string, span: Span | null, mode: 'include' | 'switch'): G<AssignResult> {
  const origin = originOf(span, [], mode === 'include' ? 'INCLUDERC' : 'SWITCHRC');
  if (mode === 'switch' && path === '') {
    // Unsetting SWITCHRC ends the current rcfile as if at EOF.
    dropCurrentRcfile(st);
    st.input.trace?.({ kind: 'note', span, text: 'SWITCHRC unset: leaving the current rcfile' });
    return 'ok';
  }
  if (++st.budget.includes > MAX_INCLUDES_PER_MESSAGE) {
    yield* limitHit(st, `more than ${MAX_INCLUDES_PER_MESSAGE} INCLUDERC/SWITCHRC`, span);
    return 'limit';
  }
  const rcDepth = st.frames.filter((f) => f.kind !== 'block').length;
  if (mode === 'include' && rcDepth >= MAX_INCLUDE_DEPTH) {
    yield* limitHit(st, `INCLUDERC nested deeper than ${MAX_INCLUDE_DEPTH}`, span);
    return 'limit';
  }
  const a = yield* ask(st, { kind: 'include', path, mode, origin, vars: st.vars.snapshot() });
  if (a.text === null) {
    // The name as given (verified with procmail 3.22).
    yield* log(st, logtext.couldntRead(path), 'error', origin);
    return 'ok';
  }
  // `$_` is the path made absolute against MAILDIR (verified: INCLUDERC=inc.rc gives $MAILDIR/inc.rc).
  const file = absoluteRcPath(st, a.path || path);
  const program = compileCached(a.text, file);
  st.input.trace?.({ kind: 'note', span, text: `${mode === 'include' ? 'INCLUDERC' : 'SWITCHRC'} "${file}"` });
  if (st.internals.verbose) yield* log(st, logtext.rcfile(file), 'verbose', origin);
  if (mode === 'switch') {
    const top = dropCurrentRcfile(st);
    st.frames.push({ kind: top, steps: program.items, i: 0, file, saved: null, depth: 0 });
  } else {
    st.frames.push({ kind: 'include', steps: program.items, i: 0, file, saved: null, depth: 0 });
  }
  return 'ok';
}

function absoluteRcPath(st: State, path: string): string {
  if (path.startsWith('/')) return path;
  const dir = st.vars.str('MAILDIR');
  if (dir === '') return path;
  return dir.endsWith('/') ? dir + path : `${dir}/${path}`;
}

/** Pops the frames of the current rcfile (its blocks included); returns the kind of the rcfile frame removed. */
function dropCurrentRcfile(st: State): 'rc' | 'include' {
  while (st.frames.length > 0) {
    const f = st.frames.pop()!;
    if (f.kind === 'block') {
      // Leaving a block through the end of its file restores the stack as `}` would.
      if (f.saved) {
        st.prevcond = f.saved.prevcond;
        st.lastcond = f.saved.lastcond;
      }
      continue;
    }
    return f.kind;
  }
  return 'rc';
}

// ---------------------------------------------------------------------------
// Recipes
// ---------------------------------------------------------------------------

interface CondOutcome {
  held: boolean;
  results: ConditionResult[];
  heldSpans: Span[];
}

/** The bookkeeping after a recipe's conditions (procmail.c mainloop); returns whether its action is taken. */
function settle(st: State, r: CompiledRecipe, cond: CondOutcome, depth: number): boolean {
  const f = r.flags;
  const i = cond.held;
  if (!f.A && !f.a) st.lastcond = i;
  if (!st.prevcond || !f.E) st.prevcond = i;

  if (st.input.trace !== undefined) {
    st.input.trace({
      kind: 'recipe',
      span: r.span,
      flags: r.header.flags,
      ran: i,
      why: i ? 'conditions held' : whyNot(st, r, cond),
      conditions: cond.results,
      score: st.lastScore,
      depth,
    });
  }
  return i;
}

function* recipeAction(st: State, r: CompiledRecipe, cond: CondOutcome, depth: number): G<RunResult | null> {
  const origin = originOf(r.span, cond.heldSpans, 'recipe matched');
  const action = r.action;
  switch (action.kind) {
    case 'block':
      return yield* block(st, r, action.items, depth, origin);
    case 'folder':
      return yield* folderAction(st, r, action.targets, origin);
    case 'forward':
      return yield* forwardAction(st, r, action.addresses, origin);
    case 'pipe':
      return yield* pipeAction(st, r, action.command, action.capture, origin);
    case 'ext':
      return yield* extActionStep(st, r, action.verb, action.args, origin);
    case 'missing':
      // run() handles these before their conditions' outcome is settled.
      return null;
  }
}

function whyNot(st: State, r: CompiledRecipe, c: CondOutcome): string {
  const f = r.flags;
  if (c.results.length > 0 && c.results.every((x) => x.skipped)) {
    if (f.E) return 'E: previous recipe ran';
    if (f.e) return 'e: previous recipe did not fail';
    if (f.a) return 'a: previous action failed';
    if (f.A) return 'A: previous conditions failed';
  }
  if (c.results.length === 0) {
    if (f.E) return 'E: previous recipe ran';
    if (f.e) return 'e: previous recipe did not fail';
    if (f.a) return 'a: previous action failed';
    if (f.A) return 'A: previous conditions failed';
  }
  const weighted = r.conditions.some((x) => x.weight !== null);
  if (weighted && c.results.every((x) => x.held || x.skipped)) return 'score <= 0';
  void st;
  return 'condition failed';
}

function* block(st: State, r: CompiledRecipe, items: readonly Step[], depth: number, origin: Origin): G<RunResult | null> {
  const f = r.flags;
  if (depth + 1 > MAX_NESTING_DEPTH) {
    yield* limitHit(st, `blocks nested deeper than ${MAX_NESTING_DEPTH}`, r.span);
    return { end: 'limit' };
  }
  const file = st.frames[st.frames.length - 1]!.file;
  const frame: Frame = {
    kind: 'block',
    steps: items,
    i: 0,
    file,
    saved: { prevcond: st.prevcond, lastcond: st.lastcond },
    depth: depth + 1,
  };
  if (!f.c) {
    st.frames.push(frame);
    st.lastsucc = true;
    return null;
  }
  // `c` on a block forks (procmail.c): the clone runs the block and then the
  // rest of the rcfile, terminating on its own (its own fall-back, abstract
  // and TRAP); the parent skips the block and carries on. Both may deliver.
  // The clone runs to completion first so the order is deterministic.
  if (st.internals.verbose) yield* log(st, logtext.forking(), 'verbose', origin);
  st.input.trace?.({ kind: 'note', span: r.span, text: 'c: forked copy runs the block, then the rest of the rcfile' });
  const child = cloneState(st);
  child.frames.push({ ...frame, saved: frame.saved });
  const childResult = yield* run(child);
  const childOutcome = yield* terminate(child, childResult);
  st.input.trace?.({ kind: 'note', span: r.span, text: `c: forked copy ended with exit code ${childOutcome.exitCode}` });
  let succeed = true;
  const wait = f.w || f.W || r.header.hasLock;
  if (wait && childOutcome.exitCode !== EX_OK) {
    if (f.w || st.internals.verbose) {
      yield* log(st, f.w ? logtext.programFailure(childOutcome.exitCode, 'procmail') : logtext.nonZeroExitcode(childOutcome.exitCode, 'procmail'), 'error', origin);
    }
    succeed = false;
  }
  // The parent reads its way over the block (procmail.c: skiprc+=2), logging its read-time messages again.
  yield* skipBlock(st, items);
  st.lastsucc = succeed;
  return null;
}

function cloneState(st: State): State {
  return {
    ...st,
    vars: st.vars.clone(),
    internals: { ...st.internals },
    args: [...st.args],
    frames: st.frames.map((f) => ({ ...f })),
    // Lockfiles are not inherited by the clone (procmail.c).
    globalLock: null,
    clone: true,
  };
}

/** The part of the message a recipe feeds (flags h/b, procmail.c tobesent). */
function feedOf(f: Flags): Feed {
  const header = f.h || !f.b;
  const body = f.b || !f.h;
  return { header, body, raw: f.r, ignoreWriteErrors: f.i };
}

function* folderAction(st: State, r: CompiledRecipe, targets: readonly Word[], origin: Origin): G<RunResult | null> {
  const f = r.flags;
  let feed = feedOf(f);
  if (r.header.flags.includes('f')) {
    // Logged by actionNotes; procmail delivers the whole message to protect users of bogus `f` (procmail.c ofiltflag).
    feed = { ...feed, header: true, body: true };
  }
  const env = expandEnv(st, r.span);
  const folders: string[] = [];
  for (const t of targets) folders.push(...(yield* expandWords(t.parts, env, false)));
  if (folders.join(' ').length >= st.internals.linebuf) {
    // An action line that does not fit LINEBUF fails the recipe (procmail.md §5.2; verified).
    yield* overflow(st, r.span);
    st.lastsucc = false;
    return null;
  }
  if (folders.length === 0) {
    st.lastsucc = false;
    return null;
  }
  let lockfile: string | null = null;
  if (r.header.hasLock) {
    lockfile = r.header.lock ? yield* expandString(r.header.lock.parts, env) : folders[0] + st.internals.strings.LOCKEXT;
    if (folders[0] === '/dev/null' && !r.header.lock) lockfile = null;
    lockfile = yield* checkDeadlock(st, lockfile, origin);
  }
  const data = st.message.part({ header: feed.header, body: feed.body });
  const a = yield* ask(st, { kind: 'deliver', folders, lockfile, data, feed, fallback: false, origin, vars: st.vars.snapshot() }, true);
  return yield* afterDelivery(st, r, a.ok, a.ok ? a.lastFolder : null, a.bytes);
}

function* checkDeadlock(st: State, lock: string | null, origin: Origin): G<string | null> {
  if (lock !== null && st.globalLock !== null && lock === st.globalLock) {
    yield* log(st, logtext.deadlock(lock), 'error', origin);
    return null;
  }
  return lock;
}

/** Bookkeeping after a delivering action (procmail.c frmailed / logsetlsucc / setlsucc). */
function* afterDelivery(st: State, r: CompiledRecipe, ok: boolean, lastFolder: string | null, bytes: number): G<RunResult | null> {
  if (ok && lastFolder !== null) {
    st.vars.set('LASTFOLDER', lastFolder);
    st.lastBytes = bytes;
  }
  st.lastsucc = ok;
  if (ok && !r.flags.c) {
    st.delivered = true;
    return { end: 'mailed' };
  }
  if (ok && r.flags.c && st.internals.logabstract === 2) yield* logAbstract(st, st.vars.str('LASTFOLDER'), st.lastBytes, originOf(r.span, [], 'LOGABSTRACT=all'));
  return null;
}

function* forwardAction(st: State, r: CompiledRecipe, addresses: readonly Word[], origin: Origin): G<RunResult | null> {
  const env = expandEnv(st, r.span);
  const words: string[] = [];
  for (const w of addresses) words.push(...(yield* expandWords(w.parts, env, false)));
  const argv = [st.internals.strings.SENDMAIL, ...splitBlanks(st.internals.strings.SENDMAILFLAGS), ...words];
  const feed = feedOf(r.flags);
  const wait = waitOf(r);
  let lockfile: string | null = null;
  // procmail's buffer holds the words NUL-separated: messages quoting it show the first (pipes.c).
  if (r.header.hasLock) lockfile = r.header.lock ? yield* expandString(r.header.lock.parts, env) : yield* implicitPipeLock(st, argv[0]!, origin);
  lockfile = yield* checkDeadlock(st, lockfile, origin);
  const data = st.message.part({ header: feed.header, body: feed.body });
  if (st.internals.verbose) {
    // procmail logs these before the forward starts (its `Executing` can come later: the child is asynchronous).
    yield* log(st, logtext.assigning(`LASTFOLDER=${argv.join(' ')}`), 'verbose', origin);
    yield* log(st, logtext.executing(argv.join(',')), 'verbose', origin);
  }
  const a = yield* ask(st, { kind: 'forward', argv, data, feed, wait, lockfile, origin, vars: st.vars.snapshot() }, true);
  const ok = yield* programSucceeded(st, r, a, argv[0]!, wait, feed, origin);
  return yield* afterDelivery(st, r, ok, argv.join(' '), a.bytes);
}

function waitOf(r: CompiledRecipe): 'w' | 'W' | null {
  if (r.flags.w) return 'w';
  if (r.flags.W) return 'W';
  // A local lock on a program implies W (procmail.c: "protect the user from his blissful ignorance").
  if (r.header.hasLock) return 'W';
  return null;
}

/** `:0:` on a program: the word after the first `>>`, else `Couldn't determine…` and plain $LOCKEXT. */
function* implicitPipeLock(st: State, text: string, origin: Origin): G<string> {
  const at = text.indexOf('>>');
  if (at >= 0) {
    const rest = text.slice(at + 2).replace(/^[ \t]+/, '');
    const m = /^[^ \t\n;&|()<>]*/.exec(rest);
    const name = m ? m[0] : '';
    if (name !== '') {
      const expanded = yield* expandString(parseDoubleQuotedText(name, origin.span ?? syntheticOrigin(st)), expandEnv(st, origin.span));
      return expanded + st.internals.strings.LOCKEXT;
    }
  }
  yield* log(st, logtext.implicitLock(text), 'error', origin);
  return st.internals.strings.LOCKEXT;
}

function syntheticOrigin(st: State): Span {
  return { file: st.frames[st.frames.length - 1]?.file ?? '', line: 0, col: 0, start: 0, end: 0 };
}

/** Whether a program request counts as a success (flags w/W/i; procmail.md §2, §7.6). */
function* programSucceeded(
  st: State,
  r: CompiledRecipe,
  a: ProgramAnswer,
  cmd: string,
  wait: 'w' | 'W' | null,
  feed: Feed,
  origin: Origin,
): G<boolean> {
  if (a.exitCode !== null) st.lastExit = a.exitCode;
  if (a.exitCode === null) {
    // Killed (TIMEOUT): procmail's waitfor gives -signal, reported like an exit code (verified: `Program failure (-15)`).
    if (wait !== null && a.signal !== undefined && a.signal !== null) {
      if (wait === 'w' && !(r.header.hasLock && !r.flags.w)) yield* log(st, logtext.programFailure(-a.signal, cmd), 'error', origin);
      else if (st.internals.verbose) yield* log(st, logtext.nonZeroExitcode(-a.signal, cmd), 'verbose', origin);
    }
    return false;
  }
  if (!a.wroteAll && !feed.ignoreWriteErrors) return false;
  if (wait !== null && a.exitCode !== 0) {
    if (wait === 'w' && !(r.header.hasLock && !r.flags.w)) yield* log(st, logtext.programFailure(a.exitCode, cmd), 'error', origin);
    else if (st.internals.verbose) yield* log(st, logtext.nonZeroExitcode(a.exitCode, cmd), 'verbose', origin);
    return false;
  }
  return true;
}

function* pipeAction(st: State, r: CompiledRecipe, commandText: string, capture: string | null, origin: Origin): G<RunResult | null> {
  const f = r.flags;
  const feed = feedOf(f);
  const env = expandEnv(st, r.span);
  const built = yield* buildCommandShown(st, commandText, r.span, env);
  const command = built.command;
  const data = st.message.part({ header: feed.header, body: feed.body });
  if (!command.shell && command.argv.length === 0 && capture === null) {
    // A bare `|` writes the mail to procmail's stdout (procmail.c tostdout).
    const a = yield* ask(st, { kind: 'deliver', folders: ['|'], lockfile: null, data, feed, fallback: false, origin, vars: st.vars.snapshot() }, !f.f);
    return yield* afterDelivery(st, r, a.ok, a.ok ? a.lastFolder || '|' : null, a.bytes);
  }
  const wait = waitOf(r);
  let lockfile: string | null = null;
  if (r.header.hasLock) lockfile = r.header.lock ? yield* expandString(r.header.lock.parts, env) : yield* implicitPipeLock(st, built.name, origin);
  lockfile = yield* checkDeadlock(st, lockfile, origin);
  // After the lock, before the program starts (procmail.c); decodeFlags already dropped the `c`.
  if (r.header.flags.includes('c') && (f.f || capture !== null)) yield* log(st, logtext.extraneous('copy-flag'), 'error', origin);
  if (st.internals.verbose) {
    // pipes.c: a delivering pipe sets LASTFOLDER before it starts (verified order).
    if (capture === null && !f.f) yield* log(st, logtext.assigning(`LASTFOLDER=${built.shown}`), 'verbose', origin);
    yield* log(st, logtext.executing(command.shell ? command.text : command.argv.join(',')), 'verbose', origin);
  }

  if (capture !== null) {
    const a = yield* ask(st, { kind: 'capture', command, data, feed, form: 'assign', origin, vars: st.vars.snapshot() });
    const ok = yield* programSucceeded(st, r, a, built.name, wait, feed, origin);
    if (ok) {
      const res = yield* assign(st, capture, captureValue(a.output.toString('latin1')), r.span, false);
      st.lastsucc = true;
      if (res === 'host-mismatch') return yield* hostMismatchInRun(st);
      if (res === 'limit') return { end: 'limit' };
    } else st.lastsucc = false;
    return null;
  }
  if (f.f) {
    const a = yield* ask(st, { kind: 'filter', command, data, feed, wait, lockfile, origin, vars: st.vars.snapshot() });
    if (a.exitCode !== null) st.lastExit = a.exitCode;
    const failed = a.exitCode === null || (wait !== null && a.exitCode !== 0) || (!a.wroteAll && !feed.ignoreWriteErrors);
    if (failed) {
      if (a.exitCode !== null && a.exitCode !== 0 && wait === 'w') yield* log(st, logtext.programFailure(a.exitCode, built.name), 'error', origin);
      else if (a.exitCode !== null && a.exitCode !== 0 && st.internals.verbose) yield* log(st, logtext.nonZeroExitcode(a.exitCode, built.name), 'verbose', origin);
      // The unfiltered text is kept (procmail.md §7.6).
      yield* log(st, logtext.rescue(true), 'error', origin);
      st.lastsucc = false;
      return null;
    }
    // readmail() runs again on the result: Content-Length is rewritten anew (procmail.md §7.6).
    const berkeley = st.input.berkeley === true;
    if (feed.header && !feed.body) st.message = readmail(st.message.withHeader(a.output), berkeley);
    else if (feed.body && !feed.header) st.message = readmail(st.message.withBody(a.output), berkeley);
    else st.message = readmail(a.output, berkeley);
    st.lastsucc = true;
    return null;
  }
  const a = yield* ask(st, { kind: 'pipe', command, data, feed, wait, lockfile, origin, vars: st.vars.snapshot() }, true);
  const ok = yield* programSucceeded(st, r, a, built.name, wait, feed, origin);
  return yield* afterDelivery(st, r, ok, built.shown, a.bytes);
}

function* hostMismatchInRun(st: State): G<RunResult | null> {
  if (nextProgram(st, 'host-mismatch')) return null;
  return { end: 'host-mismatch' };
}

/**
 * How procmail runs a command text (pipes.c metaparse): through $SHELL
 * unexpanded when it contains a SHELLMETAS character, otherwise split and
 * expanded here, with `"$@"` allowed (procmail.md §1.6).
 */
function* buildCommand(st: State, text: string, span: Span, env: ExpandEnv): G<Command> {
  return (yield* buildCommandShown(st, text, span, env)).command;
}

interface BuiltCommand {
  readonly command: Command;
  /** LASTFOLDER: the text for the shell, else the words joined by blanks, `"$@"` as one empty word (pipes.c concatenate). */
  readonly shown: string;
  /** What error messages quote: the text for the shell, else the first word (procmail's buffer is NUL-separated). */
  readonly name: string;
}

function* buildCommandShown(st: State, text: string, span: Span, env: ExpandEnv): G<BuiltCommand> {
  const metas = st.internals.strings.SHELLMETAS;
  for (const c of text) if (metas.includes(c)) return { command: { shell: true, text }, shown: text, name: text };
  const argv: string[] = [];
  const shownWords: string[] = [];
  for (const w of parseWords(text, span)) {
    const words = yield* expandWords(w, env, true);
    argv.push(...words);
    if (w.some((p) => p.kind === 'special' && p.name === '@' && p.quote !== 'none')) shownWords.push('');
    else shownWords.push(...words);
  }
  return { command: { shell: false, text, argv }, shown: shownWords.join(' '), name: shownWords[0] ?? '' };
}

function* extActionStep(st: State, r: CompiledRecipe, verb: string, args: string, origin: Origin): G<RunResult | null> {
  const res = yield* extAction(verb, args, extContext(st, origin));
  // The extension already logged what matters; its lines are for the trace.
  for (const l of res.log) st.input.trace?.({ kind: 'note', span: r.span, text: l });
  // res.log already carries the `rejected: …` note.
  if (res.reject !== null) return { end: 'rejected', reject: res.reject };
  if (!res.delivered) {
    st.lastsucc = true;
    return null;
  }
  return yield* afterDelivery(st, r, true, res.lastFolder ?? st.vars.str('LASTFOLDER'), st.lastBytes);
}

function extContext(st: State, origin: Origin): ExtContext {
  const header = st.message.header;
  const m = /^From ([^ \t\n]+)/.exec(header);
  return {
    message: st.message.part({ header: true, body: true }),
    vars: st.vars.snapshot(),
    expand: (text: string) => expandSync(st, text, origin.span),
    origin,
    envelopeSender: m ? m[1]! : '',
  };
}

/** Expansion without backticks, for extension arguments (which have no request channel of their own). */
function expandSync(st: State, text: string, span: Span | null): string {
  const env: ExpandEnv = {
    ...expandEnv(st, span),
    // eslint-disable-next-line require-yield
    *capture() {
      return '';
    },
    // eslint-disable-next-line require-yield
    *bad() {},
  };
  const g = expandString(parseDoubleQuotedText(text, span ?? syntheticOrigin(st)), env);
  const step = g.next();
  return step.done ? step.value : '';
}

// ---------------------------------------------------------------------------
// Conditions (misc.c conditions; procmail.md §1.5, §3, §4)
// ---------------------------------------------------------------------------

function* conditions(st: State, r: CompiledRecipe): G<CondOutcome> {
  yield* conflictingFlags(st, r);
  const tally = new CondTally(st, r.flags);
  for (const c of r.conditions) {
    if (!tally.i) tally.notReached(c);
    else tally.add(c, yield* condition(st, r, c, c, tally.sc, 0, c.text));
  }
  return tally.finish(st);
}

/**
 * The conditions of a recipe whose conditions are all valid regexes, while
 * VERBOSE is off: nothing can need a request (no log line, no program), so
 * they are tested synchronously. Returns null when the recipe does not
 * qualify, before doing anything; the generator path then takes it.
 */
function quickConditions(st: State, r: CompiledRecipe): CondOutcome | null {
  if (st.internals.verbose !== 0) return null;
  let rxs = quickRegexes.get(r);
  if (rxs === undefined) {
    rxs = regexesOf(r);
    quickRegexes.set(r, rxs);
  }
  if (rxs === null) return null;
  // A condition longer than LINEBUF is logged as an overflow: left to the generator path.
  if ((longestCondition.get(r) ?? 0) >= st.internals.linebuf) return null;
  const tally = new CondTally(st, r.flags);
  const conds = r.conditions;
  for (let k = 0; k < conds.length; k++) {
    const c = conds[k]!;
    if (!tally.i) tally.notReached(c);
    else if (weightedAndFull(c, tally.sc)) tally.add(c, skippedResult(c));
    else tally.add(c, regexTest(st, c, c, rxs[k]!, areaString(st, r, c.area), tally.sc));
  }
  return tally.finish(st);
}

/** Per recipe: its compiled regexes when the quick path may take it, else null (see quickConditions). */
const quickRegexes = new WeakMap<CompiledRecipe, readonly ProcRegex[] | null>();

/** Per recipe: the length of its longest condition text (set with quickRegexes). */
const longestCondition = new WeakMap<CompiledRecipe, number>();

function regexesOf(r: CompiledRecipe): readonly ProcRegex[] | null {
  let longest = 0;
  for (const c of r.conditions) if (c.text.length > longest) longest = c.text.length;
  longestCondition.set(r, longest);
  const raw = r.header.flags;
  // Conflicting flags are logged (a request): left to the generator path.
  if (raw.includes('e') && (raw.includes('E') || raw.includes('a'))) return null;
  const out: ProcRegex[] = [];
  for (const c of r.conditions) {
    if (c.test.kind !== 'regex') return null;
    // An invalid regexp is logged: also left to the generator path.
    const rx = compileRegex(r.flags, conditionPattern(c.test.pattern, c.text));
    if (rx.invalid || rx.rx === null) return null;
    out.push(rx.rx);
  }
  return out;
}

/**
 * One recipe's conditions being tested (misc.c conditions): the flag
 * prerequisites, the running score and what each condition reported.
 * Shared by the generator path and the quick path so both keep the same books.
 */
class CondTally {
  i: boolean;
  readonly sc: Score = { score: 0, scored: false };
  readonly results: ConditionResult[] = [];
  readonly heldSpans: Span[] = [];

  constructor(st: State, f: Flags) {
    let i = true;
    if (f.e) i = i && st.prevcond && !st.lastsucc;
    if (f.E) i = i && !st.prevcond;
    if (f.a) i = i && st.lastcond && st.lastsucc;
    if (f.A) i = i && st.lastcond;
    this.i = i;
  }

  /** A condition after one that failed: not evaluated. */
  notReached(c: CompiledCondition): void {
    this.results.push({ span: c.span, text: c.text, held: false, skipped: true });
  }

  add(c: CompiledCondition, res: OneResult): void {
    if (res.skipped) {
      this.results.push({ span: c.span, text: c.text, held: true, skipped: true });
      return;
    }
    const sc = this.sc;
    let held = res.held;
    if (sc.score > MAX32) sc.score = MAX32;
    if (sc.score <= MIN32) {
      sc.score = MIN32;
      held = false;
    }
    // The report keeps the condition's own outcome; the clamp only fails the recipe.
    if (res.before !== null) {
      // Each report is a fresh object made for this condition: complete it in place.
      const report = res.report as Mutable<ConditionResult>;
      report.added = sc.score - res.before;
      report.total = sc.score;
    }
    this.results.push(res.report);
    if (!held) this.i = false;
    else this.heldSpans.push(c.span);
  }

  finish(st: State): CondOutcome {
    const s = this.sc.score;
    // `$=`: (long)score, but +0 rounds up to 1 (misc.c).
    st.lastScore = Math.trunc(s) === 0 && s > 0 ? 1 : Math.trunc(s);
    const held = this.sc.scored && this.i && s <= 0 ? false : this.i;
    return { held, results: this.results, heldSpans: this.heldSpans };
  }
}

interface Score {
  score: number;
  scored: boolean;
}

interface Cond {
  readonly negate: boolean;
  readonly weight: Weight | null;
  readonly area: Area | null;
  readonly test: Test;
}

interface OneResult {
  /** Whether the condition held (after negation; a weighted one always does). */
  readonly held: boolean;
  /** Not evaluated: the score had already reached its maximum. */
  readonly skipped: boolean;
  /**
   * What the trace reports: a fresh object, to which CondTally.add adds
   * `added`/`total` (they need the clamped running total).
   */
  readonly report: ConditionResult;
  /** The score before this condition, for weighted conditions; null otherwise. */
  readonly before: number | null;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function oneResult(src: CompiledCondition, c: Cond, held: boolean, before: number, extra?: Partial<ConditionResult>): OneResult {
  const report: ConditionResult = extra === undefined ? { span: src.span, text: src.text, held } : { span: src.span, text: src.text, held, ...extra };
  return { held, skipped: false, report, before: c.weight !== null ? before : null };
}

function skippedResult(src: CompiledCondition): OneResult {
  return { held: true, skipped: true, report: { span: src.span, text: src.text, held: true, skipped: true }, before: null };
}

/**
 * For a weighted condition: true when the score is already at its maximum
 * (procmail evaluates no further weighted conditions, misc.c); otherwise the
 * recipe becomes a scored one.
 */
function weightedAndFull(c: Cond, sc: Score): boolean {
  if (c.weight === null) return false;
  if (sc.score >= MAX32) return true;
  sc.scored = true;
  return false;
}

/** The text a condition searches (procmail.md §3.1): the area's flag or prefix, unfolded for H and HB. */
function areaString(st: State, r: CompiledRecipe, area: Area | null): string {
  const m = st.message;
  const kind = area ? area.kind : r.flags.B ? (r.flags.H ? 'HB' : 'B') : 'H';
  switch (kind) {
    case 'H':
      return m.headerUnfolded;
    case 'B':
      return m.body;
    case 'HB':
      return m.wholeUnfolded;
    default:
      return st.vars.str((area as { name: string }).name);
  }
}

/** The area as text and as the bytes a `?` program is fed (`raw` built only here: regexes need the text alone). */
function areaText(st: State, r: CompiledRecipe, area: Area | null): { text: string; raw: Buffer; explicit: boolean } {
  const m = st.message;
  const kind = area ? area.kind : r.flags.B ? (r.flags.H ? 'HB' : 'B') : 'H';
  const text = areaString(st, r, area);
  switch (kind) {
    case 'H':
      return { text, raw: m.part({ header: true, body: false }), explicit: area !== null };
    case 'B':
      return { text, raw: m.part({ header: false, body: true }), explicit: area !== null };
    case 'HB':
      return { text, raw: m.part({ header: true, body: true }), explicit: area !== null };
    default:
      return { text, raw: Buffer.from(text, 'latin1'), explicit: true };
  }
}

/**
 * A regex condition, minus the logging (procmail.md §3, §4; misc.c
 * conditions): scores a weighted one, otherwise searches once and sets MATCH
 * for a `\/` pattern. The caller has done weightedAndFull.
 */
function regexTest(st: State, src: CompiledCondition, c: Cond, rx: ProcRegex, text: string, sc: Score): OneResult {
  const before = sc.score;
  if (c.weight !== null) {
    const { w, x } = c.weight;
    const out: { match: string | undefined } = { match: undefined };
    if (c.negate) {
      // misc.c: searched only when w is non-zero; a match (with `\/`) still sets MATCH (verified).
      if (w) {
        const found = search(rx, text);
        if (!found.matched) sc.score += w;
        else if (rx.hasMatchSplit) out.match = found.match;
      }
    } else {
      sc.score = weighRegex(sc.score, rx, text, w, x, out);
    }
    if (out.match === undefined) return oneResult(src, c, true, before);
    setMatch(st, src, out.match);
    return oneResult(src, c, true, before, { match: out.match });
  }
  const found = search(rx, text);
  const held = found.matched !== c.negate;
  if (!found.matched) return oneResult(src, c, held, before);
  const report: Mutable<ConditionResult> = { span: src.span, text: src.text, held };
  if (found.text !== undefined) report.matched = found.text;
  if (rx.hasMatchSplit && found.match !== undefined) {
    const match = found.match;
    report.match = match;
    setMatch(st, src, match);
  }
  return { held, skipped: false, report, before: null };
}

function setMatch(st: State, src: CompiledCondition, match: string): void {
  st.vars.set('MATCH', match);
  st.input.trace?.({ kind: 'assign', span: src.span, name: 'MATCH', value: match });
}

function* condition(
  st: State,
  r: CompiledRecipe,
  src: CompiledCondition,
  c: Cond,
  sc: Score,
  reexpansions: number,
  /** The condition text being examined: Condition.text, or what a `$` expanded to. */
  text: string,
): G<OneResult> {
  const before = sc.score;
  const origin = originOf(r.span, [], 'condition');
  if (weightedAndFull(c, sc)) return skippedResult(src);
  const w = c.weight?.w ?? 0;
  const x = c.weight?.x ?? 0;
  const verbose = st.internals.verbose !== 0;
  const mk = (held: boolean, extra?: Partial<ConditionResult>): OneResult => oneResult(src, c, held, before, extra);

  if (reexpansions === 0 && src.text.length >= st.internals.linebuf) {
    // misc.c: getlline() overflowed: "assume failure on overflow", negated or not (verified).
    yield* overflow(st, src.span);
    return oneResult(src, c, false, before);
  }
  const t = c.test;
  switch (t.kind) {
    case 'expand': {
      if (reexpansions >= MAX_CONDITION_REEXPANSIONS) {
        yield* limitHit(st, 'condition re-expanded too often', src.span);
        return mk(false);
      }
      if (t.rest[0] === '<' || t.rest[0] === '>') {
        // A size test with `$` in it (compile/condition.ts sizeTest): misc.c
        // expands it once and reads the number; the prefixes are not examined
        // again, so `>$^^` is `> 0` plus `Skipped "$^^"` (procmail.md §1.5).
        const expanded = yield* expandString(parseDoubleQuotedText(t.rest, src.span), expandEnv(st, src.span));
        const op = expanded[0] === '<' ? '<' : '>';
        const size: Cond = { negate: c.negate, weight: c.weight, area: c.area, test: { kind: 'size', op, limit: sizeLimit(expanded.slice(1)) } };
        const inner = yield* condition(st, r, src, size, sc, reexpansions + 1, expanded);
        (inner.report as Mutable<ConditionResult>).expanded = expanded;
        return inner;
      }
      const expanded = (yield* expandString(parseDoubleQuotedText(t.rest, src.span), expandEnv(st, src.span))).replace(/^[ \t]+/, '');
      if (expanded.length >= st.internals.linebuf) {
        // readparse() overflowed: the condition fails (verified: `* $ $B$B` with 200 bytes under LINEBUF=128).
        yield* overflow(st, src.span);
        return oneResult(src, c, false, before);
      }
      const parsed = parseCondition(expanded, src.span, { negate: c.negate, weight: c.weight, area: c.area });
      const inner = yield* condition(st, r, src, parsed.cond, sc, reexpansions + 1, expanded);
      (inner.report as Mutable<ConditionResult>).expanded = expanded;
      return inner;
    }
    case 'ext': {
      const ok = yield* extCondition(t.verb, t.args, extContext(st, origin));
      const held = ok !== c.negate;
      if (c.weight !== null) {
        if (held) sc.score += w;
      }
      if (verbose) yield* logCondition(st, c, before, sc.score, held, `${t.verb} ${t.args}`, origin);
      return mk(c.weight !== null ? true : held);
    }
    case 'size': {
      // misc.c: strtol, then skipped() on what is left (`* >From` logs `Skipped "From"`).
      const at = text.search(/[<>]/);
      const rest = at < 0 ? '' : sizeLeftover(text.slice(at + 1));
      if (rest !== '') yield* log(st, logtext.skipped(rest), 'error', origin);
      const a = areaText(st, r, c.area);
      const size = a.explicit ? (c.area?.kind === 'var' ? a.text.length : a.raw.length) : st.message.size;
      if (c.weight !== null) {
        let f: number;
        if ((t.op === '<') !== c.negate) {
          if (size) f = t.limit / size;
          else f = t.limit > 0 ? Infinity : -Infinity;
        } else if (t.limit) f = size / t.limit;
        else f = Infinity;
        if (f === Infinity) sc.score = MAX32 + 1;
        else if (f === -Infinity) sc.score = MIN32;
        else sc.score += w * Math.pow(f, x);
        if (verbose) yield* logCondition(st, c, before, sc.score, true, `${t.op}${t.limit}`, origin);
        return mk(true);
      }
      const held = (t.op === '<' ? size < t.limit : size > t.limit) !== c.negate;
      if (verbose) yield* logCondition(st, c, before, sc.score, held, `${t.op} ${t.limit}`, origin);
      return mk(held);
    }
    case 'program': {
      const a = areaText(st, r, c.area);
      const env = expandEnv(st, src.span);
      const command = yield* buildCommand(st, t.command, src.span, env);
      if (verbose) yield* log(st, logtext.executing(command.shell ? command.text : command.argv.join(',')), 'verbose', origin);
      const ans = yield* ask(st, { kind: 'run-condition', command, data: a.raw, origin: originOf(src.span, [], 'condition program'), vars: st.vars.snapshot() });
      const code = ans.exitCode;
      if (code !== null) st.lastExit = code;
      if (c.weight !== null && code !== null && code >= 0) {
        if (c.negate) {
          let weight = w;
          for (let j = code; --j >= 0; ) {
            sc.score += weight;
            if (!(sc.score < MAX32 && sc.score > MIN32)) break;
            weight *= x;
          }
        } else sc.score += code ? x : w;
        if (verbose) yield* logCondition(st, c, before, sc.score, true, commandName(command), origin);
        return mk(true, { exitCode: code });
      }
      const held = (code === 0) !== c.negate;
      if (verbose) yield* logCondition(st, c, before, sc.score, held, commandName(command), origin);
      return mk(held, { exitCode: code });
    }
    case 'regex': {
      const compiled = compileRegex(r.flags, conditionPattern(t.pattern, text));
      if (compiled.invalid) yield* log(st, logtext.invalidRegexp(t.pattern), 'error', origin);
      const rx = compiled.rx;
      // Beyond repair (see repairRegex): never matches.
      if (rx === null) return mk(c.negate && c.weight === null);
      const res = regexTest(st, src, c, rx, areaString(st, r, c.area), sc);
      if (verbose) {
        if (res.report.match !== undefined) {
          // regexp.c: MATCH is built through the Stdout buffer (logged as an empty assignment),
          // except when the search area is MATCH itself, which is cut in place (verified).
          if (!(c.area?.kind === 'var' && c.area.name === 'MATCH')) yield* log(st, logtext.assigning('MATCH='), 'verbose', origin);
          yield* log(st, logtext.matched(res.report.match), 'verbose', origin);
        }
        yield* logCondition(st, c, before, sc.score, res.held, t.pattern, origin);
      }
      return res;
    }
  }
}

/** What misc.c shows for a `?` program after running it: the shell text, or the first word (its buffer is NUL-separated). */
function commandName(command: Command): string {
  return command.shell ? command.text : (command.argv[0] ?? '');
}

/** The VERBOSE line for a tested condition: its score for a weighted one, else `Match on`/`No match on` (misc.c). */
function* logCondition(st: State, c: Cond, before: number, score: number, held: boolean, shown: string, origin: Origin): G<void> {
  if (c.weight !== null) yield* log(st, logtext.score(score - before, score, c.negate, shown), 'verbose', origin);
  else yield* log(st, logtext.match(held, c.negate, shown), 'verbose', origin);
}

/**
 * Adds `w + w·x + w·x² + …` over successive matches, as procmail's scoring
 * loop does (misc.c conditions; procmail.md §4): each search starts where the
 * last match ended; an empty match adds the geometric tail (or ±MAX32) and
 * stops; the loop also stops once the increments shrink below 1, and at the
 * ±MAX32 limits.
 */
function weighRegex(score: number, rx: ProcRegex, area: string, w: number, x: number, out: { match: string | undefined }): number {
  let weight = w;
  let oweight = weight * weight;
  let at = 0;
  let left = area.length;
  while (weight !== 0 && MIN32 < score && score < MAX32 && left >= 0) {
    const end = nextMatchEnd(rx, area, at);
    // -1 is a match too: one that consumed only the leading virtual newline (x*, an empty regex).
    if (end === NO_END) break;
    // regexp.c assigns MATCH on every successful search of a `\/` pattern: the last one wins (procmail.md §3.5).
    if (rx.hasMatchSplit && lastSplitMatch !== undefined) out.match = lastSplitMatch;
    score += weight;
    weight *= x;
    if (end <= at) {
      if (0 < x && x < 1) score += weight / (1 - x);
      else if (x >= 1 && weight !== 0) score += weight < 0 ? MIN32 : MAX32;
      break;
    }
    const nweight = weight * weight;
    if (nweight < oweight && oweight < 1) break;
    oweight = nweight;
    left -= end - at;
    at = end;
  }
  return score;
}

/**
 * The regex of a condition. `invalid` means procmail logs `Invalid regexp`;
 * it then still runs what it compiled (procmail.md §3.3), which repairRegex
 * reproduces: verified, `a)` matches like `a`, `(abc` like `(abc)`.
 */
function compileRegex(f: Flags, pattern: string): { rx: ProcRegex | null; invalid: boolean } {
  const r = translateRegex(pattern, { caseSensitive: f.D });
  if (r.ok) return { rx: r.regex, invalid: false };
  const fixed = repairRegex(pattern);
  const again = fixed === pattern ? r : translateRegex(fixed, { caseSensitive: f.D });
  return { rx: again.ok ? again.regex : null, invalid: true };
}

/**
 * What procmail's regexp.c compiles from a pattern with unbalanced
 * parentheses: an unmatched `)` ends the pattern, an unclosed `(` is closed
 * at the end. Brackets and `\x` are skipped as the translator reads them.
 */
export function repairRegex(pattern: string): string {
  let depth = 0;
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i];
    if (ch === '\\') {
      i += 2;
      continue;
    }
    if (ch === '[') {
      let j = i + 1;
      if (pattern[j] === '^') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j++;
      i = j + 1;
      continue;
    }
    if (ch === '(') depth++;
    else if (ch === ')') {
      if (depth === 0) return pattern.slice(0, i);
      depth--;
    }
    i++;
  }
  return pattern + ')'.repeat(depth);
}

const MACRO_KEYS = ['^FROM_DAEMON', '^TO_', '^TO', '^FROM_MAILER'];

/**
 * The pattern to compile for a regex condition. A leading `\` quotes the
 * first character and is removed (procmail.md §1.5), but misc.c still sees
 * it when looking for macros: `* \^TO_x` is the plain regex `^TO_x`. The
 * translator expands macros not preceded by `\`, so the anchor is wrapped in
 * a group, which matches the same text.
 */
function conditionPattern(pattern: string, text: string): string {
  const at = text.length - pattern.length - 1;
  if (at < 0 || text[at] !== '\\' || !text.endsWith(pattern) || pattern[0] !== '^') return pattern;
  for (const key of MACRO_KEYS) if (pattern.startsWith(key)) return '(^)' + pattern.slice(1);
  return pattern;
}

/** The limit of a size test: strtol (blanks, sign, digits), 0 when there is no number. */
function sizeLimit(s: string): number {
  const m = /^[ \t\n\v\f\r]*([-+]?[0-9]+)/.exec(s);
  return m ? Number.parseInt(m[1]!, 10) : 0;
}

/** What misc.c passes to skipped() after a size test's number: the rest, leading blanks skipped. */
function sizeLeftover(s: string): string {
  const m = /^[ \t\n\v\f\r]*[-+]?[0-9]+/.exec(s);
  return (m ? s.slice(m[0].length) : s).replace(/^[ \t]+/, '');
}

// ---------------------------------------------------------------------------
// Expansion context
// ---------------------------------------------------------------------------

function expandEnv(st: State, span: Span | null): ExpandEnv {
  return {
    vars: st.vars,
    args: st.args,
    special(name: string): string {
      switch (name) {
        case '$':
          return String(st.input.pid);
        case '?':
          return String(st.lastExit);
        case '=':
          return String(st.lastScore);
        case '_':
          return st.frames[st.frames.length - 1]?.file ?? st.input.programs[st.program]?.file ?? '';
        case '-':
          return st.vars.str('LASTFOLDER');
        case '0':
          return st.input.argv0;
        case '#':
          return String(st.args.length);
        default:
          return '';
      }
    },
    *capture(command: string, at: Span): G<string> {
      const env = expandEnv(st, at);
      const cmd = yield* buildCommand(st, command, at, env);
      const data = st.message.part({ header: true, body: true });
      const a = yield* ask(st, {
        kind: 'capture',
        command: cmd,
        data,
        feed: { header: true, body: true, raw: false, ignoreWriteErrors: true },
        form: 'backtick',
        origin: originOf(span ?? at, [], 'backtick'),
        vars: st.vars.snapshot(),
      });
      if (a.exitCode !== null) st.lastExit = a.exitCode;
      return backtickValue(a.output.toString('latin1'));
    },
    *bad(text: string, at: Span): G<void> {
      yield* log(st, logtext.badSubstitution(text), 'error', originOf(at, [], 'bad substitution'));
    },
  };
}

// ---------------------------------------------------------------------------
// Requests, logging, termination
// ---------------------------------------------------------------------------

function* ask<R extends Request>(st: State, req: R, delivering = false): G<AnswerFor[R['kind']]> {
  const answer = (yield req) as AnswerFor[R['kind']];
  st.input.trace?.({ kind: 'request', request: req, answer: answer as Answer, delivering: delivering && isOk(answer as Answer) });
  return answer;
}

function isOk(a: Answer): boolean {
  switch (a.kind) {
    case 'ack':
    case 'delivered':
      return a.ok;
    case 'program':
      return a.exitCode !== null;
    default:
      return true;
  }
}

function* log(st: State, text: string, source: 'error' | 'verbose' | 'abstract' | 'LOG', origin: Origin, override?: string): G<void> {
  // VERBOSE's `procmail: [pid] <ctime>` stamps (misc.c nlog) need the clock: the answerer writes them.
  yield* ask(st, { kind: 'log', text: override ?? text, source, origin, vars: st.vars.snapshot() });
}

function originOf(span: Span | null, conditions: readonly Span[], reason: string): Origin {
  return { span, conditions, reason };
}

function* logAbstract(st: State, folder: string, size: number, origin: Origin, closing = false): G<void> {
  const la = st.internals.logabstract;
  // mailfold.c: lgabstract>0, or (logopened||verbose) && lgabstract.
  if (!(la > 0 || ((st.logOpen || st.internals.verbose !== 0) && la !== 0))) return;
  const text = formatAbstract({ header: st.message.header, folder, size });
  yield* ask(st, { kind: 'log', text, source: 'abstract', origin, vars: st.vars.snapshot(), abstract: { folder, closing } });
}

function* terminate(st: State, result: RunResult): G<Outcome> {
  const fallbackOrigin = originOf(null, [], 'fell off the end of the rcfile');
  let folder = '';
  let size = 0;
  let disposition: Outcome['disposition'];
  let exitCode: number;
  let stderr: string | null = null;
  if (result.end === 'host-mismatch') {
    // procmail exits 0 having delivered nothing (procmail.md §1.7).
    disposition = 'host-mismatch';
    exitCode = EX_OK;
  } else if (result.end === 'rejected') {
    disposition = 'rejected';
    // src/ext/engine.ts: @reject exits EX_NOUSER with its text on stderr.
    exitCode = EX_NOUSER;
    stderr = result.reject ?? null;
    folder = '**Rejected**';
  } else if (result.end === 'limit') {
    disposition = 'requeued';
    exitCode = EX_TEMPFAIL;
    folder = '**Requeued**';
  } else {
    if (!st.delivered) {
      // procmail.c nomore_rc: DEFAULT (locked with $LOCKEXT), then ORGMAIL if different, unlocked.
      const data = st.message.part({ header: true, body: true });
      const feed: Feed = { header: true, body: true, raw: false, ignoreWriteErrors: false };
      const def = st.fdefault;
      if (def !== '') {
        const a = yield* ask(st, { kind: 'deliver', folders: [def], lockfile: def + st.internals.strings.LOCKEXT, data, feed, fallback: true, origin: fallbackOrigin, vars: st.vars.snapshot() }, true);
        // mailfold.c lastdump: the abstract shows the bytes of the last write, even a failed one.
        st.lastBytes = a.bytes;
        if (a.ok) {
          st.delivered = true;
          st.vars.set('LASTFOLDER', a.lastFolder);
        }
      }
      const org = st.vars.str('ORGMAIL');
      if (!st.delivered && org !== '' && org !== def) {
        const a = yield* ask(st, { kind: 'deliver', folders: [org], lockfile: null, data, feed, fallback: true, origin: fallbackOrigin, vars: st.vars.snapshot() }, true);
        // mailfold.c lastdump: the abstract shows the bytes of the last write, even a failed one.
        st.lastBytes = a.bytes;
        if (a.ok) {
          st.delivered = true;
          st.vars.set('LASTFOLDER', a.lastFolder);
        }
      }
    }
    if (st.delivered) {
      disposition = 'delivered';
      exitCode = EX_OK;
      folder = st.vars.str('LASTFOLDER');
      size = st.lastBytes;
    } else {
      disposition = st.input.tempfail ? 'requeued' : 'bounced';
      exitCode = st.input.tempfail ? EX_TEMPFAIL : EX_CANTCREAT;
      folder = st.input.tempfail ? '**Requeued**' : '**Bounced**';
      // Verified (differential cases 319/320): the size of the failed DEFAULT write, 0 when nothing was tried.
      size = st.lastBytes;
    }
  }
  yield* logAbstract(st, folder, size, originOf(null, [], 'log abstract'), true);

  // EXITCODE / TRAP (variables.c setexitcode, pipes.c exectrap; procmail.md §6.4).
  const trap = st.vars.str('TRAP');
  let forceret = -1;
  const ec = st.vars.get('EXITCODE');
  if (st.internals.exitcodeArmed && ec !== undefined) {
    forceret = renvint(-2, ec);
    if (forceret >= 0) {
      exitCode = forceret;
      disposition = 'exitcode';
    }
  } else if (trap !== '') {
    st.vars.set('EXITCODE', String(exitCode));
  }
  if (trap !== '') {
    const origin = originOf(null, [], 'TRAP');
    const command = yield* buildCommand(st, trap, syntheticOrigin(st), expandEnv(st, null));
    const a = yield* ask(st, { kind: 'trap', command, data: st.message.part({ header: true, body: true }), origin, vars: st.vars.snapshot() });
    if (a.exitCode !== null && a.exitCode !== 0 && forceret === -2) {
      exitCode = a.exitCode;
      disposition = 'exitcode';
    }
  }
  const lastFolder = st.vars.get('LASTFOLDER') ?? null;
  if (!st.deliveredEarly) return { exitCode, disposition, lastFolder, stderr };
  // DELIVERED=yes (procmail.md §5.2): procmail's parent exited 0 at once and
  // the rest ran in a child whose status nobody sees, so whatever EXITCODE or
  // TRAP say afterwards the MTA got 0 (verified). When the message did end
  // up somewhere that is what we return too. When it did not, procmail lost
  // it; mailrules returns the failure so the MTA keeps the message (the one
  // deliberate difference: never lose mail).
  if (st.delivered || disposition === 'host-mismatch') exitCode = EX_OK;
  else st.input.trace?.({ kind: 'note', span: null, text: `DELIVERED was set but nothing was delivered: procmail would have lost this message; exiting ${exitCode} so the MTA keeps it` });
  return { exitCode, disposition, lastFolder, stderr, deliveredEarly: true };
}
