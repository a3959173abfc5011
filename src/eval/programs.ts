/**
 * Actions that run a program (procmail.c, pipes.c; docs/procmail-semantics.md §2, §7.6):
 * a delivering pipe, a filter (`f`) whose output replaces the message, a
 * capture (`VAR=|`), and a forward through $SENDMAIL; with the w/W/i rules
 * for when a program counts as a success, and the implicit `:0:` lock.
 */
import type { CompiledRecipe } from '../compile/compiled-rc.js';
import type { Word } from '../syntax/ast.js';
import { assign } from './assign.js';
import { ask, log, overflow } from './channel.js';
import { buildCommandShown } from './command.js';
import { expandEnv, syntheticOrigin } from './context.js';
import { afterDelivery, checkDeadlock, deliverRequest, feedOf } from './delivery.js';
import { parseDoubleQuotedText } from '../syntax/word.js';
import { captureValue, expandString, expandWords } from './expand.js';
import { logtext } from './logtext.js';
import { readmail } from './message.js';
import { programInput } from './program-input.js';
import { sendmailCommand } from './sendmail.js';
import { lockTiming, logSettings, maildirVar, programCall } from './settings.js';
import { hostMismatchInRun } from './rcfiles.js';
import type { Feed, Origin, ProgramAnswer } from './requests.js';
import type { G, RunResult, State } from './state.js';

export function* pipeAction(st: State, r: CompiledRecipe, commandText: string, capture: string | null, origin: Origin): G<RunResult | null> {
  const f = r.flags;
  if (commandText.length >= st.internals.linebuf) {
    // procmail.c reads the command line into a LINEBUF buffer (getlline) and,
    // when it does not fit, gives up on the recipe: nothing runs and the
    // last recipe's success stands (verified for pipes, filters and captures).
    yield* overflow(st, r.span);
    return null;
  }
  const feed = feedOf(f);
  const env = expandEnv(st, r.span);
  const built = yield* buildCommandShown(st, commandText, r.span, env);
  const command = built.command;
  const data = st.message.part({ header: feed.header, body: feed.body });
  if (!command.shell && command.argv.length === 0 && capture === null) {
    // A bare `|` writes the mail to procmail's stdout (procmail.c tostdout).
    const a = yield* ask(st, deliverRequest(st, ['|'], null, data, feed, false, origin), !f.f);
    return yield* afterDelivery(st, r, a.ok, a.lastFolder || '|', a);
  }
  const wait = waitOf(r);
  let lockfile: string | null = null;
  if (r.header.hasLock) lockfile = r.header.lock ? yield* expandString(r.header.lock.parts, env) : yield* implicitPipeLock(st, built.name, origin);
  lockfile = yield* checkDeadlock(st, lockfile, origin);
  // After the lock, before the program starts (procmail.c); decodeFlags already dropped the `c`.
  if (r.header.flags.includes('c') && (f.f || capture !== null)) yield* log(st, logtext.extraneous('copy-flag'), 'error', origin);
  if (st.internals.verbose) {
    // pipes.c: a delivering pipe sets LASTFOLDER before it starts (verified order).
    if (capture === null && !f.f) yield* log(st, logtext.assigning(`LASTFOLDER=${built.shown}`), 'verbose', origin);
    yield* log(st, logtext.executing(command.shell ? command.text : command.argv.join(',')), 'verbose', origin);
  }

  const fed = programInput(data, feed);
  const call = programCall(st, command, fed.input, fed.unterminated);
  if (capture !== null) {
    const a = yield* ask(st, { kind: 'capture', command, call, feed, form: 'assign', origin, log: logSettings(st) });
    const ok = yield* programSucceeded(st, r, a, built.name, wait, feed, origin);
    if (ok) {
      const res = yield* assign(st, capture, captureValue(a.output.toString('latin1')), r.span, false);
      st.lastsucc = true;
      if (res === 'host-mismatch') return yield* hostMismatchInRun(st);
      if (res === 'limit') return { end: 'limit' };
    } else st.lastsucc = false;
    return null;
  }
  if (f.f) {
    const a = yield* ask(st, { kind: 'filter', command, call, data, feed, wait, lockfile, lock: lockTiming(st), origin, log: logSettings(st) });
    if (a.exitCode !== null) st.lastExit = a.exitCode;
    const failed = a.exitCode === null || (wait !== null && a.exitCode !== 0) || (!a.wroteAll && !feed.ignoreWriteErrors);
    if (failed) {
      if (a.exitCode !== null && a.exitCode !== 0 && wait === 'w') yield* log(st, logtext.programFailure(a.exitCode, built.name), 'error', origin);
      else if (a.exitCode !== null && a.exitCode !== 0 && st.internals.verbose) yield* log(st, logtext.nonZeroExitcode(a.exitCode, built.name), 'verbose', origin);
      // The unfiltered text is kept (docs/procmail-semantics.md §7.6).
      yield* log(st, logtext.rescue(true), 'error', origin);
      st.lastsucc = false;
      return null;
    }
    // readmail() runs again on the result: Content-Length is rewritten anew (docs/procmail-semantics.md §7.6).
    const berkeley = st.input.berkeley === true;
    if (feed.header && !feed.body) st.message = readmail(st.message.withHeader(a.output), berkeley);
    else if (feed.body && !feed.header) st.message = readmail(st.message.withBody(a.output), berkeley);
    else st.message = readmail(a.output, berkeley);
    st.lastsucc = true;
    return null;
  }
  const quiet = f.W && !f.w;
  const sendmail = st.internals.strings.SENDMAIL;
  const a = yield* ask(st, { kind: 'pipe', command, call, feed, wait, quiet, lockfile, lock: lockTiming(st), maildir: maildirVar(st), sendmail, origin, log: logSettings(st) }, true);
  const ok = yield* programSucceeded(st, r, a, built.name, wait, feed, origin);
  return yield* afterDelivery(st, r, ok, built.shown, a);
}

export function* forwardAction(st: State, r: CompiledRecipe, addresses: readonly Word[], origin: Origin): G<RunResult | null> {
  const env = expandEnv(st, r.span);
  const words: string[] = [];
  for (const w of addresses) words.push(...(yield* expandWords(w.parts, env, false)));
  const argv = [...sendmailCommand(st.internals.strings), ...words];
  if (argv.join(' ').length > st.internals.linebuf) {
    // $SENDMAIL, the flags and the addresses share procmail's buffer; when they overflow the forward fails (verified).
    yield* overflow(st, r.span);
    st.lastsucc = false;
    return null;
  }
  const feed = feedOf(r.flags);
  const wait = waitOf(r);
  let lockfile: string | null = null;
  // procmail's buffer holds the words NUL-separated: messages quoting it show the first (pipes.c).
  if (r.header.hasLock) lockfile = r.header.lock ? yield* expandString(r.header.lock.parts, env) : yield* implicitPipeLock(st, argv[0]!, origin);
  lockfile = yield* checkDeadlock(st, lockfile, origin);
  const data = st.message.part({ header: feed.header, body: feed.body });
  if (st.internals.verbose) {
    // procmail logs these before the forward starts (its `Executing` can come later: the child is asynchronous).
    yield* log(st, logtext.assigning(`LASTFOLDER=${argv.join(' ')}`), 'verbose', origin);
    yield* log(st, logtext.executing(argv.join(',')), 'verbose', origin);
  }
  const fed = programInput(data, feed, true);
  // procmail's buffer holds the words NUL-separated: messages quoting it show the first (pipes.c).
  const call = { ...programCall(st, { shell: false, text: argv.join(' '), argv }, fed.input, fed.unterminated), display: argv[0]! };
  const a = yield* ask(st, { kind: 'forward', call, addresses: words, feed, wait, lockfile, lock: lockTiming(st), maildir: maildirVar(st), origin, log: logSettings(st) }, true);
  const ok = yield* programSucceeded(st, r, a, argv[0]!, wait, feed, origin);
  return yield* afterDelivery(st, r, ok, argv.join(' '), a);
}

function waitOf(r: CompiledRecipe): 'w' | 'W' | null {
  if (r.flags.w) return 'w';
  if (r.flags.W) return 'W';
  // A local lock on a program implies W (procmail.c: "protect the user from his blissful ignorance").
  if (r.header.hasLock) return 'W';
  return null;
}

/** `:0:` on a program: the word after the first `>>`, else `Couldn't determine…` and plain $LOCKEXT. */
function* implicitPipeLock(st: State, text: string, origin: Origin): G<string> {
  const at = text.indexOf('>>');
  if (at >= 0) {
    const rest = text.slice(at + 2).replace(/^[ \t]+/, '');
    const m = /^[^ \t\n;&|()<>]*/.exec(rest);
    const name = m ? m[0] : '';
    if (name !== '') {
      const expanded = yield* expandString(parseDoubleQuotedText(name, origin.span ?? syntheticOrigin(st)), expandEnv(st, origin.span));
      return expanded + st.internals.strings.LOCKEXT;
    }
  }
  yield* log(st, logtext.implicitLock(text), 'error', origin);
  return st.internals.strings.LOCKEXT;
}

/** Whether a program request counts as a success (flags w/W/i; docs/procmail-semantics.md §2, §7.6). */
function* programSucceeded(
  st: State,
  r: CompiledRecipe,
  a: ProgramAnswer,
  cmd: string,
  wait: 'w' | 'W' | null,
  feed: Feed,
  origin: Origin,
): G<boolean> {
  if (a.exitCode !== null) st.lastExit = a.exitCode;
  if (a.exitCode === null) {
    // Killed (TIMEOUT): procmail's waitfor gives -signal, reported like an exit code (verified: `Program failure (-15)`).
    if (wait !== null && a.signal !== undefined && a.signal !== null) {
      if (wait === 'w' && !(r.header.hasLock && !r.flags.w)) yield* log(st, logtext.programFailure(-a.signal, cmd), 'error', origin);
      else if (st.internals.verbose) yield* log(st, logtext.nonZeroExitcode(-a.signal, cmd), 'verbose', origin);
    }
    return false;
  }
  if (!a.wroteAll && !feed.ignoreWriteErrors) return false;
  if (wait !== null && a.exitCode !== 0) {
    if (wait === 'w' && !(r.header.hasLock && !r.flags.w)) yield* log(st, logtext.programFailure(a.exitCode, cmd), 'error', origin);
    else if (st.internals.verbose) yield* log(st, logtext.nonZeroExitcode(a.exitCode, cmd), 'verbose', origin);
    return false;
  }
  return true;
}
