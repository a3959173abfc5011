/**
 * Assignments and special variables (variables.c asenv; docs/procmail-semantics.md §5.2):
 * the value is stored, then the variables procmail acts on take effect
 * (MAILDIR, LOGFILE, LOCKFILE, INCLUDERC, HOST, the numeric settings …).
 */
import { renvint } from '../compile/renvint.js';
import type { Span } from '../source/span.js';
import { ask, log, originOf, overflow } from './channel.js';
import { logtext } from './logtext.js';
import type { Ack } from './requests.js';
import { include } from './rcfiles.js';
import { lockTiming, logSettings } from './settings.js';
import type { G, State } from './state.js';
import { isInternalString, linebufValue, NUMERIC_SETTINGS, parseUmask } from './vars.js';

export type AssignResult = 'ok' | 'host-mismatch' | 'limit';

export function* assign(st: State, name: string, value: string | null, span: Span | null, commandLine: boolean): G<AssignResult> {
  if (value !== null && !commandLine && name.length + 1 + value.length > st.internals.linebuf) {
    // docs/procmail-semantics.md §5.2 LINEBUF: `name=value` must fit the buffer; otherwise
    // `Exceeded LINEBUF`, PROCMAIL_OVERFLOW=yes, and the variable keeps its
    // old value; the rcfile goes on (verified with LINEBUF=128: `A=` + 126
    // bytes fits, + 127 overflows).
    yield* overflow(st, span);
    return 'ok';
  }
  const where = span ?? { file: st.input.rcfiles[st.rcfile]?.file ?? '', line: 0, col: 0, start: 0, end: 0 };
  if (value === null) st.vars.unset(name);
  else st.vars.set(name, value);
  st.input.trace?.({ kind: 'assign', span: where, name, value });
  if (st.internals.verbose) yield* log(st, logtext.assigning(value === null ? name : `${name}=${value}`), 'verbose', originOf(span, [], 'assignment'));
  // asenv sees '' for an unset.
  const v = value ?? '';
  const origin = originOf(span, [], `${name} assigned`);
  switch (name) {
    case 'LINEBUF':
      st.internals.linebuf = linebufValue(v);
      break;
    case 'MAILDIR': {
      // chdir("") fails with ENOENT (POSIX), so an empty or unset MAILDIR keeps
      // the current directory and reads "." as any failed chdir does; no
      // answerer is asked, so delivery and the dry run cannot differ here.
      const a: Ack = v === '' ? { kind: 'ack', ok: false } : yield* ask(st, { kind: 'chdir', dir: v, origin, log: logSettings(st) });
      if (!a.ok) {
        if (!a.error) yield* log(st, logtext.couldntChdir(v), 'error', origin);
        // variables.c: on failure MAILDIR becomes "." (the cwd is unchanged).
        st.vars.set('MAILDIR', '.');
      }
      break;
    }
    case 'LOGFILE': {
      const a = yield* ask(st, { kind: 'open-log', path: v, origin, log: logSettings(st) });
      if (a.ok) st.logOpen = true;
      break;
    }
    case 'LOG':
      if (v !== '') yield* ask(st, { kind: 'log', text: v, source: 'LOG', origin, log: logSettings(st) });
      break;
    case 'EXITCODE':
      st.internals.exitcodeArmed = true;
      break;
    case 'SHIFT': {
      const n = renvint(0, v);
      if (n > 0) st.args = st.args.slice(Math.min(n, st.args.length));
      break;
    }
    case 'DEFAULT':
      st.fdefault = v;
      break;
    case 'DELIVERED':
      // procmail forks here and the parent tells the MTA "delivered"; a
      // pure engine cannot fork the MTA's view, so this is reported only.
      if (renvint(0, v) && !st.deliveredEarly) {
        st.deliveredEarly = true;
        st.input.trace?.({ kind: 'note', span, text: 'DELIVERED: procmail reports success to the MTA here and continues in a child; mailrules reports at the end, and a failure instead of losing the mail' });
      }
      break;
    case 'DROPPRIVS':
      if (renvint(0, v)) st.input.trace?.({ kind: 'note', span, text: 'DROPPRIVS: privileges dropped (no effect in mailrules)' });
      break;
    case 'LOCKFILE': {
      const acquire = v === '' ? null : v;
      const a = yield* ask(st, { kind: 'global-lock', release: st.globalLock, acquire, origin, log: logSettings(st), lock: lockTiming(st) });
      st.globalLock = a.ok ? acquire : null;
      // variables.c: unset it on failure.
      if (!a.ok) st.vars.unset('LOCKFILE');
      break;
    }
    case 'UMASK': {
      const mask = parseUmask(v);
      st.internals.umask = mask;
      yield* ask(st, { kind: 'umask', mask, origin, log: logSettings(st) });
      break;
    }
    case 'INCLUDERC':
      if (!commandLine) return yield* include(st, v, span, 'include');
      break;
    case 'SWITCHRC':
      if (!commandLine) return yield* include(st, v, span, 'switch');
      break;
    case 'HOST':
      if (v !== st.input.hostname) {
        if (st.internals.verbose) yield* log(st, logtext.hostMismatched(st.input.hostname), 'verbose', origin);
        st.input.trace?.({ kind: 'note', span, text: `HOST mismatched "${st.input.hostname}": the rest of this rcfile is skipped` });
        return 'host-mismatch';
      }
      break;
    default: {
      const key = NUMERIC_SETTINGS[name];
      if (key) st.internals[key] = renvint(st.internals[key] as number, v) as never;
      // variables.c asenv: the text settings take the value, '' for an unset.
      else if (isInternalString(name)) st.internals.strings[name] = v;
    }
  }
  return 'ok';
}
