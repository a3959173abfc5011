/**
 * process.exit(code) once stdout and stderr have handed everything written
 * to them to the operating system. On a pipe Node writes asynchronously, and
 * process.exit() drops what is still queued: a filter's message written to
 * stdout (`DEFAULT=|`) or a long report came out cut at 64 or 128 KB, with
 * exit 0. An empty write's callback runs once the writes before it are done.
 * A reader that never reads keeps the process waiting, as it keeps a
 * procmail blocked in write(2).
 */
export function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const flushed = (): void => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', flushed);
  process.stderr.write('', flushed);
}
