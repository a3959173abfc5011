import { DRYRUN_PROGRESS_AFTER_MS } from '../limits.js';

/**
 * A one-line progress counter on stderr for long replays. Only on a TTY
 * (never in a pipe or a log), only once the run has taken a while, and
 * erased before the summary so stdout's report stays clean.
 */
export class Progress {
  private shown = false;
  private lastDraw = 0;
  private readonly start: number;

  constructor(
    private readonly write: (s: string) => void,
    private readonly enabled: boolean,
    private readonly now: () => number,
  ) {
    this.start = now();
  }

  /** Called once per message; cheap unless it is time to draw. */
  tick(done: number): void {
    if (!this.enabled || (done & 255) !== 0) return;
    const t = this.now();
    if (t - this.start < DRYRUN_PROGRESS_AFTER_MS || t - this.lastDraw < 200) return;
    this.lastDraw = t;
    this.shown = true;
    const rate = Math.round((done * 1000) / Math.max(1, t - this.start));
    this.write(`\r\x1b[K  ${done.toLocaleString('en-US')} messages, ${rate.toLocaleString('en-US')}/s`);
  }

  end(): void {
    if (this.shown) this.write('\r\x1b[K');
    this.shown = false;
  }
}
