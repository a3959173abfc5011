/**
 * `c` on a block forks procmail (procmailrc(5) "c"; docs/procmail-semantics.md
 * §2): the copy runs the block and then the rest of the rc file, delivering
 * on its own (to DEFAULT if it falls off the end), while the original skips
 * the block and goes on. Sieve runs one script, so the copy's statements are
 * converted once more and run first, rewritten so that they end the copy
 * rather than the script:
 *
 * - `stop` sets the copy's flag, and every command after one that may set
 *   it runs only while the flag is clear;
 * - deliveries are copies (`fileinto :copy`, `redirect :copy`; RFC 3894), so
 *   they leave the original's implicit keep alone, `discard` is nothing, and
 *   a copy that falls off the end keeps the message (its DEFAULT);
 * - the Sieve variables the copy sets are saved before and restored after,
 *   as the original never sees the copy's assignments.
 *
 * Commands that act on the message as both processes share it in Sieve
 * (editheader, reject, vacation, duplicate, programs) make the fork not
 * convertible.
 */
import type { CompiledRecipe, Step } from '../compile/compiled-rc.js';
import { PIGEONHOLE_MAX_NESTING, SIEVE_MAX_FORKS } from '../limits.js';
import { isSet, TRUE_COND, type Books, type Frame } from './books.js';
import { statusOf, type Entry, type Reason } from './report.js';
import { command, ifThen, not, str, tag, type Arg, type Command, type Test } from './script.js';
import type { Template, Vars } from './values.js';

/** Where the statements after an enclosing block go on. */
export interface Continuation {
  readonly steps: readonly Step[];
  readonly next: number;
  readonly depth: number;
  readonly frame: Frame;
}

/** What of the converter a copy's conversion uses and restores. */
export interface ForkHost {
  readonly entries: Entry[];
  vars: Vars;
  maildir: Template;
  maildirPath: string | null;
  readonly inbox: Template[];
  continuations: Continuation[];
  forks: number;
  temp(purpose: string): string;
  level(steps: readonly Step[], depth: number, frame: Frame, books: Books, sieveDepth: number): Command[];
}

/**
 * The copy a `c` block forks: the block, then what follows it at every
 * enclosing level up to the end of the rc file, converted once more (their
 * report entries are the original's, made when it gets there) and rewritten
 * to end the copy rather than the script. A string says why not.
 */
export function forkedCopy(host: ForkHost, r: CompiledRecipe, steps: readonly Step[], i: number, depth: number, frame: Frame, sieveDepth: number): { commands: Command[]; reasons: Reason[] } | string {
  if (r.action.kind !== 'block') throw new Error('not a block');
  if (frame.included || host.continuations.some((c) => c.frame.included)) return 'in an included file, which the converter does not follow to its end';
  if (++host.forks > SIEVE_MAX_FORKS) return `more than ${SIEVE_MAX_FORKS} forks in one file (each copies the rest of the file)`;
  const entries = host.entries.length;
  const saved = { vars: host.vars, maildir: host.maildir, maildirPath: host.maildirPath, inbox: host.inbox.length, continuations: host.continuations };
  host.vars = saved.vars.copy();
  const body: Command[] = [];
  const rest: Command[] = [];
  // After each block the copy goes on as a process whose block ran: prevcond and lastcond true (procmail.c restores them).
  const ran = (): Books => ({ prev: TRUE_COND, last: TRUE_COND, outcome: 'unknown' });
  try {
    const stack = [...saved.continuations, { steps, next: i + 1, depth, frame }];
    host.continuations = stack;
    body.push(...host.level(r.action.items, depth + 1, frame, ran(), sieveDepth));
    for (let k = stack.length - 1; k >= 0; k--) {
      const c = stack[k]!;
      // What goes on after that point is enclosed by the levels outside it only.
      host.continuations = stack.slice(0, k);
      rest.push(...host.level(c.steps.slice(c.next), c.depth, c.frame, ran(), sieveDepth));
    }
    body.push(...rest);
  } finally {
    host.continuations = saved.continuations;
    host.vars = saved.vars;
    host.maildir = saved.maildir;
    host.maildirPath = saved.maildirPath;
    host.inbox.length = saved.inbox;
  }
  const made = host.entries.splice(entries);
  const inBlock = (e: Entry): boolean => e.span.file === r.span.file && e.span.start >= r.span.start && e.span.end <= r.span.end;
  const failed = made.find((e) => statusOf(e.reasons) === 'not-convertible');
  if (failed !== undefined) {
    const why = failed.reasons.find((x) => x.severity === 'error');
    // A copy within the copy says why itself: its reason ends with the line that stopped it.
    const tail = why === undefined ? '' : why.code === 'copy-block' ? `: ${why.message.slice(why.message.indexOf('; ') + 2)}` : ` (${why.message})`;
    return `the copy runs line ${failed.span.line}, which is not converted${tail}`;
  }
  const reasons: Reason[] = [];
  const caveat = made.find((e) => !inBlock(e) && statusOf(e.reasons) === 'caveat');
  if (caveat !== undefined) reasons.push({ severity: 'warning', code: 'copy-block', message: `the copy runs line ${caveat.span.line} too, which converts with a caveat`, span: r.header.span });
  if (mayDeliverTwice(rest)) {
    reasons.push({ severity: 'warning', code: 'copy-twice', message: 'the copy and the original may deliver to the same folder (the rest of the file is theirs alike): procmail writes it twice, Sieve files a message once per mailbox', span: r.header.span });
  }
  if (!(r.flags.w || r.flags.W) && logs(body)) return 'without "w" the copy and the original log at the same time, in no fixed order';
  const flag = host.temp('copy');
  const rewritten = asForkedCopy(body, flag, (k) => `${flag}_${k}`, (n) => n.startsWith('mr_copy_'));
  if (typeof rewritten === 'string') return rewritten;
  // The rewrite's guards open a level where the copy may have ended.
  if (sieveDepth + nesting(rewritten) > PIGEONHOLE_MAX_NESTING) return `the copy would nest more than the ${PIGEONHOLE_MAX_NESTING} blocks Pigeonhole takes`;
  host.entries.push(...made.filter(inBlock));
  reasons.push({
    severity: 'note',
    code: 'copy-block',
    message: '"c" on a block forks procmail: the script runs the copy first (the block, then the rest of the file, delivering copies), then the original goes on after the block',
    span: r.header.span,
  });
  return { commands: rewritten, reasons };
}

/** The commands that deliver, after which the converter's `stop` ends processing. */
const DELIVERIES = new Set(['fileinto', 'redirect', 'discard', 'keep']);

/** Commands a copy may run: the rewrite below knows what each does to the message. */
const ALLOWED = new Set(['stop', 'fileinto', 'redirect', 'discard', 'keep', 'set', 'debug_log']);

/**
 * The copy's commands rewritten to end the copy instead of the script, with
 * the original's variables saved and restored around it (`own` names the
 * variables of nested copies, which need not be); or why not.
 */
export function asForkedCopy(body: readonly Command[], flag: string, saveName: (i: number) => string, own: (name: string) => boolean): Command[] | string {
  const problem = findProblem(body);
  if (problem !== null) return problem;
  const rewritten = rewrite(body, flag);
  // A nested copy's flag and saved values are its own business: nothing after it reads them.
  const names = [...new Set(setNames(rewritten))].filter((n) => n !== flag && !own(n));
  const save = names.map((n, i) => command('set', [str(saveName(i)), str('${' + n + '}')], ['variables']));
  const restore = names.map((n, i) => command('set', [str(n), str('${' + saveName(i) + '}')], ['variables']));
  return [
    command('set', [str(flag), str('')], ['variables']),
    ...save,
    ...rewritten,
    // The copy fell off the end of the rc file: procmail delivers it to DEFAULT (not when a top-level stop always ends it).
    ...(body.some(isStop) ? [] : ifThen(not(isSet(flag)), [command('keep')])),
    ...restore,
  ];
}

/**
 * Whether the copy and the original may both deliver to one place: procmail
 * then writes two copies where Sieve files the message once per mailbox
 * (RFC 5228 §4.2: a mailbox, or an address, gets one). They cannot when the
 * rest of the file (what both run) delivers nowhere but to /dev/null and
 * always ends there (a top-level `stop`): the original then delivers
 * nothing, and the copy never falls off the end into the INBOX.
 */
export function mayDeliverTwice(rest: readonly Command[]): boolean {
  return anyCommand(rest, (c) => ['fileinto', 'redirect', 'keep'].includes(c.name)) || !rest.some(isStop);
}

const isStop = (c: Command): boolean => c.kind === 'command' && c.name === 'stop';

/** Whether the commands log (debug_log): a copy that is not waited for (no `w`) logs in no fixed order. */
export function logs(body: readonly Command[]): boolean {
  return anyCommand(body, (c) => c.name === 'debug_log');
}

/** Whether a command, at any depth of the `if`s, satisfies `pred`. */
function anyCommand(cmds: readonly Command[], pred: (c: Command & { kind: 'command' }) => boolean): boolean {
  return cmds.some((c) => (c.kind === 'command' ? pred(c) : c.kind === 'if' ? c.branches.some((b) => anyCommand(b.body, pred)) || (c.otherwise !== null && anyCommand(c.otherwise, pred)) : false));
}

/** How deep the commands nest `if`s. */
export function nesting(cmds: readonly Command[]): number {
  let deepest = 0;
  for (const c of cmds) {
    if (c.kind !== 'if') continue;
    for (const body of [...c.branches.map((b) => b.body), ...(c.otherwise === null ? [] : [c.otherwise])]) deepest = Math.max(deepest, 1 + nesting(body));
  }
  return deepest;
}

function findProblem(cmds: readonly Command[]): string | null {
  for (const c of cmds) {
    if (c.kind === 'command' && !ALLOWED.has(c.name)) return `the copy would run "${c.name}", which acts on the message the original also delivers`;
    if (c.kind !== 'if') continue;
    for (const b of c.branches) {
      const t = testProblem(b.test);
      if (t !== null) return t;
      const p = findProblem(b.body);
      if (p !== null) return p;
    }
    if (c.otherwise !== null) {
      const p = findProblem(c.otherwise);
      if (p !== null) return p;
    }
  }
  return null;
}

/** Tests with an effect: `duplicate` records the message (procmail's copy and original would each consult the cache), `execute` runs a program. */
function testProblem(t: Test): string | null {
  if (t.kind === 'not') return testProblem(t.test);
  if (t.kind === 'allof' || t.kind === 'anyof') {
    for (const x of t.tests) {
      const p = testProblem(x);
      if (p !== null) return p;
    }
    return null;
  }
  if (t.kind === 'test' && (t.name === 'duplicate' || t.name === 'execute')) return `the copy would test "${t.name}", which has an effect of its own`;
  return null;
}

function rewrite(cmds: readonly Command[], flag: string): Command[] {
  const out: Command[] = [];
  let after = false;
  for (let k = 0; k < cmds.length; k++) {
    const c = cmds[k]!;
    const before = cmds[k - 1];
    // A stop after no delivery (an empty SWITCHRC, the end of a switched-to file) leaves the implicit keep: the copy's DEFAULT.
    const bare = c.kind === 'command' && c.name === 'stop' && !(before?.kind === 'command' && DELIVERIES.has(before.name));
    const r = bare ? [command('keep'), ...rewriteOne(c, flag)] : rewriteOne(c, flag);
    // Once the copy may have ended, what follows runs only if it has not.
    out.push(...(after && r.length > 0 && !r.every((x) => x.kind === 'comment') ? ifThen(not(isSet(flag)), r) : r));
    if (mayEnd(r, flag)) after = true;
  }
  return out;
}

function rewriteOne(c: Command, flag: string): Command[] {
  if (c.kind === 'if') {
    return [{ kind: 'if', branches: c.branches.map((b) => ({ test: b.test, body: rewrite(b.body, flag) })), otherwise: c.otherwise === null ? null : rewrite(c.otherwise, flag) }];
  }
  if (c.kind !== 'command') return [c];
  switch (c.name) {
    case 'stop':
      return [command('set', [str(flag), str('1')], ['variables'])];
    case 'discard':
      return [];
    case 'fileinto':
    case 'redirect':
      return [withCopy(c)];
    default:
      return [c];
  }
}

function withCopy(c: Command & { kind: 'command' }): Command {
  if (c.args.some((a) => a.kind === 'tag' && a.tag === 'copy')) return c;
  const args: Arg[] = [tag('copy'), ...c.args];
  return command(c.name, args, [...c.requires, 'copy']);
}

function mayEnd(cmds: readonly Command[], flag: string): boolean {
  return anyCommand(cmds, (c) => c.name === 'set' && c.args[0]?.kind === 'string' && c.args[0].value === flag);
}

/** The Sieve variables the commands set (`set [:modifier…] NAME VALUE`). */
function setNames(cmds: readonly Command[]): string[] {
  const out: string[] = [];
  for (const c of cmds) {
    if (c.kind === 'command' && c.name === 'set') {
      const name = c.args.find((a) => a.kind === 'string');
      if (name !== undefined && name.kind === 'string') out.push(name.value);
    } else if (c.kind === 'if') {
      for (const b of c.branches) out.push(...setNames(b.body));
      if (c.otherwise !== null) out.push(...setNames(c.otherwise));
    }
  }
  return out;
}
