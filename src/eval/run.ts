/**
 * The interpreter loop (procmail.c mainloop): statement after statement
 * through the frame stack, `}` restoring the saved bookkeeping, until a
 * delivery, the end of the last rcfile, a HOST mismatch or a limit.
 */
import type { Step } from '../compile/compiled-rc.js';
import { MAX_STEPS_PER_MESSAGE } from '../limits.js';
import type { Span } from '../source/span.js';
import { recipeAction } from './actions.js';
import { assign } from './assign.js';
import { missingAction, settle } from './bookkeeping.js';
import { limitHit, overflow } from './channel.js';
import { readHeader } from './header.js';
import { conditions } from './conditions.js';
import { expandEnv } from './context.js';
import { expandString } from './expand.js';
import { quickConditions } from './quick-conditions.js';
import { nextRcfile } from './rcfiles.js';
import { actionNotes, hasActionNotes, headerLeftover, skipBlock, skippedStep } from './readtime.js';
import type { G, RunResult, State } from './state.js';

export function* run(st: State): G<RunResult> {
  for (;;) {
    const frame = st.frames[st.frames.length - 1];
    if (frame === undefined) {
      if (nextRcfile(st, 'eof')) continue;
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
          if (nextRcfile(st, 'host-mismatch')) continue;
          return { end: 'host-mismatch' };
        }
        if (r === 'limit') return { end: 'limit' };
        break;
      }
      case 'recipe': {
        let recipe = step;
        if (recipe.header.words !== undefined || recipe.header.length !== undefined) {
          const read = yield* readHeader(st, recipe);
          if (read === null) {
            // procmail gives up on the rcfile, and on those that included it (procmail.c: goto nextrc; verified).
            yield* overflow(st, recipe.header.span);
            st.frames = [];
            continue;
          }
          recipe = read;
        }
        // Most recipes of a header-only rc are decided by regex conditions
        // alone and then skipped: deciding those without a generator per
        // recipe and per condition is most of a dry-run replay's speed.
        // Read-time messages come first and then after the conditions
        // (procmail.c reads the header, tests the conditions, then reads the action line).
        if (recipe.header.leftover !== undefined) yield* headerLeftover(st, recipe);
        if (recipe.action.kind === 'missing') {
          yield* missingAction(st, recipe, recipe.action.incomplete, frame.depth);
          break;
        }
        const quick = quickConditions(st, recipe);
        const cond = quick ?? (yield* conditions(st, recipe));
        const taken = settle(st, recipe, cond, frame.depth);
        if (hasActionNotes(recipe)) yield* actionNotes(st, recipe);
        if (taken) {
          const r = yield* recipeAction(st, recipe, cond, frame.depth);
          if (r !== null) return r;
        } else if (recipe.action.kind === 'block') yield* skipBlock(st, recipe.action.items);
        break;
      }
    }
  }
}

function stepSpan(step: Step): Span {
  return step.span;
}
