/**
 * The action of a recipe whose conditions held (procmail.c mainloop;
 * docs/procmail-semantics.md §2, §7): dispatch by kind, and the folder and extension
 * actions themselves. Programs (pipes, filters, captures, forwards) are in
 * programs.ts, blocks and `c` forks in blocks.ts.
 */
import type { CompiledExtAction, CompiledRecipe } from '../compile/compiled-rc.js';
import { extAction, withheldAfterFailure } from './ext-actions.js';
import type { Word } from '../syntax/ast.js';
import { ask, log, originOf, overflow } from './channel.js';
import { block } from './blocks.js';
import { expandEnv, extContext } from './context.js';
import { afterDelivery, checkDeadlock, deliverRequest, feedOf } from './delivery.js';
import { expandString, expandWords } from './expand.js';
import { line } from './logtext.js';
import { contentLengthCovers } from './message.js';
import { forwardAction, pipeAction } from './programs.js';
import type { Origin } from './requests.js';
import type { G, RunResult, State } from './state.js';
import type { CondOutcome } from './tally.js';

export function* recipeAction(st: State, r: CompiledRecipe, cond: CondOutcome, depth: number): G<RunResult | null> {
  const origin = originOf(r.span, cond.heldSpans, 'recipe matched');
  const action = r.action;
  switch (action.kind) {
    case 'block':
      return yield* block(st, r, action.items, depth, origin);
    case 'folder':
      return yield* folderAction(st, r, action.targets, origin);
    case 'forward':
      return yield* forwardAction(st, r, action.addresses, origin);
    case 'pipe':
      return yield* pipeAction(st, r, action.command, action.capture, origin);
    case 'ext':
      return yield* extActionStep(st, r, action, origin);
    case 'missing':
      // run() handles these before their conditions' outcome is settled.
      return null;
  }
}

function* folderAction(st: State, r: CompiledRecipe, targets: readonly Word[], origin: Origin): G<RunResult | null> {
  const f = r.flags;
  let feed = feedOf(f);
  if (r.header.flags.includes('f')) {
    // Logged by actionNotes; procmail delivers the whole message to protect users of bogus `f` (procmail.c ofiltflag).
    feed = { ...feed, header: true, body: true };
  }
  const env = expandEnv(st, r.span);
  const folders: string[] = [];
  for (const t of targets) folders.push(...(yield* expandWords(t.parts, env, false)));
  // An action line that does not fit LINEBUF fails the recipe (docs/procmail-semantics.md §5.2; verified). procmail.c
  // first reads a leading name (a `VAR=|` capture?) into LINEBUF less 4, then the words expanded.
  const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(r.action.raw);
  if ((name !== null && name[0].length >= st.internals.linebuf - 5) || folders.join(' ').length > st.internals.linebuf) {
    yield* overflow(st, r.span);
    st.lastsucc = false;
    return null;
  }
  if (folders.length === 0) {
    st.lastsucc = false;
    return null;
  }
  let lockfile: string | null = null;
  if (r.header.hasLock) {
    lockfile = r.header.lock ? yield* expandString(r.header.lock.parts, env) : folders[0] + st.internals.strings.LOCKEXT;
    if (folders[0] === '/dev/null' && !r.header.lock) lockfile = null;
    lockfile = yield* checkDeadlock(st, lockfile, origin);
  }
  if (feed.body && !feed.header && st.input.berkeley !== true) {
    // A body-only copy still honours the whole message's Content-Length (docs/procmail-semantics.md §7.2; verified).
    const covered = contentLengthCovers(st.message);
    if (covered !== null) feed = { ...feed, bodyCovered: covered };
  }
  const data = st.message.part({ header: feed.header, body: feed.body });
  const a = yield* ask(st, deliverRequest(st, folders, lockfile, data, feed, false, origin), true);
  return yield* afterDelivery(st, r, a.ok, a.ok || a.lastFolder !== '' ? a.lastFolder : null, a);
}

function* extActionStep(st: State, r: CompiledRecipe, action: CompiledExtAction, origin: Origin): G<RunResult | null> {
  const withheld = st.deliveryFailed ? withheldAfterFailure(action.verb, r.flags.c) : null;
  if (withheld !== null) {
    yield* log(st, line(withheld), 'error', origin);
    st.input.trace?.({ kind: 'note', span: r.span, text: `${withheld}: ${r.flags.c ? 'going on' : 'falling back to DEFAULT/ORGMAIL, requeued if that fails'}` });
    st.lastsucc = false;
    return r.flags.c ? null : { end: 'fallback' };
  }
  const res = yield* extAction(action, extContext(st, origin));
  // The extension already logged what matters; its lines are for the trace.
  for (const l of res.log) st.input.trace?.({ kind: 'note', span: r.span, text: l });
  // res.log already carries the `rejected: …` note.
  if (res.reject !== null) return { end: 'rejected', reject: res.reject };
  if (!res.delivered) {
    st.lastsucc = true;
    return null;
  }
  return yield* afterDelivery(st, r, true, res.lastFolder ?? st.vars.str('LASTFOLDER'), st.lastWrite);
}
