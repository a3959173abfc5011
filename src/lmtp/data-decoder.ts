/**
 * The DATA section as it arrives (RFC 5321 §4.5.2, RFC 2033 §4.2) turned
 * into the message as procmail would have it on stdin: CRLF becomes LF, a
 * leading dot is removed from each line (dot-unstuffing), and the line that
 * is a single dot ends the message. Lenient as MTAs are: a bare LF also ends
 * a line (so `.` LF ends the message too), a CR not before LF is kept as
 * data, and 8-bit and NUL bytes pass through untouched. procmail's LMTP
 * reader (src/lmtp.c lmtp_read_crnl) keeps the same rules for CR.
 *
 * Streaming: each chunk is decoded on its own into at most one output
 * buffer, and nothing is kept between chunks but a few bits of state, so a
 * message of any size passes through in constant memory. A line longer
 * than `maxLine` or a message longer than `maxSize` stops the output (the
 * flags say why) while the end is still looked for, so the client always
 * gets its replies.
 */
const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;

const enum State {
  /** At the first byte of a line. */
  LineStart,
  /** Inside a line. */
  Mid,
  /** Inside a line, after a CR that may be the first half of CRLF. */
  Cr,
  /** A line that began with a dot, dot consumed. */
  Dot,
  /** A line that is `.` CR so far. */
  DotCr,
}

export interface DecodedChunk {
  /** How many bytes of the chunk belonged to the message (the rest is the next command, pipelined). */
  readonly consumed: number;
  /** The end-of-data line was seen. */
  readonly done: boolean;
  /**
   * The message bytes this chunk decoded to (empty once a limit was passed).
   * Valid until the next push(): the decoder writes every chunk into the
   * same buffer, so a big message leaves no trail of garbage buffers.
   */
  readonly out: Buffer;
}

export class DataDecoder {
  private state = State.LineStart;
  private lineLength = 0;
  private total = 0;
  private tooLong = false;
  private oversize = false;
  private scratch = Buffer.alloc(0);

  constructor(
    private readonly maxLine: number,
    private readonly maxSize: number,
  ) {}

  /** Message bytes decoded so far, counting those past a limit. */
  get size(): number {
    return this.total;
  }

  /** A line was longer than maxLine. */
  get lineTooLong(): boolean {
    return this.tooLong;
  }

  /** The message was longer than maxSize. */
  get tooBig(): boolean {
    return this.oversize;
  }

  push(chunk: Buffer): DecodedChunk {
    const n = chunk.length;
    // A held CR can add one byte to what the chunk itself holds.
    if (this.scratch.length < n + 1) this.scratch = Buffer.allocUnsafe(Math.max(n + 1, 2 * this.scratch.length));
    const out = this.scratch;
    let o = 0;
    const keep = (from: number, to: number): void => {
      const len = to - from;
      if (len <= 0) return;
      this.count(len);
      if (!this.tooLong && !this.oversize) o += chunk.copy(out, o, from, to);
    };
    const put = (byte: number): void => {
      this.count(1);
      if (!this.tooLong && !this.oversize) out[o++] = byte;
    };
    let i = 0;
    while (i < n) {
      switch (this.state) {
        case State.LineStart:
          this.lineLength = 0;
          if (chunk[i] === DOT) {
            this.state = State.Dot;
            i++;
          } else {
            this.state = State.Mid;
          }
          break;
        case State.Dot:
          if (chunk[i] === LF) return { consumed: i + 1, done: true, out: out.subarray(0, o) };
          if (chunk[i] === CR) {
            this.state = State.DotCr;
            i++;
          } else {
            // A stuffed dot: dropped, the rest of the line is data.
            this.state = State.Mid;
          }
          break;
        case State.DotCr:
          if (chunk[i] === LF) return { consumed: i + 1, done: true, out: out.subarray(0, o) };
          put(CR);
          this.state = State.Mid;
          break;
        case State.Cr:
          if (chunk[i] === LF) {
            put(LF);
            i++;
            this.state = State.LineStart;
          } else {
            put(CR);
            this.state = State.Mid;
          }
          break;
        case State.Mid: {
          const lf = chunk.indexOf(LF, i);
          if (lf < 0) {
            if (chunk[n - 1] === CR) {
              keep(i, n - 1);
              this.state = State.Cr;
            } else {
              keep(i, n);
            }
            i = n;
          } else {
            keep(i, lf > i && chunk[lf - 1] === CR ? lf - 1 : lf);
            put(LF);
            i = lf + 1;
            this.state = State.LineStart;
          }
          break;
        }
      }
    }
    return { consumed: n, done: false, out: out.subarray(0, o) };
  }

  private count(len: number): void {
    this.lineLength += len;
    this.total += len;
    if (this.lineLength > this.maxLine) this.tooLong = true;
    if (this.total > this.maxSize) this.oversize = true;
  }
}
