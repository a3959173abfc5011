/**
 * Stopping on a signal (procmail.c: SIGTERM, SIGINT and SIGHUP log
 * `Terminating prematurely` and end the run). The
 * delivery agent asks `EngineInput.interrupted` whether it was told to
 * stop; the engine looks at every request it makes, so no new action starts
 * and no answer is acted upon once the answer to that question is yes.
 * `Interrupted` unwinds the engine's generators to evaluate(), which hands
 * the run to terminate().
 */
import type { State } from './state.js';

export class Interrupted {
  readonly interrupted = true;
}

export function isInterrupted(e: unknown): e is Interrupted {
  return e instanceof Interrupted;
}

/**
 * Throws Interrupted when the agent was told to stop and the engine has not
 * yet started ending the run. A delivery that succeeded before the signal
 * was seen is let through (`storedWhole`), so the engine records it: its
 * message is whole where it is, and the next request unwinds instead.
 */
export function checkInterrupt(st: State, storedWhole = false): void {
  if (st.ending || storedWhole || !stopRequested(st)) return;
  throw new Interrupted();
}

export function stopRequested(st: State): boolean {
  return st.input.interrupted?.() === true;
}
