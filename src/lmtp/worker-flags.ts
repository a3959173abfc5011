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
 * Then `--interrupt-budget=1000000` (V8's default: 67,584 bytecodes run
 * before a function is considered for optimisation): V8 optimises fewer
 * functions, later; a hot loop (a regex search over a large body) still
 * is optimised early. With the default budget a new worker spends a
 * large part of its first thousand deliveries in optimising compiles, on
 * the delivery's own thread (single-threaded), and each of a user's
 * workers pays for them: bench/lmtp.mjs measured 2,000 deliveries on tmpfs
 * at about 1,250/s with the default budget and 1,450-1,550/s with this
 * one, 6,000 at 1,650/s and 1,800/s; a regex search over a 5 MB body took
 * as long. The price: one worker alone, 2,000 deliveries one at a time
 * (bench/lmtp-worker.mjs), p50 0.60 ms instead of 0.52 (p99 2.8 ms
 * instead of 5.2, USS 12.4 MB instead of 14.3).
 * Then `--no-lazy-feedback-allocation`: a function gets its feedback vector
 * (V8's record of the types it saw) on its first call, not after several.
 * Workers forked from the zygote share its heap copy-on-write, and a page
 * is copied whole the first time a worker writes to it; most of the pages
 * a worker copies from the zygote's old generation differ from the
 * zygote's in a few words only, among them feedback cells, which count
 * down as functions run and get their vector after a few calls. With
 * feedback allocated on the first call, the zygote's warm-up leaves the
 * vectors of every function it ran, and fewer such writes are left to
 * the workers.
 * bench/lmtp.mjs, 50 users with a worker each: peak PSS of the tree
 * 305-314 MB instead of 312-321, 12 s idle 312-322 MB instead of 342-349
 * (docs/lmtp-zygote.md, "Memory of a worker"). The price: a worker that
 * makes thousands of deliveries keeps about 0.5 MB more.
 */
export const LMTP_WORKER_NODE_FLAGS: readonly string[] = ['--single-threaded', '--optimize-for-size', '--interrupt-budget=1000000', '--no-lazy-feedback-allocation'];
