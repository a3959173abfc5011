/**
 * The pure evaluation engine: runs compiled rcfiles against one message the
 * way procmail 3.22 interprets them (procmail.c mainloop; docs/procmail-semantics.md §0–§8),
 * yielding a Request whenever it needs the world and resuming with the
 * Answer. No fs, no processes, no clock (docs/architecture.md §4.3): given the same input and
 * answers it yields the same requests in the same order.
 *
 * The interpreter keeps procmail's bookkeeping (docs/procmail-semantics.md §2):
 *   lastcond  – set by recipes without A/a;
 *   prevcond  – set unless (E and prevcond already true);
 *   lastsucc  – set only when an action was attempted;
 * and a frame stack for blocks and included rcfiles, which makes the
 * `c`-on-a-block fork a plain deep copy of the state.
 *
 * This file is the entry point; each concept has its own module: state.ts
 * (State, frames), run.ts (the loop), assign.ts, rcfiles.ts (includes,
 * switches), readtime.ts, bookkeeping.ts, conditions.ts with
 * quick-conditions.ts, regex-condition.ts, area.ts and tally.ts,
 * actions.ts with delivery.ts, programs.ts and blocks.ts, terminate.ts,
 * and channel.ts (requests and logging).
 */
import { renvint } from '../compile/renvint.js';
import { assign } from './assign.js';
import type { EngineInput } from './input.js';
import { readmail } from './message.js';
import type { Outcome } from './outcome.js';
import { openRcfile } from './rcfiles.js';
import { runForks } from './forks.js';
import { newSettingsCache } from './settings.js';
import { NOTHING_WRITTEN, type G, type RunResult, type State } from './state.js';
import { isInterrupted } from './interrupt.js';
import { terminate } from './terminate.js';
import { defaultInternals, linebufValue, NUMERIC_SETTINGS, VarStore } from './vars.js';
import type { Internals } from './vars.js';


export function* evaluate(input: EngineInput): G<Outcome> {
  const vars = new VarStore(input.env);
  const st: State = {
    input,
    vars,
    internals: defaultInternals(),
    args: [...input.args],
    frames: [],
    rcfile: 0,
    lastcond: false,
    prevcond: false,
    lastsucc: false,
    lastScore: 0,
    lastExit: 0,
    message: readmail(input.message, input.berkeley === true),
    delivered: false,
    lastWrite: NOTHING_WRITTEN,
    logOpen: false,
    globalLock: null,
    fdefault: input.filterMode ? '' : vars.str('DEFAULT'),
    budget: { steps: 0, includes: 0 },
    clone: false,
    deliveredEarly: false,
    settings: newSettingsCache(),
    deliveryFailed: false,
    ending: false,
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

  if (input.rcfiles.length === 0) return yield* terminate(st, { end: 'eof' });
  openRcfile(st, 0);
  let result: RunResult;
  try {
    result = yield* runForks(st);
  } catch (e) {
    if (!isInterrupted(e)) throw e;
    result = { end: 'interrupted' };
  }
  return yield* terminate(st, result);
}

const NUMERIC_SETTING_ENTRIES = Object.entries(NUMERIC_SETTINGS);
