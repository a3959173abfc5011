import type { Answer, Answerer, AnswerFor, Request } from '../eval/requests.js';
import type { Outcome } from '../eval/outcome.js';

/**
 * Looks on while a delivery runs, changing nothing: every request with the
 * answer it got, then how processing ended. A caller that runs many
 * deliveries in one process (the LMTP service) reports from it which
 * recipe stored the message and what an @reject said.
 */
export interface DeliveryWatch {
  answered(request: Request, answer: Answer): void;
  finished(outcome: Outcome): void;
}

/** `inner`, with each answer shown to `watch` before the engine gets it. */
export function watchedAnswerer(inner: Answerer, watch: DeliveryWatch): Answerer {
  return {
    answer<R extends Request>(request: R): Promise<AnswerFor[R['kind']]> | AnswerFor[R['kind']] {
      const a = inner.answer(request);
      if (typeof (a as { then?: unknown }).then === 'function') {
        return (a as Promise<AnswerFor[R['kind']]>).then((v) => {
          watch.answered(request, v);
          return v;
        });
      }
      watch.answered(request, a as AnswerFor[R['kind']]);
      return a;
    },
  };
}
