/**
 * Read-time messages (procmail.c mainloop, misc.c conditions): what procmail
 * logs while *reading* a statement, so also inside blocks it skips
 * (procmail.c skiprc; docs/procmail-semantics.md §1.4).
 */
import type { CompiledRecipe, Step } from '../compile/compiled-rc.js';
import type { Skipped } from '../syntax/ast.js';
import { inFileOrder } from '../syntax/walk.js';
import { log, originOf } from './channel.js';
import { line, logtext } from './logtext.js';
import type { G, State } from './state.js';

/** The `Missing action` / `Incomplete recipe` line itself, which a skipped block logs too. */
export function* missingNote(st: State, r: CompiledRecipe, incomplete: boolean): G<void> {
  const what = incomplete ? 'Incomplete recipe' : 'Missing action';
  const span = r.action.span;
  yield* log(st, incomplete ? line(what) : logtext.missingAction(), 'error', originOf(span, [], what.toLowerCase()));
  st.input.trace?.({ kind: 'note', span, text: `${what}: the recipe is ignored` });
}

export function* skippedStep(st: State, step: Skipped): G<void> {
  const text = step.message !== undefined ? line(step.message) : logtext.skipped(step.text);
  yield* log(st, text, 'error', originOf(step.span, [], 'skipped line'));
  st.input.trace?.({ kind: 'note', span: step.span, text: step.message ?? `Skipped "${step.text}"` });
}

/** Leftovers of a recipe header (`Skipped "Z"`), logged as procmail reads the header (docs/procmail-semantics.md §1.4). */
export function* headerLeftover(st: State, r: CompiledRecipe): G<void> {
  const text = r.header.leftover!;
  yield* log(st, logtext.skipped(text), 'error', originOf(r.header.span, [], 'skipped text'));
  st.input.trace?.({ kind: 'note', span: r.header.span, text: `Skipped "${text}"` });
}

/** misc.c conditions(): `e` with `E` or `a`, reported whether or not the recipe is evaluated. */
export function* conflictingFlags(st: State, r: CompiledRecipe): G<void> {
  const raw = r.header.flags;
  const origin = originOf(r.span, [], 'recipe flags');
  if (raw.includes('e') && raw.includes('E')) yield* log(st, logtext.conflicting('else-if-flag'), 'error', origin);
  if (raw.includes('e') && raw.includes('a')) yield* log(st, logtext.conflicting('also-if-succeeded-flag'), 'error', origin);
}

/** Whether reading the action line logs `Extraneous … ignored` (folder and block actions only; see actionNotes). */
export function hasActionNotes(r: CompiledRecipe): boolean {
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
export function* actionNotes(st: State, r: CompiledRecipe): G<void> {
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
  const known = blockNotes.get(steps);
  if (known !== undefined) return known;
  // Depth first with our own stack (blocks nest without limit), noting the
  // answer for every block on the way, so a skip inside a skip costs nothing.
  const stack: { steps: readonly Step[]; i: number; has: boolean }[] = [{ steps, i: 0, has: false }];
  for (;;) {
    const top = stack[stack.length - 1]!;
    if (top.has || top.i >= top.steps.length) {
      blockNotes.set(top.steps, top.has);
      stack.pop();
      if (stack.length === 0) return top.has;
      stack[stack.length - 1]!.has ||= top.has;
      continue;
    }
    const s = top.steps[top.i++]!;
    if (s.kind === 'skipped') top.has = true;
    else if (s.kind === 'recipe') {
      const raw = s.header.flags;
      top.has = s.action.kind === 'missing' || s.header.leftover !== undefined || hasActionNotes(s) || (raw.includes('e') && /[Ea]/.test(raw));
      if (!top.has && s.action.kind === 'block') {
        const inner = blockNotes.get(s.action.items);
        if (inner !== undefined) top.has = inner;
        else stack.push({ steps: s.action.items, i: 0, has: false });
      }
    }
  }
}

/**
 * A block procmail skips (conditions false, or the parent's side of a `c`
 * fork) is still read statement by statement: the read-time messages come
 * out, nothing is evaluated or assigned (procmail.c skiprc).
 */
export function* skipBlock(st: State, steps: readonly Step[]): G<void> {
  if (!blockHasNotes(steps)) return;
  for (const { item: s } of inFileOrder(steps)) {
    if (s.kind === 'skipped') yield* skippedStep(st, s);
    else if (s.kind === 'recipe') {
      if (s.header.leftover !== undefined) yield* headerLeftover(st, s);
      yield* conflictingFlags(st, s);
      if (s.action.kind === 'missing') yield* missingNote(st, s, s.action.incomplete);
      else if (hasActionNotes(s)) yield* actionNotes(st, s);
    }
  }
}
