/**
 * Which rcfile runs: the rcfiles of the command line one after another
 * (procmail.c startrc, and a HOST mismatch moving on; docs/procmail-semantics.md §1.7),
 * and INCLUDERC / SWITCHRC pushing or replacing frames on the stack.
 */
import type { CompiledRc } from '../compile/compiled-rc.js';
import { compileRc } from '../compile/compile.js';
import { BoundedMap } from '../bounded-map.js';
import { INCLUDE_CACHE_SIZE, MAX_INCLUDE_DEPTH, MAX_INCLUDES_PER_MESSAGE } from '../limits.js';
import type { Span } from '../source/span.js';
import type { AssignResult } from './assign.js';
import { ask, limitHit, log, originOf } from './channel.js';
import { logtext } from './logtext.js';
import { logSettings } from './settings.js';
import type { G, RunResult, State } from './state.js';

export function openRcfile(st: State, index: number): void {
  const p = st.input.rcfiles[index]!;
  st.rcfile = index;
  st.frames = [{ kind: 'rc', steps: p.items, i: 0, file: p.file, saved: null, depth: 0 }];
  // procmail.c startrc: a fresh rcfile starts with clean bookkeeping.
  st.lastsucc = st.lastcond = st.prevcond = false;
}

/** Whether the rcfile after the current one is run only after a HOST mismatch (the default) or in any case (input.chain). */
export function nextRcfile(st: State, why: 'eof' | 'host-mismatch'): boolean {
  const sequence = st.input.chain === 'sequence';
  // In sequence (/etc/procmailrc, then the user's rcfile) a HOST mismatch ends
  // processing (procmail.c asenv: no command-line rcfile left); without it,
  // falling off the end of one rcfile moves on to the next.
  if ((why === 'eof') !== sequence) return false;
  if (st.rcfile + 1 >= st.input.rcfiles.length) return false;
  openRcfile(st, st.rcfile + 1);
  return true;
}

/** A HOST mismatch met mid-run (a capture assigning HOST): on to the next rcfile, or the end. */
export function* hostMismatchInRun(st: State): G<RunResult | null> {
  if (nextRcfile(st, 'host-mismatch')) return null;
  return { end: 'host-mismatch' };
}

const compiled = new BoundedMap<string, CompiledRc>(INCLUDE_CACHE_SIZE);

function compileCached(text: string, file: string): CompiledRc {
  const key = `${file}\0${text}`;
  const cached = compiled.get(key);
  if (cached) return cached;
  const p = compileRc(text, file);
  compiled.set(key, p);
  return p;
}

/** INCLUDERC / SWITCHRC (docs/procmail-semantics.md §1.7). */
export function* include(st: State, path: string, span: Span | null, mode: 'include' | 'switch'): G<AssignResult> {
  const origin = originOf(span, [], mode === 'include' ? 'INCLUDERC' : 'SWITCHRC');
  if (mode === 'switch' && path === '') {
    // Unsetting SWITCHRC ends the current rcfile as if at EOF.
    dropCurrentRcfile(st);
    st.input.trace?.({ kind: 'note', span, text: 'SWITCHRC unset: leaving the current rcfile' });
    return 'ok';
  }
  if (++st.budget.includes > MAX_INCLUDES_PER_MESSAGE) {
    yield* limitHit(st, `more than ${MAX_INCLUDES_PER_MESSAGE} INCLUDERC/SWITCHRC`, span);
    return 'limit';
  }
  // procmail runs out of descriptors this deep and cannot open the file (see MAX_INCLUDE_DEPTH).
  const tooDeep = mode === 'include' && includeDepth(st) >= MAX_INCLUDE_DEPTH;
  if (tooDeep) st.input.trace?.({ kind: 'note', span, text: `INCLUDERC ${MAX_INCLUDE_DEPTH} levels deep: procmail has no file descriptor left to open it` });
  const a = tooDeep ? { text: null, path } : yield* ask(st, { kind: 'include', path, mode, origin, log: logSettings(st) });
  if (a.text === null) {
    // The name as given (verified with procmail 3.22).
    yield* log(st, logtext.couldntRead(path), 'error', origin);
    return 'ok';
  }
  // `$_` is the path made absolute against MAILDIR (verified: INCLUDERC=inc.rc gives $MAILDIR/inc.rc).
  const file = absoluteRcPath(st, a.path || path);
  const rc = compileCached(a.text, file);
  st.input.trace?.({ kind: 'note', span, text: `${mode === 'include' ? 'INCLUDERC' : 'SWITCHRC'} "${file}"` });
  if (st.internals.verbose) yield* log(st, logtext.rcfile(file), 'verbose', origin);
  if (mode === 'switch') {
    const top = dropCurrentRcfile(st);
    st.frames.push({ kind: top, steps: rc.items, i: 0, file, saved: null, depth: 0 });
  } else {
    st.frames.push({ kind: 'include', steps: rc.items, i: 0, file, saved: null, depth: 0 });
  }
  return 'ok';
}

/** The rcfiles open one inside the other (the blocks in them are frames too, but no files). */
function includeDepth(st: State): number {
  let n = 0;
  for (const f of st.frames) if (f.kind !== 'block') n++;
  return n;
}

function absoluteRcPath(st: State, path: string): string {
  if (path.startsWith('/')) return path;
  const dir = st.vars.str('MAILDIR');
  if (dir === '') return path;
  return dir.endsWith('/') ? dir + path : `${dir}/${path}`;
}

/** Pops the frames of the current rcfile (its blocks included); returns the kind of the rcfile frame removed. */
function dropCurrentRcfile(st: State): 'rc' | 'include' {
  while (st.frames.length > 0) {
    const f = st.frames.pop()!;
    if (f.kind === 'block') {
      // Leaving a block through the end of its file restores the stack as `}` would.
      if (f.saved) {
        st.prevcond = f.saved.prevcond;
        st.lastcond = f.saved.lastcond;
      }
      continue;
    }
    return f.kind;
  }
  return 'rc';
}
