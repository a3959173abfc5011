/**
 * Node's flags for a user's worker process, beside the regex flags and the
 * young generation's size (fork-worker.ts). A worker runs one delivery at a
 * time and holds a small heap, and there may be dozens of them, so each
 * trades a little peak speed for memory (bench/lmtp.mjs measures both):
 * - `--single-threaded`: no V8 platform threads (garbage collection and
 *   optimisation run on the main thread, between deliveries): fewer thread
 *   stacks and malloc arenas, and an idle worker's heap is trimmed;
 * - `--optimize-for-size`: V8 grows the heap more slowly and keeps smaller
 *   optimised code.
 * Together, one worker after 2,000 deliveries holds about 14 MB of its own
 * (USS) instead of 20; the median delivery takes as long, the slowest
 * percent longer (bench/lmtp-worker.mjs measures both side by side).
 */
export const LMTP_WORKER_NODE_FLAGS: readonly string[] = ['--single-threaded', '--optimize-for-size'];
