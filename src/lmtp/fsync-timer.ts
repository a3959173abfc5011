/**
 * Times a delivery's fsync(2) calls, so the service can report how much
 * of a delivery's latency was waiting for the disk (the log line's
 * `fsync_ms`) apart from its own work: the rest is what the service and
 * its worker can change. Wraps the one fsyncSync every mailbox write goes
 * through (src/deliver/seams.ts DeliveryFs).
 */
export interface FsyncTimer<F> {
  /** `fs` with its fsyncSync timed. */
  readonly fs: F;
  /** Milliseconds spent in fsync since the last take(), and starts again from 0. */
  take(): number;
}

export function timeFsync<F extends { fsyncSync(fd: number): void }>(fs: F, now: () => number): FsyncTimer<F> {
  let spent = 0;
  // A copy made once, not a proxy: every other call goes straight to `fs`.
  const timed: F = {
    ...fs,
    fsyncSync: (fd: number): void => {
      const t0 = now();
      try {
        fs.fsyncSync(fd);
      } finally {
        spent += now() - t0;
      }
    },
  };
  return {
    fs: timed,
    take() {
      const ms = spent;
      spent = 0;
      return ms;
    },
  };
}
