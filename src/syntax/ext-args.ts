/**
 * The argument grammar of the `@` extension lines (README "Extensions"). The
 * lexer decides with it whether a line is an extension at all; the compiler
 * (src/compile/ext-check.ts) turns its text into the value the engine runs,
 * or into diagnostics with offsets into `args`, so what check accepts is
 * exactly what runs.
 *
 *     * @address HEADER[,HEADER...] [authenticated] in FILE
 *     * @sender [authenticated] in FILE
 *     * @loop
 *     * @decoded REGEX
 *     * @auth METHOD=RESULT [PTYPE.PROPERTY=VALUE]...
 *     @discard
 *     @reject "text"
 *     @bounce "text"
 *     @reply "text"
 *     @reply < FILE
 *
 * Text and FILE are one sh-like word: `"double"` (`\"`, `\\`, `\$`, `` \` ``
 * escapes, `$VAR` expanded at run time), `'single'` (literal), or bare. A
 * bare text runs to the end of the line; a bare FILE is one blank-free word.
 */

export type Quote = 'none' | 'single' | 'double';

export interface WordArg {
  /** The text with quotes removed and escapes resolved; `$` not yet expanded. */
  readonly text: string;
  readonly quote: Quote;
}

export type ExtConditionSyntax =
  | { readonly verb: 'address'; readonly headers: readonly string[]; readonly file: WordArg; readonly authenticated: boolean }
  | { readonly verb: 'sender'; readonly file: WordArg; readonly authenticated: boolean }
  | { readonly verb: 'loop' }
  /** The regex, as a regex condition's text: procmail's dialect, searched in the decoded header or text parts. */
  | { readonly verb: 'decoded'; readonly pattern: string }
  | { readonly verb: 'auth'; readonly method: string; readonly result: string; readonly properties: readonly AuthPropertyArg[] };

/** `PTYPE.PROPERTY=VALUE` of `@auth`; the value is a word as FILE is (quotes, `$VAR`). */
export interface AuthPropertyArg {
  readonly ptype: string;
  readonly property: string;
  readonly value: WordArg;
}

export type ExtActionSyntax =
  | { readonly verb: 'discard' }
  | { readonly verb: 'reject' | 'bounce'; readonly text: WordArg }
  | { readonly verb: 'reply'; readonly text: WordArg; readonly file: null }
  | { readonly verb: 'reply'; readonly text: null; readonly file: WordArg };

/** A problem at `offset` (into args; -1 means the verb itself) spanning `length` characters. */
export interface ExtSyntaxError {
  readonly code: string;
  readonly message: string;
  readonly offset: number;
  readonly length: number;
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: readonly ExtSyntaxError[] };

/**
 * The extension verbs: the one list of what `@…` can name. A line is an
 * extension only in its exact form, a listed verb (as written here, lower
 * case) whose arguments parse; any other `@…` line is what procmail reads
 * it as, a regex or a folder name (see exactExtCondition). A new verb is a
 * word here plus the case that parses its arguments below.
 */
export const CONDITION_VERBS = ['address', 'sender', 'loop', 'decoded', 'auth'] as const;
export const ACTION_VERBS = ['discard', 'reject', 'bounce', 'reply'] as const;

/** `@verb` at the start of `text`, followed by a blank or the end, and what follows it (trailing blanks dropped). */
export function splitExtLine(text: string): { readonly verb: string; readonly args: string } | null {
  const m = /^@([A-Za-z][A-Za-z0-9_-]*)(?![^ \t])[ \t]*/.exec(text);
  return m === null ? null : { verb: m[1]!, args: text.slice(m[0].length).replace(/[ \t]+$/, '') };
}

/**
 * The condition extension `text` (after `*` and any `!` or weight) is
 * exactly, or null when procmail's reading of it as a regex stands.
 */
export function exactExtCondition(text: string): { readonly verb: string; readonly args: string } | null {
  const s = splitExtLine(text);
  if (s === null || !(CONDITION_VERBS as readonly string[]).includes(s.verb)) return null;
  return parseExtCondition(s.verb, s.args).ok ? s : null;
}

/** The action extension the action line `text` is exactly, or null when it is procmail's folder name. */
export function exactExtAction(text: string): { readonly verb: string; readonly args: string } | null {
  const s = splitExtLine(text);
  if (s === null || !(ACTION_VERBS as readonly string[]).includes(s.verb)) return null;
  return parseExtAction(s.verb, s.args).ok ? s : null;
}

/**
 * Whether a line that is no extension starts like one: `@` and an
 * extension verb, in any case. `mailrules check` warns about those, as they
 * could be read both ways: as procmail reads them, or as the extension meant.
 */
export function looksLikeExt(text: string): boolean {
  const m = /^@([A-Za-z]+)/.exec(text);
  if (m === null) return false;
  const verb = m[1]!.toLowerCase();
  return (CONDITION_VERBS as readonly string[]).includes(verb) || (ACTION_VERBS as readonly string[]).includes(verb);
}

const BLANK = /[ \t]/;
/** RFC 5322 §3.6.8 field-name: printable US-ASCII except colon. */
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

function fail<T>(code: string, message: string, offset: number, length = 1): Parsed<T> {
  return { ok: false, errors: [{ code, message, offset, length: Math.max(1, length) }] };
}

function skipBlanks(s: string, i: number): number {
  while (i < s.length && BLANK.test(s[i]!)) i++;
  return i;
}

/**
 * Read one word at `i`. `bareToEnd`: an unquoted word runs to the end of
 * the line (texts) instead of to the next blank (file names).
 */
function readWord(args: string, i: number, bareToEnd: boolean): { word: WordArg; end: number } | ExtSyntaxError {
  const q = args[i];
  if (q === '"' || q === "'") {
    let text = '';
    let j = i + 1;
    while (j < args.length && args[j] !== q) {
      // sh double quotes: a backslash escapes only $ ` " \ (POSIX 2.2.3); anything else keeps it.
      if (q === '"' && args[j] === '\\' && j + 1 < args.length && '$`"\\'.includes(args[j + 1]!)) j++;
      text += args[j];
      j++;
    }
    if (j >= args.length) {
      return { code: 'ext-unterminated-quote', message: `unterminated ${q === '"' ? 'double' : 'single'} quote`, offset: i, length: args.length - i };
    }
    return { word: { text, quote: q === '"' ? 'double' : 'single' }, end: j + 1 };
  }
  let j = i;
  if (bareToEnd) j = args.length;
  else while (j < args.length && !BLANK.test(args[j]!)) j++;
  return { word: { text: args.slice(i, j).replace(/[ \t]+$/, ''), quote: 'none' }, end: j };
}

function isError(x: unknown): x is ExtSyntaxError {
  return typeof x === 'object' && x !== null && 'code' in x;
}

/** Parse one word that must be the last thing in `args`. */
function lastWord(args: string, i: number, bareToEnd: boolean, what: string): Parsed<WordArg> {
  const r = readWord(args, i, bareToEnd);
  if (isError(r)) return { ok: false, errors: [r] };
  const rest = skipBlanks(args, r.end);
  if (rest < args.length) {
    const hint = bareToEnd ? '' : ' (quote a name that contains blanks)';
    return fail('ext-trailing-text', `unexpected text after ${what}${hint}`, rest, args.length - rest);
  }
  return { ok: true, value: r.word };
}

/** `in FILE`, starting at `i` (the `in`). */
function inFile(args: string, i: number): Parsed<WordArg> {
  const after = skipBlanks(args, i + 2);
  if (after >= args.length) return fail('ext-missing-file', 'missing FILE after `in`', i, 2);
  const w = lastWord(args, after, false, 'FILE');
  if (w.ok && w.value.text === '') return fail('ext-missing-file', 'empty FILE name', after, args.length - after);
  return w;
}

/** Offset of the keyword `in` as a whole word, or -1. */
function findIn(args: string): number {
  const m = /(^|[ \t])in([ \t]|$)/.exec(args);
  return m ? m.index + m[1]!.length : -1;
}

/** `authenticated` as the last word of `text` (before `in`): where it starts, or -1. */
function authenticatedAt(text: string): number {
  const m = /(^|[ \t])authenticated[ \t]*$/.exec(text);
  return m ? m.index + m[1]!.length : -1;
}

/** RFC 8601 §2.2 Keyword, as far as a method, result, ptype or property name goes. */
const KEYWORD = /^[A-Za-z0-9_-]+$/;

/** `@auth METHOD=RESULT [PTYPE.PROPERTY=VALUE]...` */
function parseAuth(a: string): Parsed<ExtConditionSyntax> {
  let i = skipBlanks(a, 0);
  if (i >= a.length) return fail('ext-missing-result', 'missing METHOD=RESULT after `@auth` (e.g. `@auth dmarc=pass`)', 0, 1);
  let j = i;
  while (j < a.length && !BLANK.test(a[j]!)) j++;
  const first = a.slice(i, j);
  const eq = first.indexOf('=');
  const method = eq < 0 ? '' : first.slice(0, eq);
  const result = eq < 0 ? '' : first.slice(eq + 1);
  if (!KEYWORD.test(method) || !KEYWORD.test(result)) {
    return fail('ext-bad-auth', `expected METHOD=RESULT (e.g. \`dkim=pass\`), not \`${first}\``, i, first.length);
  }
  const properties: AuthPropertyArg[] = [];
  for (i = skipBlanks(a, j); i < a.length; i = skipBlanks(a, i)) {
    const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)=/.exec(a.slice(i));
    if (m === null) {
      let end = i;
      while (end < a.length && !BLANK.test(a[end]!)) end++;
      return fail('ext-bad-auth', `expected PTYPE.PROPERTY=VALUE (e.g. \`header.d=example.com\`), not \`${a.slice(i, end)}\``, i, end - i);
    }
    const at = i + m[0].length;
    if (at >= a.length || BLANK.test(a[at]!)) return fail('ext-bad-auth', `missing value after \`${m[0]}\``, i, m[0].length);
    const w = readWord(a, at, false);
    if (isError(w)) return { ok: false, errors: [w] };
    properties.push({ ptype: m[1]!.toLowerCase(), property: m[2]!.toLowerCase(), value: w.word });
    i = w.end;
    if (i < a.length && !BLANK.test(a[i]!)) return fail('ext-bad-auth', 'expected a blank between properties', i, 1);
  }
  return { ok: true, value: { verb: 'auth', method: method.toLowerCase(), result: result.toLowerCase(), properties } };
}

export function parseExtCondition(verb: string, args: string): Parsed<ExtConditionSyntax> {
  const a = args.replace(/[ \t]+$/, '');
  switch (verb) {
    case 'decoded':
      // The rest of the line is the regex, as written (a regex condition keeps its trailing blanks too).
      if (a.trim() === '') return fail('ext-missing-regex', 'missing REGEX after `@decoded`', 0, 1);
      return { ok: true, value: { verb: 'decoded', pattern: args } };
    case 'auth':
      return parseAuth(a);
    case 'loop':
      if (a.trim() !== '') return fail('ext-trailing-text', '`@loop` takes no arguments (set LOOPID to change what it looks for)', skipBlanks(a, 0), a.length);
      return { ok: true, value: { verb: 'loop' } };
    case 'sender': {
      const start = skipBlanks(a, 0);
      if (start >= a.length) return fail('ext-missing-in', 'missing `in FILE` after `@sender`', 0, 1);
      const at = findIn(a);
      const auth = at < 0 ? -1 : authenticatedAt(a.slice(0, at));
      if (at !== start && auth !== start) return fail('ext-missing-in', 'expected `[authenticated] in FILE` after `@sender`', start, a.length - start);
      const f = inFile(a, at);
      return f.ok ? { ok: true, value: { verb: 'sender', file: f.value, authenticated: auth === start } } : f;
    }
    case 'address': {
      const start = skipBlanks(a, 0);
      if (start >= a.length) return fail('ext-missing-headers', 'missing header list and `in FILE` after `@address`', 0, 1);
      const at = findIn(a);
      if (at < 0) return fail('ext-missing-in', 'missing `in FILE` after the header list', a.length, 1);
      const auth = authenticatedAt(a.slice(0, at));
      const listEnd = auth < 0 ? at : auth;
      if (listEnd === start) return fail('ext-missing-headers', 'missing header list before `in` (e.g. `@address From,Reply-To in FILE`)', start, 2);
      const list = a.slice(start, listEnd).replace(/[ \t]+$/, '');
      const headers: string[] = [];
      const errors: ExtSyntaxError[] = [];
      let pos = start;
      for (const piece of list.split(',')) {
        const lead = piece.length - piece.replace(/^[ \t]+/, '').length;
        const name = piece.trim().replace(/:$/, '');
        const where = pos + lead;
        if (name === '') errors.push({ code: 'ext-bad-header-list', message: 'bad header list: empty header name', offset: where, length: 1 });
        else if (!FIELD_NAME.test(name)) {
          const why = /[ \t]/.test(name) ? 'separate header names with commas' : 'a header name is printable ASCII without `:`';
          errors.push({ code: 'ext-bad-header-list', message: `bad header list: \`${name}\` (${why})`, offset: where, length: piece.trim().length });
        } else headers.push(name);
        pos += piece.length + 1;
      }
      if (errors.length > 0) return { ok: false, errors };
      const f = inFile(a, at);
      return f.ok ? { ok: true, value: { verb: 'address', headers, file: f.value, authenticated: auth >= 0 } } : f;
    }
    default:
      return unknownVerb(verb, 'condition');
  }
}

export function parseExtAction(verb: string, args: string): Parsed<ExtActionSyntax> {
  const a = args.replace(/[ \t]+$/, '');
  const start = skipBlanks(a, 0);
  switch (verb) {
    case 'discard':
      if (start < a.length) return fail('ext-trailing-text', '`@discard` takes no arguments', start, a.length - start);
      return { ok: true, value: { verb: 'discard' } };
    case 'reject':
    case 'bounce':
    case 'reply': {
      if (start >= a.length) {
        const form = verb === 'reply' ? '"text" or `< FILE`' : '"text"';
        return fail('ext-missing-text', `missing text after \`@${verb}\` (expected ${form})`, 0, 1);
      }
      if (verb === 'reply' && a[start] === '<') {
        const after = skipBlanks(a, start + 1);
        if (after >= a.length) return fail('ext-missing-file', 'missing FILE after `<`', start, 1);
        const f = lastWord(a, after, false, 'FILE');
        return f.ok ? { ok: true, value: { verb: 'reply', text: null, file: f.value } } : f;
      }
      const t = lastWord(a, start, true, 'the quoted text');
      if (!t.ok) return t;
      if (t.value.text.trim() === '') return fail('ext-missing-text', `empty text after \`@${verb}\``, start, a.length - start);
      return verb === 'reply'
        ? { ok: true, value: { verb: 'reply', text: t.value, file: null } }
        : { ok: true, value: { verb, text: t.value } };
    }
    default:
      return unknownVerb(verb, 'action');
  }
}

function unknownVerb<T>(verb: string, where: 'condition' | 'action'): Parsed<T> {
  const mine = where === 'condition' ? CONDITION_VERBS : ACTION_VERBS;
  const other = where === 'condition' ? ACTION_VERBS : CONDITION_VERBS;
  const list = mine.map((v) => `@${v}`).join(', ');
  const message = (other as readonly string[]).includes(verb)
    ? where === 'condition'
      ? `\`@${verb}\` is an action, not a condition (conditions: ${list})`
      : `\`@${verb}\` is a condition, not an action (actions: ${list})`
    : verb === ''
      ? `missing extension name after \`@\` (${where}s: ${list})`
      : `unknown extension ${where} \`@${verb}\` (expected ${list})`;
  return fail(`ext-unknown-${where}`, message, -1, verb.length + 1);
}
