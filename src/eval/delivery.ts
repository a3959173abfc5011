/**
 * What every delivering action shares (procmail.c tobesent, frmailed,
 * setlsucc; docs/procmail-semantics.md §2): the part of the message fed, the lockfile
 * deadlock check, and the bookkeeping afterwards (LASTFOLDER, lastsucc, the
 * end of the run unless `c`).
 */
import type { CompiledRecipe, Flags } from '../compile/compiled-rc.js';
import { log, logAbstract, originOf } from './channel.js';
import { logtext } from './logtext.js';
import type { DeliverRequest, Feed, Origin } from './requests.js';
import { lockTiming, logSettings, maildirVar, timeoutSec } from './settings.js';
import type { G, RunResult, State, Written } from './state.js';

/** A deliver request with the settings its answer needs (settings.ts). */
export function deliverRequest(st: State, folders: readonly string[], lockfile: string | null, data: Buffer, feed: Feed, fallback: boolean, origin: Origin): DeliverRequest {
  return {
    kind: 'deliver',
    folders,
    lockfile,
    lock: lockTiming(st),
    timeoutSec: timeoutSec(st),
    msgPrefix: st.internals.strings.MSGPREFIX,
    maildir: maildirVar(st),
    data,
    feed,
    fallback,
    origin,
    log: logSettings(st),
  };
}

/** The part of the message a recipe feeds (flags h/b, procmail.c tobesent). */
export function feedOf(f: Flags): Feed {
  const header = f.h || !f.b;
  const body = f.b || !f.h;
  return { header, body, raw: f.r, ignoreWriteErrors: f.i };
}

export function* checkDeadlock(st: State, lock: string | null, origin: Origin): G<string | null> {
  if (lock !== null && st.globalLock !== null && lock === st.globalLock) {
    yield* log(st, logtext.deadlock(lock), 'error', origin);
    return null;
  }
  return lock;
}

/**
 * Bookkeeping after a delivering action (procmail.c frmailed / logsetlsucc /
 * setlsucc). LASTFOLDER and the abstract's size (mailfold.c lastdump) are set
 * by the attempt, not by its success: procmail assigns LASTFOLDER when it
 * opens the folder or starts the program, and dump() records the size before
 * it writes (verified: a failed `nodir/box` or `| …; exit 1` shows in
 * $LASTFOLDER and in the abstract after a HOST mismatch). `lastFolder` null:
 * nothing was opened or started.
 */
export function* afterDelivery(st: State, r: CompiledRecipe, ok: boolean, lastFolder: string | null, written: Written): G<RunResult | null> {
  if (lastFolder !== null) {
    st.vars.set('LASTFOLDER', lastFolder);
    st.lastWrite = written;
  }
  st.lastsucc = ok;
  if (!ok) st.deliveryFailed = true;
  if (ok && !r.flags.c) {
    st.delivered = true;
    return { end: 'mailed' };
  }
  if (ok && r.flags.c && st.internals.logabstract === 2) yield* logAbstract(st, st.vars.str('LASTFOLDER'), st.lastWrite, originOf(r.span, [], 'LOGABSTRACT=all'));
  return null;
}
