import type { Clock } from './seams.js';

/**
 * A request to stop delivering (SIGTERM from an MTA's time limit, SIGINT,
 * SIGHUP), as a seam: the delivery process's wiring turns the signals into
 * request() (src/cli/delivery-agent-entry.ts), tests call it directly. What stops:
 * the engine makes no new request (src/eval/interrupt.ts), a write in
 * progress is taken back (dump.ts), running programs are ended with their
 * process group (program.ts), and lock waits give up without logging a
 * failure.
 */
export class StopSignal {
  private why: string | null = null;
  private readonly listeners = new Set<() => void>();

  /** The signal that asked, or null while none has. */
  get signal(): string | null {
    return this.why;
  }

  get requested(): boolean {
    return this.why !== null;
  }

  /** The first request counts; listeners run once, at once. */
  request(signal: string): void {
    if (this.why !== null) return;
    this.why = signal;
    for (const fn of [...this.listeners]) fn();
    this.listeners.clear();
  }

  /** Runs `fn` when a stop is requested (at once if one was); returns a function that forgets it. */
  onStop(fn: () => void): () => void {
    if (this.why !== null) {
      fn();
      return () => undefined;
    }
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }
}

/** `clock` whose sleeps end early when a stop is requested, so no lock wait outlasts it. */
export function stoppableClock(clock: Clock, stop: StopSignal): Clock {
  return {
    now: () => clock.now(),
    sleep: (ms, cancel) =>
      stop.requested
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const inner = new AbortController();
            const end = (): void => {
              forget();
              cancel?.removeEventListener('abort', end);
              inner.abort();
              resolve();
            };
            const forget = stop.onStop(end);
            cancel?.addEventListener('abort', end, { once: true });
            if (cancel?.aborted === true) end();
            void clock.sleep(ms, inner.signal).then(end);
          }),
  };
}
