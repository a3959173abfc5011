/**
 * The engine's one way out: a Request yielded to the answerer and its
 * Answer, recorded in the trace (requests.ts). Log lines, the log abstract
 * (mailfold.c; docs/procmail-semantics.md §6) and the notes every stage logs alike
 * (`Exceeded LINEBUF`, docs/procmail-semantics.md §5.2; mailrules' own limits) go through
 * here; the answerer adds what needs the world (the VERBOSE clock stamps).
 */
import type { Span } from '../source/span.js';
import { formatAbstract } from './log-abstract.js';
import { checkInterrupt } from './interrupt.js';
import { line, logtext } from './logtext.js';
import type { Answer, AnswerFor, Origin, Request } from './requests.js';
import { logSettings } from './settings.js';
import type { G, State, Written } from './state.js';

export function* ask<R extends Request>(st: State, req: R, delivering = false): G<AnswerFor[R['kind']]> {
  checkInterrupt(st);
  const answer = (yield req) as AnswerFor[R['kind']];
  const stored = delivering && isOk(answer as Answer);
  st.input.trace?.({ kind: 'request', request: req, answer: answer as Answer, delivering: stored });
  checkInterrupt(st, stored);
  return answer;
}

function isOk(a: Answer): boolean {
  switch (a.kind) {
    case 'ack':
    case 'delivered':
      return a.ok;
    case 'program':
      return a.exitCode !== null;
    default:
      return true;
  }
}

export function* log(st: State, text: string, source: 'error' | 'verbose' | 'abstract' | 'LOG', origin: Origin, override?: string): G<void> {
  // VERBOSE's `procmail: [pid] <ctime>` stamps (misc.c nlog) need the clock: the answerer writes them.
  yield* ask(st, { kind: 'log', text: override ?? text, source, origin, log: logSettings(st) });
}

export function originOf(span: Span | null, conditions: readonly Span[], reason: string): Origin {
  return { span, conditions, reason };
}

/** `fromAndSubject` false: the Folder line alone, as procmail logs it after a signal (verified). */
export function* logAbstract(st: State, folder: string, size: Written, origin: Origin, closing = false, fromAndSubject = true): G<void> {
  const la = st.internals.logabstract;
  // mailfold.c: lgabstract>0, or (logopened||verbose) && lgabstract.
  if (!(la > 0 || ((st.logOpen || st.internals.verbose !== 0) && la !== 0))) return;
  const text = formatAbstract({ header: fromAndSubject ? st.message.header : '', folder, size: size.bytes });
  yield* ask(st, { kind: 'log', text, source: 'abstract', origin, log: logSettings(st), abstract: { folder, closing } });
}

/** `Exceeded LINEBUF` (docs/procmail-semantics.md §5.2): logged, and PROCMAIL_OVERFLOW=yes. */
export function* overflow(st: State, span: Span | null): G<void> {
  yield* log(st, line('Exceeded LINEBUF'), 'error', originOf(span, [], 'LINEBUF exceeded'));
  st.vars.set('PROCMAIL_OVERFLOW', 'yes');
  st.input.trace?.({ kind: 'note', span, text: `Exceeded LINEBUF (${st.internals.linebuf})` });
}

export function* limitHit(st: State, what: string, span: Span | null): G<void> {
  st.input.trace?.({ kind: 'note', span, text: `limit: ${what}` });
  yield* log(st, logtext.limit(what), 'error', originOf(span, [], 'limit'));
}
