import { DefaultSerializer, deserialize } from 'node:v8';
import type { Duplex } from 'node:stream';

/**
 * The channel between the service and a worker started by the zygote (a
 * socketpair end each: src/lmtp/zygote.ts): the same values Node's own IPC
 * carries with `serialization: 'advanced'` (v8.serialize, so Buffers and
 * Uint8Arrays travel as bytes), each preceded by its length as four bytes,
 * big-endian. Node's IPC framing is not public, hence our own.
 */
const HEADER_BYTES = 4;
const HEADER_ROOM = Buffer.alloc(HEADER_BYTES);

export class FrameTooLarge extends Error {}

/**
 * One frame in one buffer: room for the header, then the body exactly as
 * v8.serialize() makes it (the same serializer, writing after the room),
 * then the length filled in. One buffer is one write(2) on the socket and
 * one wake-up of the reader, where a header and a body written apart are
 * two of each, the body not copied once more.
 */
export function frameOf(value: unknown): Buffer {
  const s = new DefaultSerializer();
  s.writeRawBytes(HEADER_ROOM);
  s.writeHeader();
  s.writeValue(value);
  const frame = s.releaseBuffer();
  frame.writeUInt32BE(frame.length - HEADER_BYTES, 0);
  return frame;
}

/**
 * Reassembles frames from a byte stream split anywhere. Chunks are kept as
 * they come and joined once per frame, so a frame read in many pieces costs
 * one copy, not one per piece.
 */
export class FrameDecoder {
  private readonly chunks: Buffer[] = [];
  private have = 0;
  /** The body length of the frame being read, or -1 while its header is. */
  private need = -1;

  constructor(private readonly maxBytes: number) {}

  /** The values completed by this chunk; throws FrameTooLarge (the channel is then useless) or v8's error for a bad body. */
  push(chunk: Buffer): unknown[] {
    this.chunks.push(chunk);
    this.have += chunk.length;
    const out: unknown[] = [];
    for (;;) {
      if (this.need < 0) {
        if (this.have < HEADER_BYTES) break;
        const n = this.take(HEADER_BYTES).readUInt32BE(0);
        if (n > this.maxBytes) throw new FrameTooLarge(`frame of ${n} bytes (at most ${this.maxBytes})`);
        this.need = n;
      }
      if (this.have < this.need) break;
      const body = this.take(this.need);
      this.need = -1;
      out.push(deserialize(body));
    }
    return out;
  }

  private take(n: number): Buffer {
    const first = this.chunks[0]!;
    this.have -= n;
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const parts: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const c = this.chunks[0]!;
      if (c.length <= left) {
        parts.push(c);
        this.chunks.shift();
        left -= c.length;
      } else {
        parts.push(c.subarray(0, left));
        this.chunks[0] = c.subarray(left);
        left = 0;
      }
    }
    return Buffer.concat(parts, n);
  }
}

/** Writes one value; `done` is called once the socket has taken it (or with the error that stopped it). */
export function writeFrame(socket: Duplex, value: unknown, done: (e: Error | null) => void): void {
  socket.write(frameOf(value), (e) => done(e ?? null));
}

/**
 * Reads values from `socket` until it closes. A stream that is not frames
 * (too long a frame, a body v8 cannot read) is destroyed after `invalid` is
 * told why: what follows could not be trusted either.
 */
export function readFrames(socket: Duplex, maxBytes: number, on: { message(value: unknown): void; invalid(why: string): void }): void {
  const decoder = new FrameDecoder(maxBytes);
  socket.on('data', (chunk: Buffer) => {
    let values: unknown[];
    try {
      values = decoder.push(chunk);
    } catch (e) {
      on.invalid(e instanceof Error ? e.message : String(e));
      socket.destroy();
      return;
    }
    for (const v of values) on.message(v);
  });
}
