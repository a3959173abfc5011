/**
 * `c` on a block forks (procmail.c): the clone runs the block and then the
 * rest of the rcfile, terminating on its own (its own fall-back, abstract
 * and TRAP); the parent reads over the block and carries on. Both may
 * deliver. The clone runs to completion first so the order is deterministic.
 *
 * A clone may fork again inside its block, as deep as blocks nest. So that
 * no depth of forks can overflow the call stack, the engine's loop does not
 * call itself: run() returns `{ end: 'fork' }` with the clone, and
 * runForks() runs the clone, then resumes the parent where it stopped.
 */
import type { CompiledRecipe } from '../compile/compiled-rc.js';
import { EX_OK } from '../sysexits.js';
import { log } from './channel.js';
import { logtext } from './logtext.js';
import type { Outcome } from './outcome.js';
import { skipBlock } from './readtime.js';
import type { Origin } from './requests.js';
import { run } from './run.js';
import type { Fork, Frame, G, RunResult, State } from './state.js';
import { terminate } from './terminate.js';

/** The clone of `st` that enters `frame`, handed to runForks() by run()'s result. */
export function* fork(st: State, r: CompiledRecipe, frame: Frame, origin: Origin): G<RunResult> {
  if (st.internals.verbose) yield* log(st, logtext.forking(), 'verbose', origin);
  st.input.trace?.({ kind: 'note', span: r.span, text: 'c: forked copy runs the block, then the rest of the rcfile' });
  const child = cloneState(st);
  child.frames.push(frame);
  return { end: 'fork', fork: { child, recipe: r, items: frame.steps, origin } };
}

/** run() until the state ends, running every clone forked on the way to its end before its parent goes on. */
export function* runForks(st: State): G<RunResult> {
  const parents: { state: State; fork: Fork }[] = [];
  let current = st;
  for (;;) {
    const result = yield* run(current);
    if (result.end === 'fork' && result.fork !== undefined) {
      parents.push({ state: current, fork: result.fork });
      current = result.fork.child;
      continue;
    }
    const parent = parents.pop();
    if (parent === undefined) return result;
    const outcome = yield* terminate(current, result);
    yield* forkEnded(parent.state, parent.fork, outcome);
    current = parent.state;
  }
}

/** The parent's side once its clone has ended: a waited-for failure, then reading over the block (procmail.c: skiprc+=2). */
function* forkEnded(st: State, f: Fork, childOutcome: Outcome): G<void> {
  const r = f.recipe;
  st.input.trace?.({ kind: 'note', span: r.span, text: `c: forked copy ended with exit code ${childOutcome.exitCode}` });
  let succeed = true;
  const wait = r.flags.w || r.flags.W || r.header.hasLock;
  if (wait && childOutcome.exitCode !== EX_OK) {
    if (r.flags.w || st.internals.verbose) {
      yield* log(st, r.flags.w ? logtext.programFailure(childOutcome.exitCode, 'procmail') : logtext.nonZeroExitcode(childOutcome.exitCode, 'procmail'), 'error', f.origin);
    }
    succeed = false;
  }
  // The parent logs the block's read-time messages again as it reads over it.
  yield* skipBlock(st, f.items);
  st.lastsucc = succeed;
}

function cloneState(st: State): State {
  return {
    ...st,
    vars: st.vars.clone(),
    internals: { ...st.internals, strings: { ...st.internals.strings } },
    settings: { ...st.settings },
    args: [...st.args],
    frames: st.frames.map((f) => ({ ...f })),
    // Lockfiles are not inherited by the clone (procmail.c).
    globalLock: null,
    clone: true,
  };
}
