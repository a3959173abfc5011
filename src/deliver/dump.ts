import type { FolderContext } from './folder-context.js';
import { errnoOf } from './seams.js';

export type DumpResult =
  | { readonly ok: true; readonly bytes: number }
  | {
      readonly ok: false;
      readonly code: string;
      readonly bytes: number;
      /** A stop was requested (SIGTERM, SIGINT, SIGHUP) before the message was whole: never to be ignored (`i`). */
      readonly interrupted?: boolean;
      /** An mbox truncated back to its former size (`Truncated file to former size`). */
      readonly truncated?: boolean;
    };

/** The errno a write stopped by a signal reports. */
const INTERRUPTED = 'EINTR';

/**
 * Writes `data` to an open folder file like procmail's dump()
 * (mailfold.c): kernel-lock from the current end (mbox, MH, directory
 * files; not maildir), write everything, fsync, unlock. The caller decides
 * what to do with a failure (unlink), except for an mbox (`mbox`): its
 * failed write is truncated back to the former size here, before the
 * unlock, so no other writer can have appended in between. A stop
 * requested by a signal (ctx.stopped) fails the write the same way, between
 * writes: whatever was written of the message goes.
 */
export async function dump(ctx: FolderContext, fd: number, data: Buffer, kernelLock: boolean, mbox = false): Promise<DumpResult> {
  const { fs } = ctx;
  let start = 0;
  let regular = false;
  let locked = false;
  try {
    const st = fs.fstatSync(fd);
    start = st.size;
    regular = st.isFile();
  } catch {
    start = 0;
  }
  ctx.tell(start);
  if (kernelLock) {
    if (ctx.verbose()) ctx.log.error('Acquiring kernel-lock');
    locked = await ctx.kernel.lock(fd, start);
    if (!locked) ctx.log.error('Kernel-lock failed');
  }
  // Under the lock: what the file ends with is final now.
  const pad = mbox && regular && startsWithFromLine(data) ? separator(ctx, fd, start) : EMPTY;
  if (pad.length > 0) ctx.tell(start + pad.length);
  const out = pad.length > 0 ? Buffer.concat([pad, data]) : data;
  // procmail reports by errno after dump() (mailfold.c:writefolder), and
  // dump() goes on to fsync, unlock and close after a failed write: so the
  // message names the LAST failing call's errno. On /dev/full the write's
  // ENOSPC is replaced by fsync's EINVAL, giving "Error while writing to".
  let written = 0;
  let failed = false;
  let interrupted = false;
  let errno = '';
  try {
    while (written < out.length) {
      if (ctx.stopped()) {
        interrupted = true;
        throw Object.assign(new Error('stopped'), { code: INTERRUPTED });
      }
      const n = fs.writeSync(fd, out, written, out.length - written);
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
    if (!interrupted) errno = c;
    if (c !== 'EINVAL') failed = true;
  }
  let truncated = false;
  if (failed && mbox && regular) {
    // A full disk (or a signal) never leaves half a message to corrupt the next one (mailfold.c: ftruncate to lasttell).
    try {
      fs.ftruncateSync(fd, start);
      truncated = true;
    } catch {
      // Nothing more can be done; the caller logs the write error.
    }
  }
  // The unlock keeps errno (mailfold.c: serrno).
  if (locked && !(await ctx.kernel.unlock(fd, start))) ctx.log.error('Kernel-unlock failed');
  try {
    fs.closeSync(fd);
  } catch (e) {
    failed = true;
    if (!interrupted) errno = errnoOf(e) || 'EIO';
  }
  const bytes = Math.max(0, written - pad.length);
  if (!failed) return { ok: true, bytes };
  return { ok: false, code: errno || 'EIO', bytes, ...(interrupted ? { interrupted } : {}), ...(truncated ? { truncated } : {}) };
}

const EMPTY = Buffer.alloc(0);
const LF = 0x0a;

const FROM_ = Buffer.from('From ');

function startsWithFromLine(data: Buffer): boolean {
  return data.length >= FROM_.length && data.compare(FROM_, 0, FROM_.length, 0, FROM_.length) === 0;
}

/**
 * What an mbox needs before the next From_ line: a message cut short (kill
 * -9 in the middle of a write, by us or any other writer) would otherwise
 * have the From_ line glued to its last line, and the next message could
 * not be read. So the file is made to end with a line end and an empty line.
 * procmail does not do this; for mail it wrote whole it changes nothing, and
 * text without a From_ line (`-m` without `-f`, which makes no mbox) is
 * appended as procmail appends it.
 */
function separator(ctx: FolderContext, fd: number, size: number): Buffer {
  if (size === 0) return EMPTY;
  const tail = Buffer.alloc(Math.min(2, size));
  try {
    if (ctx.fs.readSync(fd, tail, 0, tail.length, size - tail.length) !== tail.length) return EMPTY;
  } catch {
    return EMPTY;
  }
  const last = tail[tail.length - 1];
  if (last !== LF) return Buffer.from('\n\n');
  // A file that is one empty line, or ends with one, is separated already.
  if (tail.length === 1 || tail[0] === LF) return EMPTY;
  return Buffer.from('\n');
}

/** procmail's message for a failed folder write (mailfold.c:writefolder). */
export function writeErrorText(code: string, name: string): string {
  if (code === 'ENOSPC') return `No space left to finish writing "${name}"`;
  if (code === 'EDQUOT') return `Quota exceeded while writing "${name}"`;
  return `Error while writing to "${name}"`;
}
