/**
 * procmail idioms built from formail (procmailex(5); formail(1)) that Sieve
 * has commands for:
 *
 * - `:0 Wh` / `| formail -D N cache`: drop a message whose Message-ID was
 *   seen before → `if duplicate { discard; stop; }` (RFC 7352).
 * - `:0 Whc` / `| formail -rD N cache`, then `:0 ehc` / `| (formail -r …;
 *   cat FILE) | $SENDMAIL -t`: answer each sender once → `vacation`
 *   (RFC 5230).
 * - `:0 fhw` / `| formail -A "H: v"` (also -a, -I): add or replace a header
 *   field → `addheader :last` / `deleteheader` (RFC 5293).
 * - `VAR=| formail -zxH:`: a field's value → `set` from `header :matches`.
 */
import type { CompiledRecipe } from '../compile/compiled-rc.js';
import type { Span } from '../source/span.js';
import { parseFormail, type Formail } from './programs.js';
import type { Reason } from './report.js';
import { command, ifThen, lit, litText, not, str, tag, test, type Command } from './script.js';
import { expandText, sieveValue, type Vars } from './values.js';

export interface IdiomResult {
  readonly commands: Command[];
  readonly reasons: Reason[];
  readonly ok: boolean;
}

function pipeOf(r: CompiledRecipe): string | null {
  return r.action.kind === 'pipe' ? r.action.command : null;
}

function onlyOptions(f: Formail, allowed: string): boolean {
  return f.options.every((o) => allowed.includes(o.letter));
}

/** `| formail -D N cache` on a waiting, non-copy recipe. */
export function isDedup(r: CompiledRecipe): boolean {
  const cmd = pipeOf(r);
  if (cmd === null || r.action.kind !== 'pipe' || r.action.capture !== null || r.flags.f || r.flags.c || !(r.flags.w || r.flags.W)) return false;
  const f = parseFormail(cmd);
  return f !== null && f.options.length === 1 && f.options[0]!.letter === 'D' && f.rest.length === 1;
}

export function dedupCommands(r: CompiledRecipe): IdiomResult {
  return {
    commands: ifThen(test('duplicate', [], ['duplicate']), [command('discard'), command('stop')]),
    reasons: [{
      severity: 'warning',
      code: 'duplicate-window',
      message: 'formail -D remembers Message-IDs until its cache file fills up; Sieve\'s duplicate test remembers them for a time (Pigeonhole: 12 hours by default, sieve_duplicate_max_period at most)',
      span: r.span,
    }],
    ok: true,
  };
}

/** The first half of the vacation idiom: `| formail -rD N cache` as a waiting copy. */
export function isVacationCache(r: CompiledRecipe): boolean {
  const cmd = pipeOf(r);
  if (cmd === null || r.action.kind !== 'pipe' || r.action.capture !== null || r.flags.f || !r.flags.c || !(r.flags.w || r.flags.W)) return false;
  const f = parseFormail(cmd);
  return f !== null && f.rest.length === 1 && onlyOptions(f, 'rDt') && f.options.some((o) => o.letter === 'D') && f.options.some((o) => o.letter === 'r');
}

/** The second half: an `e` recipe that pipes a `formail -r` reply to $SENDMAIL; the reply text's file, if it cats one. */
export function vacationReply(r: CompiledRecipe): { file: string | null } | null {
  const cmd = pipeOf(r);
  if (cmd === null || !r.flags.e || r.flags.f) return null;
  const flat = cmd.replace(/\\\n/g, ' ');
  if (!/\bformail\b[^|;]*-[a-zA-Z]*r/.test(flat) || !/\|\s*\$\{?SENDMAIL\}?\b[^|]*-t\b/.test(flat)) return null;
  const cat = /\bcat\s+("?)([^"\s;|)]+)\1/.exec(flat);
  return { file: cat === null ? null : cat[2]! };
}

/**
 * `vacation "text"` for the pair. The text is the file the second recipe
 * cats, read now; `read` gets it where the rc file would (MAILDIR).
 */
export function vacationCommands(first: CompiledRecipe, file: string | null, read: (file: string) => string | null, span: Span): IdiomResult {
  const reasons: Reason[] = [{
    severity: 'warning',
    code: 'vacation',
    message: 'formail -rD answers a sender once until its cache forgets them; vacation answers again after :days (7 by default), only to mail that names your address in To/Cc (its :addresses), and never to lists or automatic mail (RFC 5230 section 4.5)',
    span: first.span,
  }];
  const text = file === null ? null : read(file);
  if (text === null) reasons.push(unreadReply(file, span));
  const body = text === null ? replyPlaceholder(file) : litText(text.replace(/\n+$/, ''));
  return { commands: [command('vacation', [str(body)], ['vacation'])], reasons, ok: true };
}

/** The caveat when the reply's text could not be read: the script says where to paste it. */
export function unreadReply(file: string | null, span: Span): Reason {
  return {
    severity: 'warning',
    code: 'reply-text',
    message: file === null ? 'the reply text is not read from a file the converter knows: paste it into the vacation command' : `cannot read the reply text "${file}": paste it into the vacation command`,
    span,
  };
}

export function replyPlaceholder(file: string | null): string {
  return lit(`[mailrules to-sieve: paste the reply text${file === null ? '' : ` of ${file}`} here]`);
}

/** `:0 fh(w)` / `| formail -A "H: v" -I "H2: w" …` → editheader commands. */
export function headerFilter(r: CompiledRecipe, vars: Vars): IdiomResult | null {
  const cmd = pipeOf(r);
  if (cmd === null || r.action.kind !== 'pipe' || r.action.capture !== null || !r.flags.f) return null;
  const f = parseFormail(cmd);
  if (f === null || f.rest.length > 0 || f.options.length === 0 || !onlyOptions(f, 'AaI')) return null;
  const commands: Command[] = [];
  const reasons: Reason[] = [{
    severity: 'note',
    code: 'editheader',
    message: 'editheader is not enabled in Pigeonhole by default: add it to sieve_extensions (sieve_extensions = +editheader)',
    span: r.span,
  }];
  for (const o of f.options) {
    const field = o.arg ?? '';
    const colon = field.indexOf(':');
    if (colon <= 0) return null;
    const name = field.slice(0, colon).trim();
    const value = expandText(field.slice(colon + 1).replace(/^[ \t]+/, ''), vars);
    if (value.problem !== null || value.unknown.length > 0) {
      reasons.push({
        severity: 'error',
        code: 'formail-value',
        message: value.problem ?? `${value.unknown.join(', ')} come${value.unknown.length === 1 ? 's' : ''} from procmail's environment, which Sieve does not have`,
        span: r.span,
      });
      return { commands: [], reasons, ok: false };
    }
    const add = command('addheader', [tag('last'), str(name), str(sieveValue(value.template))], ['editheader']);
    if (o.letter === 'A') commands.push(add);
    else if (o.letter === 'a') commands.push(...ifThen(not(test('exists', [str(name)])), [add]));
    else {
      commands.push(command('deleteheader', [str(name)], ['editheader']));
      if (value.template.length > 0) commands.push(add);
    }
  }
  return { commands, reasons, ok: true };
}

/** `VAR=| formail -xH:` (`-zx`, `-xH: -z`): the first such field's value. */
export function fieldCapture(r: CompiledRecipe): IdiomResult | null {
  if (r.action.kind !== 'pipe' || r.action.capture === null) return null;
  const f = parseFormail(r.action.command);
  if (f === null || f.rest.length > 0 || !onlyOptions(f, 'xz')) return null;
  const x = f.options.filter((o) => o.letter === 'x');
  if (x.length !== 1) return null;
  const name = x[0]!.arg!.replace(/:$/, '');
  if (name === '' || /[\s:]/.test(name)) return null;
  const zapped = f.options.some((o) => o.letter === 'z');
  const v = r.action.capture;
  const reasons: Reason[] = [{
    severity: 'warning',
    code: 'formail-extract',
    message: `formail -x gives every ${name} field, one per line${zapped ? '' : ', each with its leading blank'}; Sieve gives the first field's value, unfolded and decoded`,
    span: r.span,
  }];
  const commands = [
    {
      kind: 'if' as const,
      branches: [{ test: test('header', [tag('matches'), str(name), str('*')]), body: [command('set', [str(v), str('${1}')], ['variables'])] }],
      otherwise: [command('set', [str(v), str('')], ['variables'])],
    },
  ];
  return { commands, reasons, ok: true };
}
