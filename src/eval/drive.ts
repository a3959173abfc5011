import type { Answer, Answerer } from './requests.js';
import type { G } from './state.js';
import type { Outcome } from './outcome.js';

/**
 * Steps the engine, handing each request to `answerer`. Answers that are
 * plain values keep the loop synchronous (dry-run answers that way, which
 * matters when replaying 100,000 messages); promises are awaited.
 */
export async function drive(engine: G<Outcome>, answerer: Answerer): Promise<Outcome> {
  let step = engine.next();
  while (!step.done) {
    const pending = answerer.answer(step.value);
    const answer = isPromise(pending) ? await pending : pending;
    step = engine.next(answer as Answer);
  }
  return step.value;
}

/** The synchronous variant, for answerers that never return a promise. */
export function driveSync(engine: G<Outcome>, answerer: Answerer): Outcome {
  let step = engine.next();
  while (!step.done) {
    const answer = answerer.answer(step.value);
    if (isPromise(answer)) throw new Error(`answerer returned a promise for a ${step.value.kind} request in a synchronous run`);
    step = engine.next(answer as Answer);
  }
  return step.value;
}

function isPromise(x: unknown): x is Promise<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}
