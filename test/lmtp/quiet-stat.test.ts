import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quietStat } from '../../src/lmtp/quiet-stat.js';

describe('quietStat', () => {
  it('answers as fs does: stats of what exists, an ENOENT of the same shape for what does not, other errors as they were', () => {
    const dir = fs.mkdtempSync(join(os.tmpdir(), 'quiet-stat-'));
    try {
      fs.writeFileSync(join(dir, 'f'), 'x');
      fs.symlinkSync('f', join(dir, 'l'));
      const q = quietStat(fs);
      expect(q.statSync(join(dir, 'l')).size).toBe(1);
      expect(q.lstatSync(join(dir, 'l')).isSymbolicLink()).toBe(true);
      for (const call of ['statSync', 'lstatSync'] as const) {
        const missing = join(dir, 'none');
        let real: NodeJS.ErrnoException | null = null;
        let quiet: NodeJS.ErrnoException | null = null;
        try {
          fs[call](missing);
        } catch (e) {
          real = e as NodeJS.ErrnoException;
        }
        try {
          q[call](missing);
        } catch (e) {
          quiet = e as NodeJS.ErrnoException;
        }
        expect(quiet).toBeInstanceOf(Error);
        expect({ message: quiet!.message, errno: quiet!.errno, code: quiet!.code, syscall: quiet!.syscall, path: quiet!.path }).toEqual({
          message: real!.message,
          errno: real!.errno,
          code: real!.code,
          syscall: real!.syscall,
          path: real!.path,
        });
      }
      // Not ENOENT: thrown by fs itself.
      expect(() => q.statSync(join(dir, 'f', 'below'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
      expect(q.statSync(join(dir, 'none'), { throwIfNoEntry: false })).toBe(undefined);
      expect(typeof q.statSync(join(dir, 'f'), { bigint: true })?.size).toBe('bigint');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
