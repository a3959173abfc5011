import type { FolderContext } from './folder-context.js';
import { errnoOf } from './seams.js';

export type DumpResult = { readonly ok: true; readonly bytes: number } | { readonly ok: false; readonly code: string; readonly bytes: number };

/**
 * Writes `data` to an open folder file like procmail's dump()
 * (mailfold.c): kernel-lock from the current end (mbox, MH, directory
 * files; not maildir), write everything, fsync, unlock. The caller decides
 * what to do with a failure (truncate back, unlink).
 */
export async function dump(ctx: FolderContext, fd: number, data: Buffer, kernelLock: boolean): Promise<DumpResult> {
  const { fs } = ctx;
  let start = 0;
  let locked = false;
  try {
    start = fs.fstatSync(fd).size;
  } catch {
    start = 0;
  }
  ctx.tell(start);
  if (kernelLock) {
    if (ctx.verbose()) ctx.log.error('Acquiring kernel-lock');
    locked = await ctx.kernel.lock(fd, start);
    if (!locked) ctx.log.error('Kernel-lock failed');
  }
  // procmail reports by errno after dump() (mailfold.c:writefolder), and
  // dump() goes on to fsync, unlock and close after a failed write: so the
  // message names the LAST failing call's errno. On /dev/full the write's
  // ENOSPC is replaced by fsync's EINVAL, giving "Error while writing to".
  let written = 0;
  let failed = false;
  let errno = '';
  try {
    while (written < data.length) {
      const n = fs.writeSync(fd, data, written, data.length - written);
      if (n <= 0) throw Object.assign(new Error('short write'), { code: 'EIO' });
      written += n;
    }
  } catch (e) {
    failed = true;
    errno = errnoOf(e) || 'EIO';
  }
  try {
    fs.fsyncSync(fd);
  } catch (e) {
    // EINVAL: not a file that can be synced, not a failure in itself (procmail ignores it too).
    const c = errnoOf(e) || 'EIO';
    errno = c;
    if (c !== 'EINVAL') failed = true;
  }
  // The unlock keeps errno (mailfold.c: serrno).
  if (locked && !(await ctx.kernel.unlock(fd, start))) ctx.log.error('Kernel-unlock failed');
  try {
    fs.closeSync(fd);
  } catch (e) {
    failed = true;
    errno = errnoOf(e) || 'EIO';
  }
  const code = failed ? errno || 'EIO' : '';
  return code === '' ? { ok: true, bytes: written } : { ok: false, code, bytes: written };
}

/** procmail's message for a failed folder write (mailfold.c:writefolder). */
export function writeErrorText(code: string, name: string): string {
  if (code === 'ENOSPC') return `No space left to finish writing "${name}"`;
  if (code === 'EDQUOT') return `Quota exceeded while writing "${name}"`;
  return `Error while writing to "${name}"`;
}
