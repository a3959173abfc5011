import type * as FsModule from 'node:fs';
import type { MessageSpool } from './session.js';

/**
 * DATA is spooled once, to a file only the service can read (root's,
 * mode 0600, in a 0700 directory), and each recipient's worker is sent the
 * message from it in chunks: a 50 MB message to ten users is one file, not
 * ten copies in memory. The file is unlinked as soon as it is created, so
 * it lives exactly as long as its descriptor: whatever kills the service,
 * no spool file is left behind, and nothing but the open descriptor can
 * reach it.
 *
 * The spool is not fsynced: a message only counts as delivered once its
 * mailbox write is durable, and until then the MTA keeps its own copy.
 */
export type SpoolFs = Pick<typeof FsModule, 'openSync' | 'writeSync' | 'readSync' | 'closeSync' | 'unlinkSync' | 'constants'>;

export class SpoolDirectory {
  private serial = 0;

  constructor(
    private readonly dir: string,
    private readonly fs: SpoolFs,
    private readonly pid: number,
  ) {}

  open(): FileSpool {
    const { constants: c } = this.fs;
    const path = `${this.dir}/${this.pid}.${++this.serial}`;
    const fd = this.fs.openSync(path, c.O_RDWR | c.O_CREAT | c.O_EXCL | c.O_NOFOLLOW, 0o600);
    try {
      this.fs.unlinkSync(path);
    } catch (e) {
      this.fs.closeSync(fd);
      throw e;
    }
    return new FileSpool(this.fs, fd);
  }
}

export class FileSpool implements MessageSpool<SpooledMessage> {
  private size = 0;
  private open = true;

  constructor(
    private readonly fs: SpoolFs,
    private readonly fd: number,
  ) {}

  write(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      const n = this.fs.writeSync(this.fd, chunk, off, chunk.length - off, this.size + off);
      if (n <= 0) throw new Error('spool write made no progress');
      off += n;
    }
    this.size += chunk.length;
  }

  finish(): SpooledMessage {
    this.open = false;
    return new SpooledMessage(this.fs, this.fd, this.size);
  }

  discard(): void {
    if (!this.open) return;
    this.open = false;
    this.fs.closeSync(this.fd);
  }
}

/**
 * A spooled message, shared by its recipients' deliveries: each holds it
 * (hold) until its worker has been sent everything (release); the file is
 * closed, and so gone, when the last lets go.
 */
export class SpooledMessage {
  private holders = 1;

  constructor(
    private readonly fs: SpoolFs,
    private readonly fd: number,
    readonly size: number,
  ) {}

  /** Bytes [offset, offset+length) of the message (fewer at its end), read into `into` when given (reused between chunks). */
  read(offset: number, length: number, into?: Buffer): Buffer {
    const len = Math.max(0, Math.min(length, this.size - offset));
    const buf = into !== undefined && into.length >= len ? into.subarray(0, len) : Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const n = this.fs.readSync(this.fd, buf, got, len - got, offset + got);
      if (n <= 0) throw new Error('spool file shorter than its message');
      got += n;
    }
    return buf;
  }

  hold(): void {
    if (this.holders <= 0) throw new Error('spooled message already released');
    this.holders++;
  }

  release(): void {
    if (--this.holders === 0) this.fs.closeSync(this.fd);
  }
}
