/**
 * How a run ends (procmail.c nomore_rc, mailfold.c, variables.c
 * setexitcode, pipes.c exectrap; docs/procmail-semantics.md §1.7, §5.2, §6.4): the
 * DEFAULT / ORGMAIL fall-back, the log abstract, EXITCODE and TRAP, and
 * the exit code the MTA sees (DELIVERED included).
 */
import { renvint } from '../compile/renvint.js';
import { EX_CANTCREAT, EX_NOUSER, EX_OK, EX_TEMPFAIL } from '../sysexits.js';
import { ask, log, logAbstract, originOf } from './channel.js';
import { stopRequested } from './interrupt.js';
import { line } from './logtext.js';
import { buildCommand } from './command.js';
import { expandEnv, syntheticOrigin } from './context.js';
import type { Outcome } from './outcome.js';
import { comsatTarget } from './comsat-target.js';
import { deliverRequest } from './delivery.js';
import { withTrailingNewline } from './program-input.js';
import type { Feed } from './requests.js';
import { logSettings, programCall } from './settings.js';
import { NOTHING_WRITTEN, type G, type RunResult, type State, type Written } from './state.js';

export function* terminate(st: State, result: RunResult): G<Outcome> {
  st.ending = true;
  if (result.end === 'interrupted' && !st.delivered) return yield* terminatedPrematurely(st);
  const fallbackOrigin = originOf(null, [], 'fell off the end of the rcfile');
  let folder = '';
  let size: Written = NOTHING_WRITTEN;
  let disposition: Outcome['disposition'];
  let exitCode: number;
  let stderr: string | null = null;
  if (result.end === 'host-mismatch') {
    // procmail exits 0 having delivered nothing (docs/procmail-semantics.md §1.7). The
    // abstract still shows $LASTFOLDER and the size of the last text dumped
    // to a folder or program (mailfold.c logabstract, lastdump; verified).
    disposition = 'host-mismatch';
    exitCode = EX_OK;
    folder = st.vars.str('LASTFOLDER');
    size = st.lastWrite;
  } else if (result.end === 'rejected') {
    disposition = 'rejected';
    // src/eval/ext-conditions.ts: @reject exits EX_NOUSER with its text on stderr.
    exitCode = EX_NOUSER;
    stderr = result.reject ?? null;
    folder = '**Rejected**';
  } else if (result.end === 'limit') {
    disposition = 'requeued';
    exitCode = EX_TEMPFAIL;
    folder = '**Requeued**';
  } else {
    if (!st.delivered) {
      // procmail.c nomore_rc: DEFAULT (locked with $LOCKEXT), then ORGMAIL if different, unlocked.
      const data = st.message.part({ header: true, body: true });
      const feed: Feed = { header: true, body: true, raw: false, ignoreWriteErrors: false };
      const def = st.fdefault;
      if (def !== '') {
        // DEFAULT is delivered under $DEFAULT$LOCKEXT (procmail.c nomore_rc), but /dev/null is never
        // locked (locking.c lcllock) and a global LOCKFILE of that name already covers it (mailfold.c writefolder).
        let lockfile: string | null = def === '/dev/null' ? null : def + st.internals.strings.LOCKEXT;
        if (lockfile === st.globalLock) lockfile = null;
        const a = yield* ask(st, deliverRequest(st, [def], lockfile, data, feed, true, fallbackOrigin), true);
        // mailfold.c lastdump: the abstract shows the bytes of the last write, even a failed one.
        st.lastWrite = a;
        if (a.ok) {
          st.delivered = true;
          st.vars.set('LASTFOLDER', a.lastFolder);
        }
      }
      // A signal during the fall-back: the write was truncated back (src/deliver/dump.ts); stop, don't go on to ORGMAIL.
      if (!st.delivered && stopRequested(st)) return yield* terminatedPrematurely(st);
      const org = st.vars.str('ORGMAIL');
      if (!st.delivered && org !== '' && org !== def) {
        const a = yield* ask(st, deliverRequest(st, [org], null, data, feed, true, fallbackOrigin), true);
        // mailfold.c lastdump: the abstract shows the bytes of the last write, even a failed one.
        st.lastWrite = a;
        if (a.ok) {
          st.delivered = true;
          st.vars.set('LASTFOLDER', a.lastFolder);
        }
      }
    }
    if (!st.delivered && stopRequested(st)) return yield* terminatedPrematurely(st);
    if (st.delivered) {
      disposition = 'delivered';
      exitCode = EX_OK;
      folder = st.vars.str('LASTFOLDER');
      size = st.lastWrite;
    } else {
      // After a failed delivery withheld an extension's disposal, the MTA must retry, not bounce (src/eval/ext-conditions.ts).
      const requeue = st.input.tempfail || result.end === 'fallback';
      disposition = requeue ? 'requeued' : 'bounced';
      exitCode = requeue ? EX_TEMPFAIL : EX_CANTCREAT;
      folder = requeue ? '**Requeued**' : '**Bounced**';
      // Verified (differential cases 319/320): the size of the failed DEFAULT write, 0 when nothing was tried.
      size = st.lastWrite;
    }
  }
  yield* comsat(st, TERMINAL_FOLDER.test(folder) ? folder : null);
  yield* logAbstract(st, folder, size, originOf(null, [], 'log abstract'), true);

  // Told to stop after the message was stored: it stays where it is, and no TRAP runs (procmail runs none on a signal).
  if (result.end === 'interrupted') return { exitCode, disposition, lastFolder: st.vars.get('LASTFOLDER') ?? null, stderr };

  // EXITCODE / TRAP (variables.c setexitcode, pipes.c exectrap; docs/procmail-semantics.md §6.4).
  const trap = st.vars.str('TRAP');
  let forceret = -1;
  const ec = st.vars.get('EXITCODE');
  if (st.internals.exitcodeArmed && ec !== undefined) {
    forceret = renvint(-2, ec);
    if (forceret >= 0) {
      exitCode = forceret;
      disposition = 'exitcode';
    }
  } else if (trap !== '') {
    st.vars.set('EXITCODE', String(exitCode));
  }
  if (trap !== '') {
    const origin = originOf(null, [], 'TRAP');
    const command = yield* buildCommand(st, trap, syntheticOrigin(st), expandEnv(st, null));
    const call = programCall(st, command, withTrailingNewline(st.message.part({ header: true, body: true })));
    const a = yield* ask(st, { kind: 'trap', command, call, decides: forceret === -2, origin, log: logSettings(st) });
    if (a.exitCode !== null && a.exitCode !== 0 && forceret === -2) {
      exitCode = a.exitCode;
      disposition = 'exitcode';
    }
  }
  const lastFolder = st.vars.get('LASTFOLDER') ?? null;
  if (!st.deliveredEarly) return { exitCode, disposition, lastFolder, stderr };
  // DELIVERED=yes (docs/procmail-semantics.md §5.2): procmail's parent exited 0 at once and
  // the rest ran in a child whose status nobody sees, so whatever EXITCODE or
  // TRAP say afterwards the MTA got 0 (verified). When the message did end
  // up somewhere that is what we return too. When it did not, procmail lost
  // it; mailrules returns the failure so the MTA keeps the message (the one
  // deliberate difference: never lose mail).
  if (st.delivered || disposition === 'host-mismatch') exitCode = EX_OK;
  else st.input.trace?.({ kind: 'note', span: null, text: `DELIVERED was set but nothing was delivered: procmail would have lost this message; exiting ${exitCode} so the MTA keeps it` });
  return { exitCode, disposition, lastFolder, stderr, deliveredEarly: true };
}

/** `**Bounced**`, `**Requeued**`, `**Rejected**`: the closing abstract's folder when nothing was delivered. */
const TERMINAL_FOLDER = /^\*\*[A-Za-z]+\*\*$/;

/**
 * The comsat/biff notice (comsat.c sendcomsat), sent just before the closing
 * abstract (procmail.c Terminate) when COMSAT leaves it on: it is on while
 * COMSAT is unset only in -d mode and normal mode without rcfile arguments
 * (EngineInput.comsat).
 */
function* comsat(st: State, final: string | null): G<void> {
  const target = comsatTarget(st.vars.get('COMSAT'), st.input.comsat === true);
  const logname = st.vars.str('LOGNAME');
  if (target === null || logname === '') return;
  yield* ask(st, {
    kind: 'comsat',
    host: target.host,
    port: target.port,
    logname,
    final,
    lastFolder: st.vars.str('LASTFOLDER'),
    origin: originOf(null, [], 'comsat'),
    log: logSettings(st),
  });
}

/**
 * The end after SIGTERM, SIGINT or SIGHUP before the message was stored
 * (procmail.c: `Terminating prematurely`, the abstract, no TRAP). procmail
 * exits 75 on SIGTERM but 73 on SIGINT and SIGHUP, which Postfix turns into
 * a bounce; mailrules exits 75 on all three, so the MTA retries.
 */
function* terminatedPrematurely(st: State): G<Outcome> {
  yield* log(st, line('Terminating prematurely'), 'error', originOf(null, [], 'signal'));
  yield* comsat(st, '**Requeued**');
  yield* logAbstract(st, '**Requeued**', st.lastWrite, originOf(null, [], 'log abstract'), true, false);
  return { exitCode: EX_TEMPFAIL, disposition: 'requeued', lastFolder: st.vars.get('LASTFOLDER') ?? null, stderr: null };
}
