import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SpoolDirectory, type SpoolFs } from '../../src/lmtp/spool.js';
import { tempDir } from '../deliver/helpers.js';

/** The real fs, counting what is open and refusing writes when told to. */
function countingFs(): SpoolFs & { open: Set<number>; full: boolean } {
  const open = new Set<number>();
  const c = {
    ...fs,
    open,
    full: false,
    openSync: ((p: string, f: number, m: number) => {
      const fd = fs.openSync(p, f, m);
      open.add(fd);
      return fd;
    }) as typeof fs.openSync,
    closeSync: (fd: number) => {
      open.delete(fd);
      fs.closeSync(fd);
    },
    writeSync: ((fd: number, b: Buffer, o: number, l: number, p: number) => {
      if (c.full) throw Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' });
      return fs.writeSync(fd, b, o, l, p);
    }) as typeof fs.writeSync,
  };
  return c;
}

describe('spool', () => {
  it('keeps a small message in memory, copying what it is given (the decoder reuses its buffer)', () => {
    const dir = tempDir();
    const f = countingFs();
    const s = new SpoolDirectory(dir, f, 1, 100).open();
    const b = Buffer.from('hello ');
    s.write(b);
    b.write('XXXXXX');
    s.write(Buffer.from('world'));
    const m = s.finish();
    expect(m.inMemory).toBe(true);
    expect(m.read(0, 100).toString()).toBe('hello world');
    expect(f.open.size).toBe(0);
  });

  it('spills a big message to an unlinked 0600 file, read back in chunks, closed when the last holder lets go', () => {
    const dir = tempDir();
    const f = countingFs();
    const s = new SpoolDirectory(dir, f, 1, 10).open();
    s.write(Buffer.from('0123456789'));
    s.write(Buffer.from('abcdefghij'));
    expect(f.open.size).toBe(1);
    const [fd] = f.open;
    expect(fs.fstatSync(fd!).mode & 0o777).toBe(0o600);
    expect(fs.fstatSync(fd!).nlink).toBe(0);
    expect(fs.readdirSync(dir)).toEqual([]);
    const m = s.finish();
    expect(m.inMemory).toBe(false);
    const into = Buffer.alloc(8);
    expect([m.read(0, 8, into).toString(), m.read(8, 8, into).toString(), m.read(16, 8, into).toString()]).toEqual(['01234567', '89abcdef', 'ghij']);
    m.hold();
    m.release();
    expect(f.open.size).toBe(1);
    m.release();
    expect(f.open.size).toBe(0);
    expect(() => m.hold()).toThrow();
  });

  it('a write that fails throws (the session answers 452), and discard closes the file', () => {
    const f = countingFs();
    const s = new SpoolDirectory(tempDir(), f, 1, 0).open();
    s.write(Buffer.from('x'));
    f.full = true;
    expect(() => s.write(Buffer.from('y'))).toThrow('ENOSPC');
    s.discard();
    expect(f.open.size).toBe(0);
  });
});
