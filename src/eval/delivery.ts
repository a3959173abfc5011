/**
 * What every delivering action shares (procmail.c tobesent, frmailed,
 * setlsucc; procmail.md §2): the part of the message fed, the lockfile
 * deadlock check, and the bookkeeping afterwards (LASTFOLDER, lastsucc, the
 * end of the run unless `c`).
 */
import type { CompiledRecipe, Flags } from '../compile/program.js';
import { log, logAbstract, originOf } from './channel.js';
import { logtext } from './logtext.js';
import type { Feed, Origin } from './requests.js';
import type { G, RunResult, State } from './state.js';

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

/** Bookkeeping after a delivering action (procmail.c frmailed / logsetlsucc / setlsucc). */
export function* afterDelivery(st: State, r: CompiledRecipe, ok: boolean, lastFolder: string | null, bytes: number): G<RunResult | null> {
  if (ok && lastFolder !== null) {
    st.vars.set('LASTFOLDER', lastFolder);
    st.lastBytes = bytes;
  }
  st.lastsucc = ok;
  if (!ok) st.deliveryFailed = true;
  if (ok && !r.flags.c) {
    st.delivered = true;
    return { end: 'mailed' };
  }
  if (ok && r.flags.c && st.internals.logabstract === 2) yield* logAbstract(st, st.vars.str('LASTFOLDER'), st.lastBytes, originOf(r.span, [], 'LOGABSTRACT=all'));
  return null;
}
