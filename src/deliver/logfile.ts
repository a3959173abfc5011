import { NORMAL_FILE_MODE } from './modes.js';
import type { DeliveryFs, TextSink } from './seams.js';

/** procmail prefixes its own log lines with its name; mailrules keeps that for log-parsing tools. */
export const LOG_PREFIX = 'procmail: ';

/**
 * Where procmail's diagnostics, LOG values and children's stderr go
 * (procmailrc(5) LOGFILE; docs/procmail-semantics.md §5.2): the LOGFILE once one was opened,
 * else our stderr, which goes back to the MTA.
 */
export class DeliveryLog {
  private fd: number | null = null;
  private path: string | null = null;

  constructor(
    private readonly fs: DeliveryFs,
    private readonly stderr: TextSink,
    /** Decorates each of procmail's own lines before it is written (VERBOSE's `[pid] date` stamps). */
    private readonly decorate: (line: string) => string = (line) => line,
  ) {}

  /** The open LOGFILE's descriptor (children's stderr is pointed at it), or null. */
  get logFd(): number | null {
    return this.fd;
  }

  get logPath(): string | null {
    return this.path;
  }

  /** Appends text verbatim (LOG= adds no newline). */
  write(text: string | Uint8Array): void {
    const bytes = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
    if (bytes.length === 0) return;
    if (this.fd !== null) {
      try {
        let off = 0;
        while (off < bytes.length) off += this.fs.writeSync(this.fd, bytes, off, bytes.length - off);
        return;
      } catch {
        // A log that can no longer be written must not lose the diagnostic: fall back to stderr.
      }
    }
    this.stderr.write(bytes);
  }

  /** Text made of procmail's own lines (already prefixed), decorated like error()'s. */
  writeLine(text: string): void {
    if (text !== '') this.write(this.decorate(text));
  }

  /** One of procmail's own lines: `procmail: <text>\n`. */
  error(text: string): string {
    const line = `${LOG_PREFIX}${text}\n`;
    this.write(this.decorate(line));
    return line;
  }

  /**
   * LOGFILE=path: open for appending, mode 0666 under the umask (0600 under
   * the default 077). '' means /dev/null. On failure the old log stays and
   * the error goes to it. `resolved` is the path resolved against MAILDIR.
   */
  open(path: string, resolved: string, umask: number): { ok: true } | { ok: false; error: string } {
    const target = path === '' ? '/dev/null' : resolved;
    let fd: number;
    try {
      fd = this.fs.openSync(target, 'a', NORMAL_FILE_MODE & ~umask);
    } catch {
      return { ok: false, error: this.error(`Error while writing to "${path}"`) };
    }
    this.close();
    this.fd = fd;
    this.path = target;
    return { ok: true };
  }

  close(): void {
    if (this.fd === null) return;
    try {
      this.fs.closeSync(this.fd);
    } catch {
      // Closing a log cannot be retried; nothing else depends on it.
    }
    this.fd = null;
    this.path = null;
  }
}
