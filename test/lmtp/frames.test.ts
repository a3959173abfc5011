import { Duplex, PassThrough } from 'node:stream';
import { serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { FrameDecoder, FrameTooLarge, frameOf, readFrames, writeFrame } from '../../src/lmtp/frames.js';

const bytes = (values: unknown[]): Buffer => Buffer.concat(values.map((v) => frameOf(v)));

describe('frames', () => {
  it('come out whole wherever the stream is split, one byte at a time included', () => {
    const values = [{ t: 'init', user: { name: 'bob', uid: 1000 } }, { t: 'stop' }, { t: 'more', id: 3, data: new Uint8Array([0, 1, 255]), last: true }];
    const stream = bytes(values);
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = new FrameDecoder(1024);
      expect([...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))]).toEqual(values);
    }
    const d = new FrameDecoder(1024);
    const out: unknown[] = [];
    for (let i = 0; i < stream.length; i++) out.push(...d.push(stream.subarray(i, i + 1)));
    expect(out).toEqual(values);
  });

  it('carry a big Buffer byte for byte, NULs and 8-bit included, in uneven pieces', () => {
    const data = Buffer.alloc(5 * 1024 * 1024 + 7);
    for (let i = 0; i < data.length; i++) data[i] = (i * 131) & 0xff;
    const stream = bytes([{ t: 'deliver', id: 1, data, last: true }, { t: 'stop' }]);
    const d = new FrameDecoder(8 * 1024 * 1024);
    const out: unknown[] = [];
    for (let at = 0, step = 1; at < stream.length; at += step, step = (step * 7 + 3) % 70_001) out.push(...d.push(stream.subarray(at, at + step)));
    expect(out).toHaveLength(2);
    const got = (out[0] as { data: Uint8Array }).data;
    expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(data)).toBe(true);
    expect(out[1]).toEqual({ t: 'stop' });
  });

  it('are the body length, big-endian, then exactly v8.serialize()\'s bytes, in one buffer written at once', async () => {
    const value = { t: 'deliver', id: 7, argv: ['-t', '-d', 'bob'], size: 3, data: new Uint8Array([0, 10, 255]), last: true };
    const body = serialize(value);
    const frame = frameOf(value);
    expect(frame.readUInt32BE(0)).toBe(body.length);
    expect(frame.subarray(4).equals(body)).toBe(true);
    // One write per frame: a header written apart would be a second write(2) and a second wake-up of the reader.
    const writes: Buffer[] = [];
    const socket = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        writes.push(chunk);
        cb();
      },
    });
    await new Promise<void>((resolve, reject) => writeFrame(socket, value, (e) => (e === null ? resolve() : reject(e))));
    expect(writes).toHaveLength(1);
    expect(writes[0]!.equals(frame)).toBe(true);
  });

  it('refuse a frame longer than the limit before reading its body', () => {
    const d = new FrameDecoder(100);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(101, 0);
    expect(() => d.push(header)).toThrow(FrameTooLarge);
  });

  it('over a socket: what one side writes the other reads; garbage closes the stream after saying why', async () => {
    const pipe = new PassThrough();
    const got: unknown[] = [];
    const invalid: string[] = [];
    readFrames(pipe, 1024, { message: (m) => got.push(m), invalid: (why) => invalid.push(why) });
    await new Promise<void>((resolve, reject) => writeFrame(pipe, { t: 'ready', uid: 1, gid: 2 }, (e) => (e === null ? resolve() : reject(e))));
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual([{ t: 'ready', uid: 1, gid: 2 }]);
    pipe.write(Buffer.from([0, 0, 0xff, 0xff]));
    await new Promise((r) => setImmediate(r));
    expect(invalid).toEqual(['frame of 65535 bytes (at most 1024)']);
    expect(pipe.destroyed).toBe(true);
  });
});
