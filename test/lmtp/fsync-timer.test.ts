import { describe, expect, it } from 'vitest';
import { timeFsync } from '../../src/lmtp/fsync-timer.js';

describe('timeFsync', () => {
  it('adds up the time spent in fsync, failed ones too, until taken; other calls go straight through', () => {
    let t = 0;
    const calls: string[] = [];
    const fs = {
      fsyncSync: (fd: number) => {
        calls.push(`fsync ${fd}`);
        t += 2;
        if (fd === 9) throw new Error('EIO');
      },
      closeSync: (fd: number) => calls.push(`close ${fd}`),
    };
    const timer = timeFsync(fs, () => t);
    timer.fs.fsyncSync(3);
    timer.fs.closeSync(3);
    expect(() => timer.fs.fsyncSync(9)).toThrow('EIO');
    t += 5;
    expect(timer.take()).toBe(4);
    expect(timer.take()).toBe(0);
    expect(calls).toEqual(['fsync 3', 'close 3', 'fsync 9']);
  });
});
