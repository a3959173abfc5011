/**
 * One procmail condition → one Sieve test (procmailrc(5) "Conditions";
 * RFC 5228 §5, RFC 5229 `string`, RFC 5173 `body`, the regex draft's
 * `:regex`).
 *
 * - A regex over the header becomes `header` tests of the fields it names
 *   (header-pattern.ts), `:contains`/`:matches`/`:is` where the value part
 *   is plain text, `:regex` otherwise (ere.ts).
 * - Over the body: `body :raw`, which is the body's bytes, as procmail's B.
 * - `VAR ??`: a `string` test of the variable.
 * - `< N`, `> N`: `size :under`/`:over`; `VAR ?? < N` compares the length.
 * - `$ …` is expanded here as procmail expands it when it reads the
 *   condition, where the converter knows the values; a variable only known
 *   when mail arrives stands in the pattern for a Sieve variable.
 * - `? program` only with --allow-pipe (Pigeonhole's vnd.dovecot.execute).
 *
 * Case: procmail folds ASCII unless the recipe has D (`^FROM_DAEMON` always
 * folds), as Sieve's default comparator i;ascii-casemap does; with D the
 * comparator is i;octet.
 */
import { parseCondition } from '../compile/condition.js';
import { conditionOverflows } from '../compile/linebuf.js';
import { conditionPattern, expandMacros } from '../compile/macros.js';
import type { Area, CompiledCondition, Flags, Test as ProcTest } from '../compile/compiled-rc.js';
import { repairRegex } from '../compile/regex/paren-scan.js';
import { procRegexTree } from '../compile/regex/parser.js';
import type { ProcRegexNode as Node } from '../compile/regex/tree.js';
import { MAX_CONDITION_REEXPANSIONS, SIEVE_MAX_REGEX_NESTING } from '../limits.js';
import type { Span } from '../source/span.js';
import type { WordPart } from '../syntax/ast.js';
import { SourceText } from '../syntax/source-text.js';
import { WordReader } from '../syntax/word.js';
import { FOLD_CAVEAT, literalRun, matchesEmptyText, PLACEHOLDER_BASE, simplify, toEre, treeDepth } from './ere.js';
import { containsBom, flattenGroups, seqNullable } from './ere-tree.js';
import { senderOnly } from './from-line.js';
import { foldSafe } from './folding.js';
import { derivative, fieldForms, valueAlternatives, type FieldForm } from './header-pattern.js';
import type { Reason } from './report.js';
import { anyof, command, FALSE, list, lit, not, str, tag, test, TRUE, type Command, type Test } from './script.js';
import { fromEnvironment, knownLinebuf, unsetNotes } from './values.js';
import { fail, stringComparator, type CondContext, type CondResult } from './cond-result.js';
import { extCondition, programCondition, sizeCondition } from './special-conditions.js';

export type { CondContext, CondResult, CondTest } from './cond-result.js';

/** A variable standing in a pattern: `quoted` for `$\VAR` (its value matched literally). */
interface Placeholder {
  readonly variable: string;
  readonly quoted: boolean;
}


export function translateCondition(c: CompiledCondition, ctx: CondContext): CondResult {
  const overflow = overflowing(c.text.length, ctx, c.span);
  if (overflow !== null) return overflow;
  return translate(c.test, c.text, c.negate, c.area, c.span, ctx, new Map(), 0);
}

/** A condition procmail cannot hold in LINEBUF fails, negated or not (compile/linebuf.ts conditionOverflows). */
function overflowing(length: number, ctx: CondContext, span: Span): CondResult | null {
  const limit = knownLinebuf(ctx.vars);
  if (limit === null || !conditionOverflows(length, limit)) return null;
  const message = `the condition is ${length} characters, which do not fit LINEBUF (${limit}): procmail logs "Exceeded LINEBUF" and the condition fails, negated or not`;
  return { ok: true, cond: { test: FALSE, prelude: [], matchGroup: null, reasons: [{ severity: 'note', code: 'linebuf', message, span }] } };
}

function translate(
  t: ProcTest,
  /** The condition text `t` was read from (Condition.text, or a `$` condition's expansion). */
  text: string,
  negate: boolean,
  area: Area | null,
  span: Span,
  ctx: CondContext,
  placeholders: Map<number, Placeholder>,
  depth: number,
): CondResult {
  switch (t.kind) {
    case 'regex':
      return regexCondition(conditionPattern(t.pattern, text), negate, area, span, ctx, placeholders);
    case 'size':
      return sizeCondition(t.op, t.limit, negate, area, span, ctx);
    case 'program':
      return programCondition(t.command, negate, area, span, ctx);
    case 'ext':
      return extCondition(t.verb, t.args, negate, span, ctx);
    case 'expand': {
      if (depth >= Math.min(2, MAX_CONDITION_REEXPANSIONS)) return fail('dollar-nested', 'a "$" condition whose value starts with "$" again', span);
      const x = expandDollar(t.rest, ctx, placeholders, span);
      if (typeof x === 'string') return fail('dollar-expansion', x, span);
      if (t.rest.startsWith('<') || t.rest.startsWith('>')) {
        // A size test with `$` in it: expanded once, then the number is read (strtol); the prefixes are not looked at again.
        if (placeholders.size > 0) return fail('dollar-expansion', 'a size test whose number is only known when the mail arrives', span);
        const m = /^[ \t\n]*([-+]?[0-9]+)?/.exec(x.text.slice(1))!;
        const r = sizeCondition(x.text[0] === '<' ? '<' : '>', m[1] === undefined ? 0 : Number.parseInt(m[1], 10), negate, area, span, ctx);
        return r.ok ? { ok: true, cond: { ...r.cond, reasons: [...x.reasons, ...r.cond.reasons] } } : r;
      }
      // What the `$` gave, less its leading blanks, must fit LINEBUF too (misc.c readparse()); a variable only known
      // when mail arrives can only make it longer.
      const known = [...x.text.replace(/^[ \t]+/, '')].filter((ch) => !placeholders.has(ch.charCodeAt(0))).length;
      const overflow = overflowing(known, ctx, span);
      if (overflow !== null) return overflow;
      const { cond } = parseCondition(x.text, span, { negate, weight: null, area });
      const r = translate(cond.test, x.text, cond.negate, cond.area, span, ctx, placeholders, depth + 1);
      if (!r.ok || x.reasons.length === 0) return r;
      return { ok: true, cond: { ...r.cond, reasons: [...x.reasons, ...r.cond.reasons] } };
    }
  }
}

// ---------------------------------------------------------------------------
// `$` conditions

/**
 * The text of a `$` condition as procmail expands it: as if inside double
 * quotes, a `"` switching quoting off and on (procmailrc(5) "Conditions";
 * misc.c conditions()). Constants
 * are substituted (`$\VAR` regex-quoted); other variables become
 * placeholder characters the ERE emitter writes as Sieve variables.
 */
function expandDollar(
  rest: string,
  ctx: CondContext,
  placeholders: Map<number, Placeholder>,
  span: Span,
): { text: string; reasons: Reason[] } | string {
  const reader = new WordReader(new SourceText(span.file, rest), []);
  const parts: WordPart[] = [];
  let i = 0;
  while (i < rest.length) {
    parts.push(...reader.scan(i, 'double'));
    i = reader.end;
    if (i >= rest.length) break;
    // A `"` ends the quoting: plain text up to the next one.
    const close = rest.indexOf('"', i + 1);
    const plain = rest.slice(i + 1, close < 0 ? rest.length : close);
    if (/[\\$`']/.test(plain)) return 'unquoted text with escapes or variables between double quotes in a "$" condition';
    parts.push({ kind: 'text', text: plain, quote: 'none' });
    i = close < 0 ? rest.length : close + 1;
  }
  let text = '';
  const reasons: Reason[] = [];
  const stand = (variable: string, quoted: boolean): string => {
    const code = PLACEHOLDER_BASE + placeholders.size;
    placeholders.set(code, { variable, quoted });
    return String.fromCharCode(code);
  };
  for (const p of parts) {
    switch (p.kind) {
      case 'text':
        text += p.text;
        break;
      case 'var': {
        const s = ctx.vars.get(p.name);
        if (p.op !== '') return `\${${p.name}${p.op}...} in a "$" condition`;
        if (s.kind === 'const') text += s.value;
        else if (s.kind === 'env' && !fromEnvironment(p.name)) reasons.push(...unsetNotes([p.name], span));
        else if (s.kind === 'env') return `$${p.name} comes from procmail's environment, which Sieve does not have`;
        else if (s.kind === 'lost') return `$${p.name}'s assignment (line ${s.line}) is not converted`;
        else {
          reasons.push({
            severity: 'warning',
            code: 'dollar-regex-value',
            message: `the value of ${p.name} is used as a regex: procmail reads it in its own dialect, Sieve as POSIX ERE (write $\\${p.name} to match it as text)`,
            span,
          });
          text += stand(p.name, false);
        }
        break;
      }
      case 'regexvar': {
        const s = ctx.vars.get(p.name);
        if (s.kind === 'const') text += '()' + procmailQuote(s.value);
        else if (s.kind === 'env' && !fromEnvironment(p.name)) {
          reasons.push(...unsetNotes([p.name], span));
          text += '()';
        } else if (s.kind === 'env') return `$\\${p.name}: ${p.name} comes from procmail's environment, which Sieve does not have`;
        else if (s.kind === 'lost') return `$\\${p.name}: its assignment (line ${s.line}) is not converted`;
        else text += stand(p.name, true);
        break;
      }
      case 'special': {
        const s = p.name === '=' ? ctx.vars.get('=') : null;
        if (s?.kind !== 'const') return `$${p.name} (procmail's own value) in a condition`;
        text += s.value;
        break;
      }
      case 'backtick':
        return 'a backquoted command in a condition';
      case 'bad':
        return `a substitution procmail rejects ("${p.text}")`;
    }
  }
  return { text: text.replace(/^[ \t]+/, ''), reasons };
}

/** `$\VAR`: every character the regex dialect gives a meaning is quoted with `\` (regexp.c). */
function procmailQuote(value: string): string {
  return value.replace(/[.[\]()*+?|^$\\]/g, (c) => '\\' + c);
}

// ---------------------------------------------------------------------------
// Regex conditions

function areaOf(area: Area | null, flags: Flags): Area {
  if (area !== null) return area;
  if (flags.H && flags.B) return { kind: 'HB' };
  return flags.B ? { kind: 'B' } : { kind: 'H' };
}

function comparatorArgs(fold: boolean): ReturnType<typeof tag | typeof str>[] {
  return fold ? [] : [tag('comparator'), str('i;octet')];
}

function regexCondition(
  pattern: string,
  negate: boolean,
  areaIn: Area | null,
  span: Span,
  ctx: CondContext,
  placeholders: Map<number, Placeholder>,
): CondResult {
  const area = areaOf(areaIn, ctx.flags);
  const reasons: Reason[] = [];
  let macros = expandMacros(pattern);
  // Read as written (no folding): the comparator does the case-insensitive matching, and the script keeps the rc's spelling.
  let parsed = procRegexTree(macros.pattern, false);
  if (typeof parsed === 'string') {
    // procmail logs "Invalid regexp" and runs what it compiled, which repairRegex reproduces (the engine runs the same).
    const fixed = repairRegex(pattern);
    const fixedMacros = expandMacros(fixed);
    const again = fixed === pattern ? parsed : procRegexTree(fixedMacros.pattern, false);
    if (typeof again === 'string') return fail('invalid-regexp', `procmail reports "Invalid regexp" (${parsed}) and then runs a half-compiled pattern; Sieve cannot do the same`, span);
    reasons.push({ severity: 'note', code: 'invalid-regexp', message: `procmail logs "Invalid regexp" (${parsed}) and then matches as "${fixed}" would, which is what is converted`, span });
    macros = fixedMacros;
    parsed = again;
  }
  const fold = !ctx.flags.D || macros.forceCaseInsensitive;
  const flat = flattenGroups(parsed, SIEVE_MAX_REGEX_NESTING);
  if (flat === null || treeDepth(flat) > SIEVE_MAX_REGEX_NESTING) return fail('regex-nesting', `the pattern nests groups deeper than ${SIEVE_MAX_REGEX_NESTING} levels`, span);
  const tree = simplify(flat);
  // ^FROM_DAEMON and ^FROM_MAILER end "$([^>]|$)": the line ends and the next does not start with ">" (a
  // quoted From_ line). A header field's next line is another field or the blank line, so for a field that is "$".
  const fieldPattern = macros.pattern.split('$([^>]|$)').join('$');
  const fieldTree = fieldPattern === macros.pattern ? tree : simplify(procRegexTree(fieldPattern, false) as Node[][]);
  const warn = (code: string, message: string, severity: 'warning' | 'note' = 'warning'): void => {
    reasons.push({ severity, code, message, span });
  };
  // ^FROM_DAEMON and ^FROM_MAILER alone: their From_ line branch reads the sender then any date (see headerTest).
  const macro = pattern === '^FROM_DAEMON' || pattern === '^FROM_MAILER';
  const prelude: Command[] = [];
  const keys = keysFor(placeholders, prelude, ctx);
  // A pattern that matches the empty string matches any text (procmail: the empty condition is true).
  if (tree.some(seqNullable) && !tree.some(containsBom)) return { ok: true, cond: { test: negate ? FALSE : TRUE, prelude, matchGroup: null, reasons } };
  if (/[\x80-\xff]/.test(macros.pattern)) {
    warn('non-ascii', 'the pattern has bytes above 0x7f: procmail compares bytes, Sieve compares UTF-8 text (after RFC 2047 decoding)');
  }
  let result: { test: Test; matchGroup: number | null; losesMatch?: boolean } | string;
  switch (area.kind) {
    case 'H':
      result = headerTest(fieldTree, fold, keys, warn, macro);
      break;
    case 'B':
      result = textTest(tree, fold, keys, warn, 'body');
      break;
    case 'var': {
      const s = ctx.vars.get(area.name);
      if (s.kind === 'env' && fromEnvironment(area.name)) return fail('env-variable', `"${area.name} ??" tests a variable from procmail's environment, which Sieve does not have`, span);
      if (s.kind === 'env') reasons.push(...unsetNotes([area.name], span));
      if (s.kind === 'lost') return fail('lost-variable', `"${area.name} ??" tests a variable whose assignment (line ${s.line}) is not converted`, span);
      const subject = s.kind === 'const' ? lit(s.value) : s.kind === 'env' ? '' : '${' + area.name + '}';
      result = textTest(tree, fold, keys, warn, subject);
      break;
    }
    case 'HB': {
      if (tree.some(containsBom)) return fail('match-hb', '"\\/" over header and body together: Sieve tests them apart, so it cannot say where MATCH came from', span);
      const h = headerTest(fieldTree, fold, keys, warn, macro);
      const b = textTest(tree, fold, keys, warn, 'body');
      if (typeof h === 'string') result = `header and body together: ${h}`;
      else if (typeof b === 'string') result = b;
      else result = { test: anyof([h.test, b.test]), matchGroup: null };
      break;
    }
  }
  if (typeof result === 'string') return fail('regex', result, span);
  if (area.kind === 'B' && result.test.kind !== 'true' && matchesEmptyText(tree)) {
    // Pigeonhole's body test is false for an empty body whatever the key; procmail matches this pattern there.
    result = { ...result, test: anyof([result.test, not(test('body', [tag('raw'), tag('contains'), str('')], ['body']))]) };
  }
  if (negate && result.matchGroup !== null) {
    warn('match-negated', 'procmail sets MATCH even when a negated condition fails because its regex matched; the converted recipe does not');
  }
  const cond = { test: negate ? not(result.test) : result.test, prelude, matchGroup: negate ? null : result.matchGroup, reasons };
  return { ok: true, cond: result.losesMatch === true ? { ...cond, losesMatch: true } : cond };
}

/**
 * Key strings for the tests: a pattern's literal text in a `:contains`,
 * `:is` or `:matches` key, and the variables standing for `$VAR` values
 * in an ERE.
 */
interface Keys {
  /** Placeholder → Sieve variable, for an ERE (values procmail reads as regexes). */
  readonly regexVars: ReadonlyMap<number, string>;
  /** Literal text (placeholders included) as a key of the match type; null when it holds a value only a regex can use. */
  key(text: string, matchType: 'contains' | 'is' | 'matches'): string | null;
}

function keysFor(placeholders: ReadonlyMap<number, Placeholder>, prelude: Command[], ctx: CondContext): Keys {
  const regexVars = new Map<number, string>();
  for (const [code, p] of placeholders) if (!p.quoted) regexVars.set(code, p.variable);
  const wildcardQuoted = new Map<number, string>();
  return {
    regexVars,
    key(text, matchType) {
      let out = '';
      for (const ch of text) {
        const code = ch.charCodeAt(0);
        const p = placeholders.get(code);
        if (p === undefined) {
          out += lit(matchType === 'matches' ? ch.replace(/[*?\\]/, (c) => '\\' + c) : ch);
          continue;
        }
        if (!p.quoted) return null;
        if (matchType !== 'matches') {
          out += '${' + p.variable + '}';
          continue;
        }
        let q = wildcardQuoted.get(code);
        if (q === undefined) {
          q = ctx.temp(`q_${p.variable}`);
          wildcardQuoted.set(code, q);
          prelude.push(command('set', [tag('quotewildcard'), str(q), str('${' + p.variable + '}')], ['variables']));
        }
        out += '${' + q + '}';
      }
      return out;
    },
  };
}

interface ValueTest {
  readonly matchType: 'exists' | 'contains' | 'matches' | 'is' | 'regex';
  readonly key: string;
  readonly matchGroup: number | null;
}

/** The test of one field's value (alternatives already relative to the value, see valueAlternatives()). */
function valueTest(alts: Node[][], fold: boolean, keys: Keys, warn: (code: string, m: string, severity?: 'warning' | 'note') => void): ValueTest | string {
  const unique = alts.filter((a, i) => alts.findIndex((b) => b.length === a.length && b.every((n, k) => n === a[k])) === i);
  if (unique.some((a) => a.length === 0)) return { matchType: 'exists', key: '', matchGroup: null };
  if (foldSafe(unique, fold) !== true) warn('fold', FOLD_CAVEAT);
  if (unique.length === 1 && !containsBom(unique[0]!)) {
    const a = unique[0]!;
    const dotStar = a[0]?.k === 'star' && a[0].x.k === 'dot';
    const body = dotStar ? a.slice(1) : a;
    const run = literalRun(body);
    const literal = (matchType: 'contains' | 'is' | 'matches', prefix: string, suffix: string): ValueTest | null => {
      const k = keys.key(run!.text, matchType);
      return k === null ? null : { matchType, key: prefix + k + suffix, matchGroup: null };
    };
    if (run !== null) {
      let v: ValueTest | null;
      if (dotStar) {
        if (run.text === '' && !run.toEnd) return { matchType: 'exists', key: '', matchGroup: null };
        v = run.toEnd ? literal('matches', '*', '') : literal('contains', '', '');
      } else v = run.toEnd ? literal('is', '', '') : literal('matches', '', '*');
      if (v !== null) return v;
    }
    if (dotStar) {
      const e = toEre([body], false, { mode: 'field', fold, placeholders: keys.regexVars });
      if (!e.ok) return e.reason;
      e.ere.caveats.forEach((c) => warn('regex', c));
      return { matchType: 'regex', key: e.ere.source, matchGroup: e.ere.matchGroup };
    }
  }
  const e = toEre(unique, true, { mode: 'field', fold, placeholders: keys.regexVars });
  if (!e.ok) return e.reason;
  e.ere.caveats.forEach((c) => warn('regex', c));
  return { matchType: 'regex', key: e.ere.source, matchGroup: e.ere.matchGroup };
}

function fieldTest(names: string[], v: ValueTest, fold: boolean): Test {
  if (v.matchType === 'exists') return test('exists', [list(names)]);
  if (v.matchType === 'regex') return test('header', [tag('regex'), ...comparatorArgs(fold), list(names), str(v.key)], ['regex']);
  return test('header', [tag(v.matchType), ...comparatorArgs(fold), list(names), str(v.key)]);
}

/** The alternatives of the rest of a form, relative to the field's value, and what that assumes. */
function formValue(f: FieldForm, warn: (code: string, m: string) => void): Node[][] | string {
  let rests: Node[][] = [[...f.rest]];
  if (f.kind === 'prefix') {
    warn('field-prefix', `"^${f.name}" without its colon also matches other header lines starting "${f.name}" (longer field names${/^>?from$/i.test(f.name) ? ', the From_ line' : ''}); converted as the ${f.name} field`);
    if (f.rest.length === 0) return [[]];
    const d = derivative(f.rest, 58);
    if (d === null || d.length === 0) return `"^${f.name}" is followed by something other than the colon, so it tests field names longer than "${f.name}"`;
    rests = d;
  }
  const out: Node[][] = [];
  for (const r of rests) {
    const v = valueAlternatives(r);
    if (v === null) return '"\\/" right after the colon: MATCH would start with the blank Sieve removes';
    if (v.note !== null) warn('field-blanks', v.note);
    out.push(...v.alts);
  }
  return out;
}

function headerTest(
  tree: Node[][],
  fold: boolean,
  keys: Keys,
  warn: (code: string, m: string, severity?: 'warning' | 'note') => void,
  macro: boolean,
): { test: Test; matchGroup: number | null } | string {
  // `^`, `$`, `^$`: the header always ends with an empty line (its separator from the body).
  if (tree.some((alt) => alt.length <= 2 && alt.every((n) => n.k === 'nl'))) return { test: TRUE, matchGroup: null };
  const forms = fieldForms(tree);
  if (typeof forms === 'string') return forms;
  if (!fold && forms.some((f) => /[a-z]/i.test(f.name))) {
    warn('field-name-case', 'with D, procmail matches the field name\'s case exactly; Sieve field names ignore case');
  }
  const tests: { key: string; names: string[]; test: (names: string[]) => Test; matchGroup: number | null }[] = [];
  for (const f of forms) {
    if (f.kind === 'fromline') {
      if (macro) {
        // The macro's tail takes " date" as it takes the rest of an address, and no weekday or month name is one of
        // its words: on "From SENDER DATE" it decides as on SENDER. MTAs write MAILER-DAEMON for the null sender.
        warn('from-line', 'the From_ line is tested as the envelope sender (Sieve has no From_ line), the null sender as MAILER-DAEMON, which is how MTAs write it there', 'note');
        const nul = 'envelope-null';
        if (!tests.some((x) => x.key === nul)) tests.push({ key: nul, names: [], test: () => test('envelope', [tag('all'), tag('is'), str('from'), str('')], ['envelope']), matchGroup: null });
      } else if (/^from$/i.test(f.name) && senderOnly(f.rest, fold)) {
        warn('from-line', 'the From_ line is tested as the envelope sender (Sieve has no From_ line): this pattern only reads the start of the sender, and matches neither MAILER-DAEMON (how MTAs write the null sender there) nor an empty sender', 'note');
      } else {
        warn('from-line', 'Sieve sees no From_ line: it is tested as the envelope sender, without the date after it, and a null sender (<>) is empty there where the MTA may have written MAILER-DAEMON');
      }
      const e = f.rest.length === 0 ? null : toEre([[...f.rest]], true, { mode: 'field', fold, placeholders: keys.regexVars });
      if (e !== null && !e.ok) return e.reason;
      e?.ere.caveats.forEach((c) => warn('regex', c));
      const t = e === null ? TRUE : test('envelope', [tag('all'), tag('regex'), ...comparatorArgs(fold), str('from'), str(e.ere.source)], ['envelope', 'regex']);
      const key = 'envelope ' + (e === null ? '' : e.ere.source);
      if (!tests.some((x) => x.key === key)) tests.push({ key, names: [], test: () => t, matchGroup: e === null ? null : e.ere.matchGroup });
      continue;
    }
    const alts = formValue(f, warn);
    if (typeof alts === 'string') return alts;
    const v = valueTest(alts, fold, keys, warn);
    if (typeof v === 'string') return v;
    const key = `${v.matchType} ${v.key}`;
    const name = f.name;
    const same = tests.find((t) => t.key === key);
    if (same !== undefined) {
      if (!same.names.some((n) => n.toLowerCase() === name.toLowerCase())) same.names.push(name);
    } else tests.push({ key, names: [name], test: (names) => fieldTest(names, v, fold), matchGroup: v.matchGroup });
  }
  const withMatch = tests.filter((t) => t.matchGroup !== null);
  if (withMatch.length > 0 && tests.length > 1) return '"\\/" in a pattern that becomes several Sieve tests (which one matched decides MATCH)';
  return { test: anyof(tests.map((t) => t.test(t.names))), matchGroup: withMatch[0]?.matchGroup ?? null };
}

/** A regex over a text with newlines: the body (`body :raw`) or a variable's value (`string`). */
function textTest(
  tree: Node[][],
  fold: boolean,
  keys: Keys,
  warn: (code: string, m: string) => void,
  subject: 'body' | string,
): { test: Test; matchGroup: number | null; losesMatch?: boolean } | string {
  const make = (matchType: string, key: string): Test =>
    subject === 'body'
      ? test('body', [tag('raw'), tag(matchType), ...comparatorArgs(fold), str(key)], matchType === 'regex' ? ['body', 'regex'] : ['body'])
      : test('string', [tag(matchType), ...stringComparator(fold), str(subject), str(key)], matchType === 'regex' ? ['variables', 'regex'] : ['variables']);
  if (tree.length === 1 && tree[0]!.length === 0) return { test: TRUE, matchGroup: null };
  if (tree.length === 1 && !containsBom(tree[0]!)) {
    const run = literalRun(tree[0]!);
    const key = run !== null && !run.toEnd && run.text !== '' ? keys.key(run.text, 'contains') : null;
    if (key !== null) return { test: make('contains', key), matchGroup: null };
  }
  const e = toEre(tree, false, { mode: 'text', fold, placeholders: keys.regexVars });
  if (!e.ok) return e.reason;
  // Sieve's body test sets no match variables: the test decides alike, and MATCH becomes unknown (convert.ts), so
  // what the caveats say about MATCH's value does not apply.
  const losesMatch = subject === 'body' && e.ere.matchGroup !== null;
  e.ere.caveats.forEach((c) => {
    if (!(losesMatch && c.startsWith('MATCH '))) warn('regex', c);
  });
  if (losesMatch) return { test: make('regex', e.ere.source), matchGroup: null, losesMatch: true };
  return { test: make('regex', e.ere.source), matchGroup: e.ere.matchGroup };
}
