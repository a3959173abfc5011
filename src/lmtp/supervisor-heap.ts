import { setFlagsFromString } from 'node:v8';

/**
 * The service's own young generation. bin/mailrules starts node with
 * `--max-semi-space-size` large (src/limits.ts YOUNG_SEMI_SPACE_MB), for the
 * delivery agent: one process per message, which should never collect
 * garbage at all. The service (the supervisor of `mailrules lmtp`) is one
 * process for weeks, and V8 doubles its semi-spaces whenever enough has
 * survived since the last doubling, up to that maximum. A growth factor of 1
 * keeps them at their initial size: V8 reads the factor at each growth
 * (Heap::CheckNewSpaceExpansionCriteria), so setting it at run time works,
 * where `--max-semi-space-size` is read only once, when the heap is made.
 * docs/lmtp-zygote.md has the measurements.
 */
export const SUPERVISOR_YOUNG_GENERATION_FLAG = '--semi-space-growth-factor=1';

export function keepYoungGenerationSmall(): void {
  setFlagsFromString(SUPERVISOR_YOUNG_GENERATION_FLAG);
}
