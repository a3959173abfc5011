import { performance } from 'node:perf_hooks';

/**
 * Costs compared side by side, never against the clock. These machines are
 * busy: load slows every run, so a limit in milliseconds fails at random,
 * while load cannot make one piece of work look cheaper than another
 * measured in the same rounds. Each round runs every function once, in
 * turn; a function's cost is its best round, the least disturbed one.
 */
export function bestTimes<K extends string>(fns: Record<K, () => unknown>, rounds = 5): Record<K, number> {
  const best = {} as Record<K, number>;
  const names = Object.keys(fns) as K[];
  for (const k of names) best[k] = Infinity;
  for (let r = 0; r < rounds; r++) {
    for (const k of names) {
      const t0 = performance.now();
      fns[k]();
      best[k] = Math.min(best[k], performance.now() - t0);
    }
  }
  return best;
}

/** How many times the cost of `reference` `subject` costs, each at its best of `rounds` interleaved rounds. */
export function costRatio(subject: () => unknown, reference: () => unknown, rounds = 5): number {
  const t = bestTimes({ subject, reference }, rounds);
  // A timer tick (a microsecond at worst) keeps a reference too small to time from dividing by zero.
  return t.subject / Math.max(t.reference, 0.001);
}
