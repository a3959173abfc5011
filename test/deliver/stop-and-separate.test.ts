import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeliverRequest } from '../../src/eval/requests.js';
import { StopSignal, stoppableClock } from '../../src/deliver/stop-signal.js';
import { FakeClock, faultyFs, fullFeed, makeAnswerer, tempDir } from './helpers.js';
import { deliverReq as request } from '../helpers/requests.js';

const MBOX_MSG = Buffer.from('From sender@example.org  Sat Nov 21 07:35:16 2026\nFrom: sender@example.org\nSubject: hi\n\nbody\n', 'latin1');

function deliverReq(folders: string[], over: Partial<DeliverRequest> = {}): DeliverRequest {
  return request(folders, MBOX_MSG, over);
}

/** The bytes appended for MBOX_MSG (escaping and the trailing empty line included). */
const APPENDED = Buffer.concat([MBOX_MSG, Buffer.from('\n')]).toString('latin1');

describe('an mbox is separated from what it ends with before the next From_ line', () => {
  for (const [what, before, pad] of [
    ['a message cut short (kill -9 half-way)', 'From a  Sat Nov 21 07:35:16 2026\nSubject: x\n\nhalf a li', '\n\n'],
    ['a message without its empty line', 'From a  Sat Nov 21 07:35:16 2026\nSubject: x\n\nline\n', '\n'],
    ['a message written whole', 'From a  Sat Nov 21 07:35:16 2026\nSubject: x\n\nline\n\n', ''],
    ['one empty line', '\n', ''],
    ['nothing (a new mailbox)', '', ''],
  ] as const) {
    it(`after ${what}: ${JSON.stringify(pad)} first; the abstract's size is the message's own`, async () => {
      const dir = tempDir();
      const box = join(dir, 'box');
      fs.writeFileSync(box, before);
      const { answerer } = makeAnswerer(dir);
      const a = await answerer.answer(deliverReq(['box']));
      expect(a).toMatchObject({ ok: true, bytes: APPENDED.length });
      expect(fs.readFileSync(box, 'latin1')).toBe(before + pad + APPENDED);
    });
  }

  it('text without a From_ line (-m without -f) is appended as procmail appends it', async () => {
    const dir = tempDir();
    fs.writeFileSync(join(dir, 'notes'), 'file');
    const { answerer } = makeAnswerer(dir);
    await answerer.answer(deliverReq(['notes'], { data: Buffer.from('Subject: x\n\nbody\n') }));
    expect(fs.readFileSync(join(dir, 'notes'), 'latin1')).toBe('fileSubject: x\n\nbody\n\n');
  });

  it('a mailbox it cannot read (write-only, or the tail unreadable) is appended to as before, unseparated', async () => {
    const before = 'From a  Sat Nov 21 07:35:16 2026\n\nhalf';
    for (const over of [
      {
        openSync: ((p: fs.PathLike, f: fs.OpenMode, m?: fs.Mode) => {
          if (f === 'a+') throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
          return fs.openSync(p, f, m);
        }) as typeof fs.openSync,
      },
      {
        readSync: (() => {
          throw Object.assign(new Error('EIO'), { code: 'EIO' });
        }) as unknown as typeof fs.readSync,
      },
    ]) {
      const dir = tempDir();
      fs.writeFileSync(join(dir, 'box'), before);
      const { answerer } = makeAnswerer(dir, { fs: faultyFs(over) });
      expect((await answerer.answer(deliverReq(['box']))).ok).toBe(true);
      expect(fs.readFileSync(join(dir, 'box'), 'latin1')).toBe(before + APPENDED);
    }
  });

  it('a failed write takes the separator back too', async () => {
    const dir = tempDir();
    const before = 'From a  Sat Nov 21 07:35:16 2026\n\nhalf';
    fs.writeFileSync(join(dir, 'box'), before);
    let calls = 0;
    const { answerer } = makeAnswerer(dir, {
      fs: faultyFs({
        writeSync: (fd, buf, off = 0, len = buf.length - off) => {
          if (++calls > 1) throw Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' });
          return fs.writeSync(fd, buf, off, Math.min(len, 10));
        },
      }),
    });
    expect((await answerer.answer(deliverReq(['box']))).ok).toBe(false);
    expect(fs.readFileSync(join(dir, 'box'), 'latin1')).toBe(before);
  });
});

describe('a stop requested by a signal in the middle of a write', () => {
  /** writeSync that writes 10 bytes at a time and requests the stop after the first chunk: a signal half-way. */
  function signalHalfWay(stop: StopSignal) {
    let chunks = 0;
    return faultyFs({
      writeSync: (fd, buf, off = 0, len = buf.length - off) => {
        const n = fs.writeSync(fd, buf, off, Math.min(len, 10));
        if (++chunks === 1) stop.request('SIGTERM');
        return n;
      },
    });
  }

  it('an mbox is truncated back to its former size, the write fails, even with i', async () => {
    for (const ignoreWriteErrors of [false, true]) {
      const dir = tempDir();
      const before = 'From a  Sat Nov 21 07:35:16 2026\nSubject: x\n\nline\n\n';
      fs.writeFileSync(join(dir, 'box'), before);
      const stop = new StopSignal();
      const { answerer } = makeAnswerer(dir, { fs: signalHalfWay(stop), stop });
      const a = await answerer.answer(deliverReq(['box'], { feed: { ...fullFeed, ignoreWriteErrors } }));
      expect(a.ok).toBe(false);
      expect(fs.readFileSync(join(dir, 'box'), 'latin1')).toBe(before);
    }
  });

  it('a maildir message is removed from tmp/ and never reaches new/', async () => {
    const dir = tempDir();
    const stop = new StopSignal();
    const { answerer } = makeAnswerer(dir, { fs: signalHalfWay(stop), stop });
    expect((await answerer.answer(deliverReq(['md/']))).ok).toBe(false);
    expect(fs.readdirSync(join(dir, 'md', 'tmp'))).toEqual([]);
    expect(fs.readdirSync(join(dir, 'md', 'new'))).toEqual([]);
  });

  it('control: without the stop the same chunked writes store the message whole', async () => {
    const dir = tempDir();
    const { answerer } = makeAnswerer(dir, { fs: signalHalfWay(new StopSignal()) });
    expect((await answerer.answer(deliverReq(['box']))).ok).toBe(true);
    expect(fs.readFileSync(join(dir, 'box'), 'latin1')).toBe(APPENDED);
  });

  it('a lock wait gives up at once and quietly; the guarded write then does not happen', async () => {
    const dir = tempDir();
    fs.writeFileSync(join(dir, 'box.lock'), '0');
    const stop = new StopSignal();
    const clock = new FakeClock(Date.now());
    let sleeps = 0;
    // The third pause for the busy lock is where the signal comes.
    clock.sleep = async (ms: number) => {
      clock.t += ms;
      if (++sleeps === 3) stop.request('SIGTERM');
    };
    const { answerer, stderr } = makeAnswerer(dir, { clock, stop });
    const a = await answerer.answer(deliverReq(['box'], { lockfile: 'box.lock' }));
    expect(a.ok).toBe(false);
    expect(sleeps).toBe(3);
    expect(stderr.text).not.toContain('Lock failure');
    expect(fs.existsSync(join(dir, 'box'))).toBe(false);
  });
});

describe('stoppableClock', () => {
  it('ends a sleep when the stop comes, and sleeps no more after it', async () => {
    const stop = new StopSignal();
    const never: FakeClock = Object.assign(new FakeClock(), { sleep: () => new Promise<void>(() => undefined) });
    const clock = stoppableClock(never, stop);
    const pending = clock.sleep(60_000);
    stop.request('SIGHUP');
    await pending;
    await clock.sleep(60_000);
    expect(stop.signal).toBe('SIGHUP');
  });
});
