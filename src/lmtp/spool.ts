import type * as FsModule from 'node:fs';
import type { MessageSpool } from './session.js';

/**
 * Where DATA waits for its deliveries. A message up to `memoryBytes` stays
 * in memory (one connection holds one message at a time, so that is a
 * bounded amount); a bigger one is spooled, once, to a file only the
 * service can read (root's, mode 0600, in a 0700 directory), and each
 * recipient's worker is sent it from there in chunks: a 50 MB message to
 * ten users is one file, not ten copies in memory. Dovecot's LMTP server
 * keeps the same split (in memory up to 128 KB, a temporary file beyond).
 * Measured here, the file costs the small message an open, unlink, write,
 * read and close, the open alone a quarter of a millisecond under load.
 *
 * The file is unlinked as soon as it is created, so it lives exactly as
 * long as its descriptor: whatever kills the service, no spool file is left
 * behind, and nothing but the open descriptor can reach it. It is not
 * fsynced: a message only counts as delivered once its mailbox write is
 * durable, and until then the MTA keeps its own copy.
 */
export type SpoolFs = Pick<typeof FsModule, 'openSync' | 'writeSync' | 'readSync' | 'closeSync' | 'unlinkSync' | 'constants'>;

export class SpoolDirectory {
  private serial = 0;

  constructor(
    private readonly dir: string,
    private readonly fs: SpoolFs,
    private readonly pid: number,
    private readonly memoryBytes: number,
  ) {}

  open(): Spool {
    return new Spool(this.memoryBytes, () => this.createFile(), this.fs);
  }

  /** A new, already unlinked, spool file: its descriptor. */
  private createFile(): number {
    const { constants: c } = this.fs;
    const path = `${this.dir}/${this.pid}.${++this.serial}`;
    const fd = this.fs.openSync(path, c.O_RDWR | c.O_CREAT | c.O_EXCL | c.O_NOFOLLOW, 0o600);
    try {
      this.fs.unlinkSync(path);
    } catch (e) {
      this.fs.closeSync(fd);
      throw e;
    }
    return fd;
  }
}

export class Spool implements MessageSpool<SpooledMessage> {
  private chunks: Buffer[] = [];
  private size = 0;
  private fd: number | null = null;
  private open = true;

  constructor(
    private readonly memoryBytes: number,
    private readonly createFile: () => number,
    private readonly fs: SpoolFs | null = null,
  ) {}

  write(chunk: Buffer): void {
    if (this.fd === null && this.size + chunk.length <= this.memoryBytes) {
      // The caller reuses its buffer: keep a copy.
      this.chunks.push(Buffer.from(chunk));
      this.size += chunk.length;
      return;
    }
    if (this.fd === null) {
      this.fd = this.createFile();
      const held = this.chunks;
      this.chunks = [];
      let at = 0;
      for (const c of held) at += this.writeAt(c, at);
    }
    this.size += this.writeAt(chunk, this.size);
  }

  finish(): SpooledMessage {
    this.open = false;
    if (this.fd === null) return new SpooledMessage({ memory: Buffer.concat(this.chunks, this.size) });
    return new SpooledMessage({ fd: this.fd, size: this.size, fs: this.files() });
  }

  discard(): void {
    if (!this.open) return;
    this.open = false;
    this.chunks = [];
    if (this.fd !== null) this.files().closeSync(this.fd);
  }

  private writeAt(chunk: Buffer, position: number): number {
    const fs = this.files();
    let off = 0;
    while (off < chunk.length) {
      const n = fs.writeSync(this.fd!, chunk, off, chunk.length - off, position + off);
      if (n <= 0) throw new Error('spool write made no progress');
      off += n;
    }
    return chunk.length;
  }

  private files(): SpoolFs {
    if (this.fs === null) throw new Error('no file system for the spool');
    return this.fs;
  }
}

type Held = { readonly memory: Buffer } | { readonly fd: number; readonly size: number; readonly fs: SpoolFs };

/**
 * A spooled message, shared by its recipients' deliveries: each holds it
 * (hold) until its worker has been sent everything (release); a spool file
 * is closed, and so gone, when the last lets go.
 */
export class SpooledMessage {
  private holders = 1;
  readonly size: number;

  constructor(private readonly held: Held) {
    this.size = 'memory' in held ? held.memory.length : held.size;
  }

  /** Kept in memory, not in a file: read() then returns views of it, no copies. */
  get inMemory(): boolean {
    return 'memory' in this.held;
  }

  /**
   * Bytes [offset, offset+length) of the message (fewer at its end): from
   * memory as they are, from the file into `into` when given (reused
   * between chunks).
   */
  read(offset: number, length: number, into?: Buffer): Buffer {
    const len = Math.max(0, Math.min(length, this.size - offset));
    const h = this.held;
    if ('memory' in h) return h.memory.subarray(offset, offset + len);
    const buf = into !== undefined && into.length >= len ? into.subarray(0, len) : Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const n = h.fs.readSync(h.fd, buf, got, len - got, offset + got);
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
    if (--this.holders === 0 && 'fd' in this.held) this.held.fs.closeSync(this.held.fd);
  }
}
