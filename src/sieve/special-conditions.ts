import type { Area } from '../compile/compiled-rc.js';
import { parseExtCondition } from '../syntax/ext-args.js';
import type { Span } from '../source/span.js';
import { fail, stringComparator, type CondContext, type CondResult } from './cond-result.js';
import { listTest } from './lists.js';
import { conditionIdiom, programArgs, type ConditionIdiom } from './programs.js';
import type { Reason } from './report.js';
import { command, FALSE, list, lit, not, str, tag, test, TRUE, type Command, type Test } from './script.js';
import { fromEnvironment, unsetNotes } from './values.js';

/**
 * The conditions that are not regexes: a size test (`< N`, `> N`), a
 * program's exit status (`? cmd`, with --allow-pipe, and the idioms that
 * need no program), and the `@` conditions a Sieve script can express.
 */

export function sizeCondition(op: '<' | '>', limit: number, negate: boolean, area: Area | null, span: Span, ctx: CondContext): CondResult {
  const done = (t: Test, prelude: Command[] = [], reasons: Reason[] = []): CondResult => ({
    ok: true,
    cond: { test: negate ? not(t) : t, prelude, matchGroup: null, reasons },
  });
  if (area === null) {
    if (op === '>' && limit < 0) return done(TRUE);
    if (op === '<' && limit <= 0) return done(FALSE);
    return done(test('size', [tag(op === '>' ? 'over' : 'under'), { kind: 'number', value: limit }]));
  }
  if (area.kind !== 'var') return fail('size-area', `a size test of the ${area.kind === 'B' ? 'body' : area.kind === 'H' ? 'header' : 'header and body'} alone: Sieve only knows the whole message's size`, span);
  const s = ctx.vars.get(area.name);
  if (s.kind === 'env' && fromEnvironment(area.name)) return fail('env-variable', `${area.name} comes from procmail's environment, which Sieve does not have`, span);
  if (s.kind === 'env') {
    const empty = op === '<' ? 0 < limit : 0 > limit;
    return done(empty ? TRUE : FALSE, [], unsetNotes([area.name], span));
  }
  if (s.kind === 'lost') return fail('lost-variable', `${area.name}'s assignment (line ${s.line}) is not converted`, span);
  if (s.kind === 'const') return done((op === '<' ? s.value.length < limit : s.value.length > limit) ? TRUE : FALSE);
  const len = ctx.temp(`len_${area.name}`);
  const prelude = [command('set', [tag('length'), str(len), str('${' + area.name + '}')], ['variables'])];
  const t = test('string', [tag('value'), str(op === '<' ? 'lt' : 'gt'), tag('comparator'), str('i;ascii-numeric'), str('${' + len + '}'), str(String(limit))], [
    'variables',
    'relational',
    'comparator-i;ascii-numeric',
  ]);
  if (limit < 0) return done(op === '>' ? TRUE : FALSE);
  return done(t, prelude);
}

export function programCondition(commandText: string, negate: boolean, area: Area | null, span: Span, ctx: CondContext): CondResult {
  const idiom = conditionIdiom(leadingVariable(commandText, ctx));
  if (idiom !== null) {
    const r = idiomTest(idiom, area, span, ctx);
    if (typeof r === 'string') return fail('program', r, span);
    return { ok: true, cond: { test: negate ? not(r.test) : r.test, prelude: [], matchGroup: null, reasons: r.reasons } };
  }
  if (!ctx.allowPipe) return fail('program', '"?" runs a program; Sieve runs none (--allow-pipe converts it to vnd.dovecot.execute)', span);
  const args = programArgs(commandText);
  if (typeof args === 'string') return fail('program', args, span);
  const reasons: Reason[] = [{
    severity: 'warning',
    code: 'execute',
    message: `vnd.dovecot.execute pipes the whole message to "${args.program}" (procmail pipes the ${area === null ? 'header' : 'search area'}); the program must be in sieve_execute_bin_dir`,
    span,
  }];
  const t = test('execute', [tag('pipe'), str(args.program), ...(args.args.length > 0 ? [list(args.args)] : [])], ['vnd.dovecot.execute']);
  return { ok: true, cond: { test: negate ? not(t) : t, prelude: [], matchGroup: null, reasons } };
}

/**
 * The command with a leading `$NAME` replaced by its value where that is a
 * constant plain word: procmail expands the command line before running it
 * (procmailrc(5) "Conditions"), so `T=test` then `? $T -z "$X"` is the
 * test idiom.
 */
function leadingVariable(commandText: string, ctx: CondContext): string {
  const m = /^([ \t]*)\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)\})(?=[ \t])/.exec(commandText);
  if (m === null) return commandText;
  const v = ctx.vars.get(m[2] ?? m[3]!);
  if (v.kind !== 'const' || !/^[A-Za-z0-9_/.[-]+$/.test(v.value)) return commandText;
  return m[1]! + v.value + commandText.slice(m[0].length);
}

/** The Sieve test of a `?` idiom (programs.ts conditionIdiom()), or why there is none. */
function idiomTest(idiom: ConditionIdiom, area: Area | null, span: Span, ctx: CondContext): { test: Test; reasons: Reason[] } | string {
  if (idiom.kind === 'const') return { test: idiom.value ? TRUE : FALSE, reasons: [] };
  if (idiom.kind === 'contains') {
    // grep reads what procmail feeds a `?` program: the header unless B (docs/procmail-semantics.md §1.5). The body is
    // Sieve's `body :raw`, compared byte for byte; a header search has no Sieve form. grep is looked up on procmail's PATH.
    if (area !== null || !ctx.flags.B || ctx.flags.H) return `"${idiom.text}" searched in the header by grep: Sieve can only test named fields`;
    if (ctx.vars.get('PATH').kind !== 'env') return 'the rc file sets PATH, where the program is looked up';
    return { test: test('body', [tag('raw'), tag('contains'), ...stringComparator(false), str(lit(idiom.text))], ['body']), reasons: [] };
  }
  const s = ctx.vars.get(idiom.variable);
  if (s.kind === 'lost') return `$${idiom.variable}'s assignment (line ${s.line}) is not converted`;
  if (s.kind === 'env' && fromEnvironment(idiom.variable)) return `$${idiom.variable} comes from procmail's environment, which Sieve does not have`;
  const reasons = s.kind === 'env' ? unsetNotes([idiom.variable], span) : [];
  const value = s.kind === 'const' ? lit(s.value) : s.kind === 'env' ? '' : '${' + idiom.variable + '}';
  if (idiom.kind === 'empty') {
    const t = s.kind === 'runtime' ? test('string', [tag('is'), str(value), str('')], ['variables']) : (s.kind === 'const' ? s.value === '' : true) ? TRUE : FALSE;
    return { test: idiom.empty ? t : not(t), reasons };
  }
  const got = ctx.lists.read(idiom.file);
  if (got === null) return `cannot read "${idiom.file}" to copy its lines into the script`;
  const lines = got.text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const cmp = stringComparator(idiom.ignoreCase);
  reasons.push({ severity: 'note', code: 'list-copied', message: `the ${lines.length} line${lines.length === 1 ? '' : 's'} of ${got.path} ${lines.length === 1 ? 'is' : 'are'} copied into the script: convert again after editing the file`, span });
  if (lines.length === 0) return { test: FALSE, reasons };
  const keys = lines.map(lit);
  // -x: a line equals the value; else a line contains it.
  const t = idiom.wholeLine
    ? test('string', [tag('is'), ...cmp, str(value), list(keys)], ['variables'])
    : test('string', [tag('contains'), ...cmp, list(keys), str(value)], ['variables']);
  return { test: t, reasons };
}

export function extCondition(verb: string, args: string, negate: boolean, span: Span, ctx: CondContext): CondResult {
  const parsed = parseExtCondition(verb, args);
  if (!parsed.ok) return fail('ext-syntax', parsed.errors[0]!.message, span);
  const c = parsed.value;
  const done = (t: Test, reasons: Reason[] = []): CondResult => ({ ok: true, cond: { test: negate ? not(t) : t, prelude: [], matchGroup: null, reasons } });
  if (c.verb === 'loop') {
    const id = ctx.vars.get('LOOPID');
    if (id.kind !== 'const' || id.value.trim() === '') {
      return fail('loop-id', '@loop looks for X-Loop: $LOOPID, or $LOGNAME@$HOST from procmail\'s environment; set LOOPID to a constant to convert it', span);
    }
    // hasLoop(): the trimmed value equals the id, ASCII case-insensitively; `header :is` compares exactly that.
    return done(test('header', [tag('is'), str('X-Loop'), str(lit(id.value.trim()))]));
  }
  if (c.verb === 'decoded') {
    return fail('ext-decoded', '@decoded searches the decoded header and text parts in procmail\'s regex dialect; write it as a Sieve header or body :text test by hand (Sieve decodes RFC 2047 itself)', span);
  }
  if (c.verb === 'auth') return fail('ext-auth', '@auth reads the Authentication-Results field of a trusted authserv-id (RFC 8601); Sieve has no such test', span);
  if (c.authenticated) {
    return fail('ext-authenticated', '"authenticated" asks for DMARC-aligned DKIM or SPF evidence (RFC 7489) behind the address; Sieve has no such test', span);
  }
  const file = c.file.text;
  if (c.file.quote !== 'single' && file.includes('$')) return fail('list-file', 'a list file named with a variable', span);
  const r = listTest(c.verb === 'sender' ? null : c.headers, file, ctx.lists, span);
  if (typeof r === 'string') return fail('list-file', r, span);
  return done(r.test, r.reasons);
}
