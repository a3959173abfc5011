/**
 * Entering a block (procmail.c: `{` pushes prevcond/lastcond on the ifstack;
 * docs/procmail-semantics.md §2). Blocks nest without limit, as in procmail: each is a
 * frame on the state's own stack, never a call. `c` on a block forks
 * (forks.ts).
 */
import type { CompiledRecipe, Step } from '../compile/compiled-rc.js';
import { fork } from './forks.js';
import type { Origin } from './requests.js';
import type { Frame, G, RunResult, State } from './state.js';

export function* block(st: State, r: CompiledRecipe, items: readonly Step[], depth: number, origin: Origin): G<RunResult | null> {
  const file = st.frames[st.frames.length - 1]!.file;
  const frame: Frame = {
    kind: 'block',
    steps: items,
    i: 0,
    file,
    saved: { prevcond: st.prevcond, lastcond: st.lastcond },
    depth: depth + 1,
  };
  if (r.flags.c) return yield* fork(st, r, frame, origin);
  st.frames.push(frame);
  st.lastsucc = true;
  return null;
}
