/**
 * Entering a block (procmail.c: `{` pushes prevcond/lastcond on the ifstack;
 * procmail.md §2), and `c` on a block, which forks: the copy runs the block
 * and the rest of the rcfile and terminates on its own, the parent reads
 * over the block (procmail.c skiprc).
 */
import type { CompiledRecipe, Step } from '../compile/program.js';
import { MAX_NESTING_DEPTH } from '../limits.js';
import { EX_OK } from '../sysexits.js';
import { limitHit, log } from './channel.js';
import { logtext } from './logtext.js';
import { skipBlock } from './readtime.js';
import type { Origin } from './requests.js';
import { run } from './run.js';
import type { Frame, G, RunResult, State } from './state.js';
import { terminate } from './terminate.js';

export function* block(st: State, r: CompiledRecipe, items: readonly Step[], depth: number, origin: Origin): G<RunResult | null> {
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
    internals: { ...st.internals, strings: { ...st.internals.strings } },
    settings: { ...st.settings },
    args: [...st.args],
    frames: st.frames.map((f) => ({ ...f })),
    // Lockfiles are not inherited by the clone (procmail.c).
    globalLock: null,
    clone: true,
  };
}
