import * as net from 'node:net';

/**
 * A small LMTP client for tests: sends what it is told (pipelined or step by
 * step) and collects the reply lines, so a test can wait for the Nth reply.
 */
export class LmtpClient {
  readonly lines: string[] = [];
  closed = false;
  private buf = '';
  private waiters: (() => void)[] = [];

  constructor(readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.buf += d;
      let i: number;
      while ((i = this.buf.indexOf('\r\n')) >= 0) {
        this.lines.push(this.buf.slice(0, i));
        this.buf = this.buf.slice(i + 2);
      }
      this.wake();
    });
    const gone = () => {
      this.closed = true;
      this.wake();
    };
    socket.on('close', gone);
    socket.on('error', gone);
  }

  static connect(target: string | { host: string; port: number }): Promise<LmtpClient> {
    return new Promise((resolve, reject) => {
      const s = typeof target === 'string' ? net.connect(target) : net.connect(target);
      s.once('connect', () => resolve(new LmtpClient(s)));
      s.once('error', reject);
    });
  }

  /** Final reply lines (no `250-` continuations). */
  get replies(): string[] {
    return this.lines.filter((l) => !/^\d{3}-/.test(l));
  }

  send(text: string): void {
    this.socket.write(text.replace(/\n/g, '\r\n'), 'latin1');
  }

  /** Waits until `n` final replies have arrived (or the connection closed); returns them. */
  async until(n: number): Promise<string[]> {
    while (this.replies.length < n && !this.closed) await new Promise<void>((r) => this.waiters.push(r));
    return this.replies;
  }

  async closedNow(): Promise<void> {
    while (!this.closed) await new Promise<void>((r) => this.waiters.push(r));
  }

  end(): void {
    this.socket.end();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
