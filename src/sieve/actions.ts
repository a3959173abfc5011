/**
 * A recipe's action line → Sieve actions (procmailrc(5) "Action line";
 * RFC 5228 §4, RFC 3894 :copy, RFC 5490 :create).
 *
 * A delivering action that succeeds ends procmail's processing; the Sieve
 * form is the action then `stop`. With `c` the delivery is a copy:
 * `fileinto :copy` / `redirect :copy`, and no `stop`. Folders become
 * mailbox names (folders.ts); the DEFAULT folder is the INBOX (`keep`);
 * `/dev/null` is `discard`; `! address` is `redirect`. Programs (`|`)
 * are Sieve actions only through idioms.ts, or Pigeonhole's extprograms
 * with --allow-pipe. The `@` actions: @discard → discard, @bounce and
 * @reject → reject (RFC 5429), @reply → vacation (RFC 5230).
 */
import type { CompiledRecipe } from '../compile/compiled-rc.js';
import { parseExtAction, type WordArg } from '../syntax/ext-args.js';
import type { Span } from '../source/span.js';
import type { Word } from '../syntax/ast.js';
import { mailboxOf, type Separator } from './folders.js';
import { dedupCommands, fieldCapture, headerFilter, isDedup, replyPlaceholder, unreadReply } from './idioms.js';
import { discardingProgramExit, programArgs } from './programs.js';
import type { Reason } from './report.js';
import { command, list, lit, litText, num, str, tag, type Command } from './script.js';
import { constText, expandFields, expandText, knownLinebuf, sameTemplate, sieveValue, stripPrefix, unsetNotes, type Expanded, type Template, type Vars } from './values.js';

export interface ActionContext {
  readonly vars: Vars;
  readonly separator: Separator;
  readonly allowPipe: boolean;
  /** MAILDIR as far as known (procmail's default is $HOME), without a trailing slash: as assigned, and as `$MAILDIR`. */
  readonly maildir: readonly Template[];
  /** Folders that mean the INBOX: DEFAULT's value(s). */
  readonly inbox: readonly Template[];
  /** Read a file named in the rc (`$VAR` allowed) where its program would (relative to MAILDIR); null when unreadable. */
  read(file: string): string | null;
}

export interface ActionResult {
  readonly commands: Command[];
  /** The action ends processing when it succeeds: `stop` follows. */
  readonly terminal: boolean;
  readonly reasons: Reason[];
  readonly ok: boolean;
  /**
   * What the action leaves in lastsucc (what `a` and `e` read): `failure`
   * for a program whose non-zero status `w` looks at (nothing is done);
   * `unknown` for other programs (idioms, extprograms); absent: folders and
   * forwards, which cannot fail in Sieve's terms, nor in procmail's with the
   * mail tree in place (the `@` actions are `unknown` to the caller).
   */
  readonly outcome?: 'failure' | 'unknown';
}

function err(code: string, message: string, span: Span): ActionResult {
  return { commands: [], terminal: false, reasons: [{ severity: 'error', code, message, span }], ok: false };
}

const envMessage = (names: readonly string[]): string => {
  const list = [...new Set(names)];
  return `${list.join(', ')}, which ${list.length === 1 ? 'comes' : 'come'} from procmail's environment (Sieve has no such variable)`;
};

export function convertAction(r: CompiledRecipe, ctx: ActionContext): ActionResult {
  const a = r.action;
  switch (a.kind) {
    case 'folder':
      return folderAction(r, a.targets, ctx);
    case 'forward':
      return forwardAction(r, a.addresses, ctx);
    case 'pipe':
      return pipeAction(r, ctx);
    case 'ext':
      return extAction(r, a.verb, a.args, ctx);
    case 'block':
    case 'missing':
      return { commands: [], terminal: false, reasons: [], ok: true };
  }
}

/** What a folder word names: the INBOX, /dev/null, or a mailbox. */
function folderTarget(x: Expanded, ctx: ActionContext, span: Span, notes: Reason[]): { kind: 'inbox' } | { kind: 'discard' } | { kind: 'mailbox'; name: Template } | { kind: 'error'; reason: Reason } | { kind: 'warn'; name: Template; reason: Reason } {
  if (x.problem !== null) return { kind: 'error', reason: { severity: 'error', code: 'folder', message: `the folder name has ${x.problem}`, span } };
  notes.push(...unsetNotes(x.unset, span));
  const t = x.template;
  if (ctx.inbox.some((i) => sameTemplate(i, t) || sameMailbox(i, t, ctx))) return { kind: 'inbox' };
  if (t.length === 1 && 'variable' in t[0]! && (t[0].variable === 'DEFAULT' || t[0].variable === 'ORGMAIL')) return { kind: 'inbox' };
  let rel: Template | null = null;
  for (const m of ctx.maildir) rel ??= stripPrefix(t, [...m, { text: '/' }]);
  let warn: Reason | null = null;
  if (rel === null) {
    const text = constText(t);
    if (text === '/dev/null') return { kind: 'discard' };
    const first = t[0];
    if (first !== undefined && 'variable' in first && x.unknown.includes(first.variable)) {
      return { kind: 'error', reason: { severity: 'error', code: 'folder-env', message: `the folder is under $${first.variable}, which comes from procmail's environment and is not MAILDIR`, span } };
    }
    if (first !== undefined && 'text' in first && first.text.startsWith('/')) {
      warn = { severity: 'warning', code: 'folder-absolute', message: `"${constText(t) ?? sieveValue(t)}" is outside MAILDIR; the mailbox is named after its whole path`, span };
      rel = [{ text: first.text.replace(/^\/+/, '') }, ...t.slice(1)];
    } else rel = t;
  }
  // Variables from the environment are fine in the MAILDIR part only, which is gone now.
  const unknown = rel.flatMap((p) => ('variable' in p && x.unknown.includes(p.variable) ? [p.variable] : []));
  if (unknown.length > 0) return { kind: 'error', reason: { severity: 'error', code: 'folder-env', message: `the folder name uses ${envMessage(unknown)}`, span } };
  const m = mailboxOf(rel, ctx.separator);
  if (m.kind !== 'mailbox') return m;
  if (m.problem !== null) warn ??= { severity: 'warning', code: 'folder-name', message: m.problem, span };
  return warn === null ? { kind: 'mailbox', name: m.name } : { kind: 'warn', name: m.name, reason: warn };
}

/** Whether two folder paths name the same mailbox (one relative to MAILDIR, one under it). */
function sameMailbox(a: Template, b: Template, ctx: ActionContext): boolean {
  const rel = (t: Template): Template => {
    for (const m of ctx.maildir) {
      const r = stripPrefix(t, [...m, { text: '/' }]);
      if (r !== null) return r;
    }
    return t;
  };
  const ma = mailboxOf(rel(a), ctx.separator);
  const mb = mailboxOf(rel(b), ctx.separator);
  return ma.kind === 'mailbox' && mb.kind === 'mailbox' && sameTemplate(ma.name, mb.name);
}

/**
 * Folder names that do not fit LINEBUF make procmail fail the delivery
 * (docs/procmail-semantics.md §5.2, the thresholds of compile/linebuf.ts):
 * where the names are known, a recipe that does nothing and fails (what `e`
 * reads); an error where LINEBUF is not known.
 */
function folderOverflow(r: CompiledRecipe, fields: readonly Expanded[], ctx: ActionContext): ActionResult | null {
  const limit = knownLinebuf(ctx.vars);
  const texts = fields.map((x) => constText(x.template));
  const length = texts.includes(null) ? null : texts.join(' ').length;
  const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(r.action.raw);
  if (limit === null) return err('linebuf', 'LINEBUF is only known when mail arrives: whether procmail can hold the folder names (or fails the delivery) is not known', r.action.span);
  const fails = (message: string): ActionResult => ({ commands: [], terminal: false, reasons: [{ severity: 'note', code: 'linebuf', message: `${message}: procmail logs "Exceeded LINEBUF" and fails the delivery, so the recipe does nothing in Sieve`, span: r.action.span }], ok: true, outcome: 'failure' });
  if (name !== null && name[0].length >= limit - 5) return fails(`the action line does not fit LINEBUF (${limit})`);
  if (length !== null && length > limit) return fails(`the folder names are ${length} characters, more than LINEBUF (${limit})`);
  return null;
}

function folderAction(r: CompiledRecipe, targets: readonly Word[], ctx: ActionContext): ActionResult {
  const reasons: Reason[] = [];
  const commands: Command[] = [];
  const copy = r.flags.c;
  let discard = false;
  const fields = targets.flatMap((w) => expandFields(w, ctx.vars).map((x) => [w, x] as const));
  const overflow = folderOverflow(r, fields.map(([, x]) => x), ctx);
  if (overflow !== null) return overflow;
  for (const [w, x] of fields) {
    const t = folderTarget(x, ctx, w.span, reasons);
    if (t.kind === 'error') return { commands: [], terminal: false, reasons: [t.reason], ok: false };
    if (t.kind === 'warn') reasons.push(t.reason);
    if (t.kind === 'discard') {
      discard = true;
      continue;
    }
    if (t.kind === 'inbox') {
      commands.push(command('keep'));
      continue;
    }
    commands.push(command('fileinto', [...(copy ? [tag('copy')] : []), tag('create'), str(sieveValue(t.name))], ['fileinto', 'mailbox', ...(copy ? ['copy'] : [])]));
  }
  if (!r.flags.h || !r.flags.b) {
    reasons.push({ severity: 'warning', code: 'partial-delivery', message: `"${r.flags.h ? 'h' : 'b'}" files only the ${r.flags.h ? 'header' : 'body'}; Sieve files the whole message`, span: r.header.span });
  }
  if (commands.length === 0 && discard && !copy) commands.push(command('discard'));
  return { commands, terminal: !copy, reasons, ok: true };
}

function forwardAction(r: CompiledRecipe, addresses: readonly Word[], ctx: ActionContext): ActionResult {
  const reasons: Reason[] = [];
  const commands: Command[] = [];
  for (const [w, x] of addresses.flatMap((w) => expandFields(w, ctx.vars).map((x) => [w, x] as const))) {
    if (x.problem !== null) return err('forward', `the address has ${x.problem}`, w.span);
    if (x.unknown.length > 0) return err('forward', `the address uses ${envMessage(x.unknown)}`, w.span);
    reasons.push(...unsetNotes(x.unset, w.span));
    const text = constText(x.template);
    if (text !== null && text.startsWith('-')) {
      reasons.push({ severity: 'warning', code: 'sendmail-option', message: `"${text}" is an option for $SENDMAIL; Sieve's redirect takes none`, span: w.span });
      continue;
    }
    if (text !== null && !/^[^@\s]+@[^@\s]+$/.test(text.replace(/^<(.*)>$/, '$1'))) {
      return err('forward', `"${text.length > 40 ? text.slice(0, 40) + '...' : text}" is no address (user@domain): sendmail would take a bare name for a local user, Sieve's redirect refuses it`, w.span);
    }
    commands.push(command('redirect', [...(r.flags.c ? [tag('copy')] : []), str(sieveValue(x.template))], r.flags.c ? ['copy'] : []));
  }
  if (commands.length === 0) return err('forward', 'no address to redirect to', r.action.span);
  const sendmail = ['SENDMAIL', 'SENDMAILFLAGS'].filter((n) => ctx.vars.get(n).kind !== 'env');
  if (sendmail.length > 0) {
    // procmail forwards by running $SENDMAIL $SENDMAILFLAGS addresses (procmailrc(5) "!"): another program or its flags may do anything.
    reasons.push({ severity: 'warning', code: 'sendmail', message: `the rc file sets ${sendmail.join(' and ')}: procmail forwards through that command, Sieve's redirect through Dovecot's own submission`, span: r.action.span });
  }
  if (!r.flags.h || !r.flags.b) {
    reasons.push({ severity: 'warning', code: 'partial-delivery', message: `"${r.flags.h ? 'h' : 'b'}" forwards only the ${r.flags.h ? 'header' : 'body'}; Sieve redirects the whole message`, span: r.header.span });
  }
  return { commands, terminal: !r.flags.c, reasons, ok: true };
}

function pipeAction(r: CompiledRecipe, ctx: ActionContext): ActionResult {
  if (r.action.kind !== 'pipe') throw new Error('not a pipe');
  const idiom = isDedup(r) ? dedupCommands(r) : r.flags.f ? headerFilter(r, ctx.vars) : r.action.capture !== null ? fieldCapture(r) : null;
  if (idiom !== null) return { commands: idiom.commands, terminal: false, reasons: idiom.reasons, ok: idiom.ok, outcome: 'unknown' };
  const discarding = discardingPipe(r, ctx);
  if (discarding !== null) return discarding;
  const what = r.flags.f ? 'a filter' : r.action.capture !== null ? `a capture into ${r.action.capture}` : 'a pipe';
  if (!ctx.allowPipe) return err('program', `${what} runs a program; Sieve runs none (--allow-pipe converts it to Pigeonhole's vnd.dovecot.${r.flags.f ? 'filter' : r.action.capture !== null ? 'execute' : 'pipe'})`, r.action.span);
  const args = programArgs(r.action.command);
  if (typeof args === 'string') return err('program', args, r.action.span);
  const argList = args.args.length > 0 ? [list(args.args)] : [];
  const reasons: Reason[] = [];
  const ext = r.flags.f ? 'filter' : r.action.capture !== null ? 'execute' : 'pipe';
  reasons.push({
    severity: 'warning',
    code: 'extprograms',
    message: `vnd.dovecot.${ext} runs "${args.program}" from sieve_${ext}_bin_dir, without a shell, with the whole message${r.flags.h && r.flags.b ? '' : ' (procmail feeds only the ' + (r.flags.h ? 'header' : 'body') + ')'}; enable sieve_extprograms in Dovecot`,
    span: r.action.span,
  });
  if (r.flags.f) return { commands: [command('filter', [str(args.program), ...argList], ['vnd.dovecot.filter'])], terminal: false, reasons, ok: true, outcome: 'unknown' };
  if (r.action.capture !== null) {
    return {
      commands: [command('execute', [tag('pipe'), tag('output'), str(r.action.capture), str(args.program), ...argList], ['vnd.dovecot.execute', 'variables'])],
      terminal: false,
      reasons,
      ok: true,
      outcome: 'unknown',
    };
  }
  return { commands: [command('pipe', [...(r.flags.c ? [tag('copy')] : []), str(args.program), ...argList], ['vnd.dovecot.pipe', ...(r.flags.c ? ['copy'] : [])])], terminal: !r.flags.c, reasons, ok: true, outcome: 'unknown' };
}

/**
 * A delivering pipe to a command that only reads the message and exits
 * (programs.ts discardingProgramExit): with `w` or `W` a non-zero status
 * fails the recipe and processing goes on (procmailrc(5) "w"); otherwise
 * the message counts as delivered (docs/procmail-semantics.md §2), which
 * in Sieve is `discard` (a copy, `c`, does nothing). Only with procmail's
 * own shell settings, and no lockfile (one on a pipe needs a name).
 */
function discardingPipe(r: CompiledRecipe, ctx: ActionContext): ActionResult | null {
  if (r.action.kind !== 'pipe' || r.action.capture !== null || r.flags.f || r.header.hasLock) return null;
  if (['SHELL', 'SHELLFLAGS', 'SHELLMETAS'].some((n) => ctx.vars.get(n).kind !== 'env')) return null;
  // With `i` procmail ignores the write error of a program that exits without reading: `true` and `false` then do too
  // (run directly, looked up on procmail's PATH).
  const text = r.action.command.trim();
  const bare = r.flags.i && ctx.vars.get('PATH').kind === 'env' && (text === 'true' || text === 'false') ? (text === 'true' ? 0 : 1) : undefined;
  const status = bare ?? discardingProgramExit(r.action.command);
  if (status === null) return null;
  const span = r.action.span;
  if (status !== 0 && (r.flags.w || r.flags.W)) {
    const message = `"${text}" ${bare === undefined ? 'reads the message and ' : ''}exits ${status}: with "${r.flags.w ? 'w' : 'W'}" the recipe fails and processing goes on, so it does nothing in Sieve`;
    return { commands: [], terminal: false, reasons: [{ severity: 'note', code: 'program-fails', message, span }], ok: true, outcome: 'failure' };
  }
  const how = status === 0 ? 'exits 0' : `exits ${status}, which procmail does not look at without "w"`;
  const message = `"${text}" ${bare === undefined ? 'reads the message' : 'exits without reading the message (which "i" allows)'} and ${how}: the message counts as delivered, ${r.flags.c ? 'and a copy does nothing in Sieve' : 'as discard does'}`;
  return { commands: r.flags.c ? [] : [command('discard')], terminal: !r.flags.c, reasons: [{ severity: 'note', code: 'program-discards', message, span }], ok: true };
}

/** An `@` action's text: `$VAR` expanded (unless single-quoted) as far as the converter can. */
function actionText(w: WordArg, ctx: ActionContext, span: Span): string | Reason {
  if (w.quote === 'single') return lit(w.text);
  const x = expandText(w.text, ctx.vars);
  if (x.problem !== null) return { severity: 'error', code: 'ext-text', message: `the text has ${x.problem}`, span };
  if (x.unknown.length > 0) return { severity: 'error', code: 'ext-text', message: `the text uses ${envMessage(x.unknown)}`, span };
  return sieveValue(x.template);
}

function extAction(r: CompiledRecipe, verb: string, args: string, ctx: ActionContext): ActionResult {
  const span = r.action.span;
  const parsed = parseExtAction(verb, args);
  if (!parsed.ok) return err('ext-syntax', parsed.errors[0]!.message, span);
  const a = parsed.value;
  const copy = r.flags.c;
  switch (a.verb) {
    case 'discard':
      return { commands: copy ? [] : [command('discard')], terminal: !copy, reasons: [], ok: true };
    case 'bounce':
    case 'reject': {
      if (copy) return err('reject-copy', `"c" with @${a.verb}: Sieve's reject cannot be combined with keeping or filing the message`, r.header.span);
      const text = actionText(a.text, ctx, span);
      if (typeof text !== 'string') return { commands: [], terminal: false, reasons: [text], ok: false };
      const reasons: Reason[] = [
        a.verb === 'bounce'
          ? { severity: 'note', code: 'reject', message: '@bounce sends a delivery status notification (RFC 3464); Sieve\'s reject sends a rejection message (RFC 5429) or refuses the message in the SMTP/LMTP dialogue', span }
          : { severity: 'note', code: 'ereject', message: 'reject, not ereject: Pigeonhole does not implement ereject (RFC 5429 section 2.1); with `dovecot-lda -e` a reject fails the delivery (exit 77), as @reject\'s exit 67 does', span },
      ];
      return { commands: [command('reject', [str(text)], ['reject'])], terminal: true, reasons, ok: true };
    }
    case 'reply': {
      let text: string;
      const reasons: Reason[] = [];
      if (a.file !== null) {
        const got = ctx.read(a.file.quote === 'single' ? a.file.text.replace(/\$/g, '$$$$') : a.file.text);
        text = got === null ? replyPlaceholder(a.file.text) : litText(got.replace(/\n+$/, ''));
        if (got === null) reasons.push(unreadReply(a.file.text, span));
      } else {
        const t = actionText(a.text!, ctx, span);
        if (typeof t !== 'string') return { commands: [], terminal: false, reasons: [t], ok: false };
        text = t;
      }
      const opts: ReturnType<typeof tag>[] = [];
      const days = ctx.vars.get('REPLYDAYS');
      if (days.kind === 'const' && days.value.trim() !== '') {
        const n = Number(days.value.trim());
        if (Number.isFinite(n) && n >= 0) opts.push(tag('days'), num(Math.max(1, Math.ceil(n))));
      } else opts.push(tag('days'), num(7));
      const from = ctx.vars.get('REPLYFROM');
      if (from.kind === 'const' && from.value.trim() !== '') opts.push(tag('from'), str(lit(from.value.trim())));
      reasons.push({
        severity: 'warning',
        code: 'vacation',
        message: '@reply answers any sender it does not refuse (RFC 3834); Sieve\'s vacation also needs your address in To/Cc (its :addresses), keeps its own reply memory, and says "Auto:" in the subject',
        span,
      });
      const commands = [command('vacation', [...opts, str(text)], ['vacation']), ...(copy ? [] : [command('discard')])];
      return { commands, terminal: !copy, reasons, ok: true };
    }
  }
}
