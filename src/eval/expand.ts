/**
 * Variable and word expansion (procmailrc(5) "Environment variable
 * substitution"; docs/procmail-semantics.md §1.2, §1.3, §1.6).
 *
 * Words come either pre-parsed from the AST (assignments, folders, forward
 * addresses) or as raw text (a `|` command without SHELLMETAS, a `$`
 * condition, TRAP), which `parseWords` tokenises with procmail's sh-like
 * rules. Backticks need the world, so every expander is a generator that may
 * yield a `capture` request.
 */
import type { Span } from '../source/span.js';
import type { WordPart, Quote } from '../syntax/ast.js';
import { WORD_BREAK } from '../syntax/word.js';
import type { Answer, Request } from './requests.js';
import type { VarStore } from './vars.js';

export interface ExpandEnv {
  readonly vars: VarStore;
  /** `$1`…: the -a / -m arguments after SHIFT. */
  readonly args: readonly string[];
  /** `$$ $? $= $_ $- $0 $#` (and digits are handled from `args`). */
  special(name: string): string;
  /** Run a backtick command; the answer's output with ALL trailing newlines stripped, cut at a NUL. */
  capture(command: string, span: Span): Generator<Request, string, Answer>;
  /** `${name%x}` and friends: procmail logs `Bad substitution of "name"`. */
  bad(text: string, span: Span): Generator<Request, void, Answer>;
}

type G<T> = Generator<Request, T, Answer>;

/** The characters `$\name` backslashes (docs/procmail-semantics.md §1.3). */
const REGEX_SPECIALS = new Set(['(', '|', ')', '*', '?', '+', '.', '^', '$', '[', '\\']);

/** `$\name`: `()` then the value with regex specials backslashed. */
export function regexQuote(value: string): string {
  let out = '()';
  for (const c of value) out += REGEX_SPECIALS.has(c) ? '\\' + c : c;
  return out;
}

/** procmail splits on space, tab and newline only; IFS is ignored (docs/procmail-semantics.md §1.3). */
export function splitBlanks(s: string): string[] {
  return s.split(/[ \t\n]+/).filter((w) => w !== '');
}

/** Strip every trailing newline and cut at the first NUL (backticks, docs/procmail-semantics.md §1.2). */
export function backtickValue(output: string): string {
  const nul = output.indexOf('\0');
  const s = nul < 0 ? output : output.slice(0, nul);
  return s.replace(/\n+$/, '');
}

/** `VAR=| cmd`: exactly one trailing newline stripped (variables.c retStdout). */
export function captureValue(output: string): string {
  const nul = output.indexOf('\0');
  const s = nul < 0 ? output : output.slice(0, nul);
  return s.endsWith('\n') ? s.slice(0, -1) : s;
}

// ---------------------------------------------------------------------------
// Expansion of parsed parts
// ---------------------------------------------------------------------------

/** One piece of a word: `split` pieces are field-split, the others are glued as-is. */
interface Piece {
  readonly text: string;
  readonly split: boolean;
  /** `"$@"`: the arguments as separate words. */
  readonly argList?: readonly string[];
}

function* pieces(parts: readonly WordPart[], env: ExpandEnv, inheritedQuote: Quote | null): G<Piece[]> {
  const out: Piece[] = [];
  for (const p of parts) {
    const quoted = (inheritedQuote ?? p.quote) !== 'none';
    switch (p.kind) {
      case 'text':
        // Text parts come with quotes already resolved and are glued; blanks
        // in one are literal (`\ `), except a word break inside an unquoted
        // `${name:-a b}` (syntax/word.ts WORD_BREAK).
        out.push({ text: p.text, split: p.split === true && !quoted });
        break;
      case 'var': {
        const v = env.vars.get(p.name);
        let alt: boolean | null = null;
        switch (p.op) {
          case '':
            break;
          case ':-':
            alt = v === undefined || v === '';
            break;
          case '-':
            alt = v === undefined;
            break;
          case ':+':
            alt = v !== undefined && v !== '';
            break;
          case '+':
            alt = v !== undefined;
            break;
        }
        const usesAlt = p.op === ':-' || p.op === '-' ? alt === true : p.op === ':+' || p.op === '+' ? alt === true : false;
        if (p.op === ':+' || p.op === '+') {
          if (usesAlt && p.alt) out.push(...(yield* pieces(p.alt, env, quoted ? 'double' : null)));
        } else if (usesAlt && p.alt) {
          out.push(...(yield* pieces(p.alt, env, quoted ? 'double' : null)));
        } else {
          out.push({ text: v ?? '', split: !quoted });
        }
        break;
      }
      case 'regexvar':
        out.push({ text: regexQuote(env.vars.str(p.name)), split: !quoted });
        break;
      case 'special':
        if (p.name === '@') {
          if (quoted) out.push({ text: '', split: false, argList: env.args });
          else out.push({ text: env.args.join(' '), split: true });
        } else if (/^[1-9]$/.test(p.name)) {
          out.push({ text: env.args[Number(p.name) - 1] ?? '', split: !quoted });
        } else {
          out.push({ text: env.special(p.name), split: !quoted });
        }
        break;
      case 'backtick':
        out.push({ text: yield* env.capture(p.command, p.span), split: !quoted });
        break;
      case 'bad':
        yield* env.bad(p.text, p.span);
        break;
    }
  }
  return out;
}

/** Expand without word splitting (assignments, lockfile names, `$` conditions). */
export function* expandString(parts: readonly WordPart[], env: ExpandEnv): G<string> {
  const ps = yield* pieces(parts, env, null);
  return ps.map((p) => (p.argList ? p.argList.join(' ') : p.text)).join('');
}

/**
 * Expand with word splitting, as procmail does for action lines and program
 * argument lists (docs/procmail-semantics.md §1.3). `argv` enables `"$@"` (only meaningful
 * in a program argument list executed without a shell, §1.3).
 */
export function* expandWords(parts: readonly WordPart[], env: ExpandEnv, argv: boolean): G<string[]> {
  const ps = yield* pieces(parts, env, null);
  const words: string[] = [];
  let cur: string | null = null;
  // A word exists once any quoted part was seen, even an empty one (`""`).
  // `"$@"` with no arguments gives no word at all, as in sh, so the empty
  // quoted text around it does not count.
  const hasArgList = parts.some((p) => p.kind === 'special' && p.name === '@' && p.quote !== 'none');
  let sawQuoted = parts.some(
    (p) => p.quote !== 'none' && !(p.kind === 'special' && p.name === '@') && !(hasArgList && p.kind === 'text' && p.text === ''),
  );
  for (const p of ps) {
    if (p.argList) {
      if (!argv) {
        cur = (cur ?? '') + p.argList.join(' ');
        continue;
      }
      const list = p.argList;
      if (list.length === 0) continue;
      cur = (cur ?? '') + list[0];
      for (let i = 1; i < list.length; i++) {
        words.push(cur);
        cur = list[i]!;
      }
      continue;
    }
    if (!p.split) {
      cur = (cur ?? '') + p.text;
      continue;
    }
    const fields = p.text.split(/[ \t\n]+/);
    for (let i = 0; i < fields.length; i++) {
      if (i > 0 && cur !== null) {
        if (cur !== '' || sawQuoted) words.push(cur);
        cur = null;
        sawQuoted = false;
      }
      if (fields[i] !== '') cur = (cur ?? '') + fields[i];
    }
  }
  if (cur !== null && (cur !== '' || sawQuoted)) words.push(cur);
  return words;
}

// ---------------------------------------------------------------------------
// Tokenising raw text with procmail's sh-like rules (goodies.c readparse)
// ---------------------------------------------------------------------------

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
const SPECIALS = new Set(['#', '@', '$', '?', '=', '_', '-', '0']);

interface Cursor {
  readonly text: string;
  i: number;
  readonly span: Span;
}

/**
 * Split raw text into words of parts: blanks separate words outside quotes,
 * `'…'` is literal, `"…"` expands, `\x` outside quotes is `x`, `\`+newline
 * joins, and `#` at the start of a word starts a comment.
 */
export function parseWords(text: string, span: Span): WordPart[][] {
  const c: Cursor = { text, i: 0, span };
  const words: WordPart[][] = [];
  let cur: WordPart[] | null = null;
  while (c.i < text.length) {
    const ch = text[c.i]!;
    if (ch === ' ' || ch === '\t' || ch === '\n') {
      if (cur) words.push(cur);
      cur = null;
      c.i++;
      continue;
    }
    if (cur === null && ch === '#') {
      const nl = text.indexOf('\n', c.i);
      c.i = nl < 0 ? text.length : nl;
      continue;
    }
    cur ??= [];
    if (ch === '"') {
      c.i++;
      const parts = parseQuoted(c, '"');
      // An empty "" still makes a word.
      cur.push({ kind: 'text', text: '', quote: 'double' }, ...parts);
    } else readUnquoted(c, cur);
  }
  if (cur) words.push(cur);
  return words;
}

/**
 * The text of a `$` condition, read "as if inside double quotes" (docs/procmail-semantics.md
 * §1.5; misc.c replaces the `$` with `"` and reparses): a `"` toggles
 * quoting and is consumed, blanks are kept, `\$` gives `$`.
 */
export function parseDoubleQuotedText(text: string, span: Span): WordPart[] {
  const c: Cursor = { text, i: 0, span };
  const out: WordPart[] = [];
  while (c.i < text.length) {
    out.push(...parseQuoted(c, '"'));
    if (c.i >= text.length) break;
    // A closing quote was consumed: read unquoted until the next `"`.
    while (c.i < text.length && text[c.i] !== '"') readUnquoted(c, out);
    if (c.i < text.length) c.i++; // reopening quote
  }
  return out;
}

/**
 * One construct outside quotes at the cursor, as both tokenisers read it:
 * `\x` is `x` (`\`+newline joins), `'…'` is literal, `$…` and `` `…` ``
 * are substitutions, any other character is itself.
 */
function readUnquoted(c: Cursor, out: WordPart[]): void {
  const text = c.text;
  const ch = text[c.i]!;
  if (ch === '\\') {
    const next = text[c.i + 1];
    if (next === '\n') c.i += 2;
    else if (next === undefined) c.i++;
    else {
      pushText(out, next, 'none');
      c.i += 2;
    }
  } else if (ch === "'") {
    const end = text.indexOf("'", c.i + 1);
    pushText(out, end < 0 ? text.slice(c.i + 1) : text.slice(c.i + 1, end), 'single');
    c.i = end < 0 ? text.length : end + 1;
  } else if (ch === '$') out.push(...parseDollar(c, 'none'));
  else if (ch === '`') out.push(parseBacktick(c, 'none'));
  else {
    pushText(out, ch, 'none');
    c.i++;
  }
}

function pushText(parts: WordPart[], s: string, quote: Quote): void {
  const last = parts[parts.length - 1];
  if (last && last.kind === 'text' && last.quote === quote) {
    parts[parts.length - 1] = { kind: 'text', text: last.text + s, quote };
  } else parts.push({ kind: 'text', text: s, quote });
}

/** Inside double quotes up to (and consuming) `close`: `\\ \$ \` \"` are escapes, other `\x` stay. */
function parseQuoted(c: Cursor, close: string | null): WordPart[] {
  const out: WordPart[] = [];
  const t = c.text;
  while (c.i < t.length) {
    const ch = t[c.i]!;
    if (close !== null && ch === close) {
      c.i++;
      return out;
    }
    if (ch === '\\') {
      const next = t[c.i + 1];
      if (next === '\n') c.i += 2;
      else if (next === '\\' || next === '$' || next === '`' || next === '"') {
        pushText(out, next, 'double');
        c.i += 2;
      } else {
        pushText(out, '\\', 'double');
        c.i++;
      }
    } else if (ch === '$') out.push(...parseDollar(c, 'double'));
    else if (ch === '`') out.push(parseBacktick(c, 'double'));
    else {
      pushText(out, ch, 'double');
      c.i++;
    }
  }
  return out;
}

function subSpan(c: Cursor, from: number): Span {
  return { ...c.span, start: c.span.start + from, end: c.span.start + c.i };
}

function parseBacktick(c: Cursor, quote: Quote): WordPart {
  const start = c.i;
  const t = c.text;
  c.i++;
  let cmd = '';
  while (c.i < t.length && t[c.i] !== '`') {
    if (t[c.i] === '\\' && (t[c.i + 1] === '`' || t[c.i + 1] === '\\' || t[c.i + 1] === '$')) {
      cmd += t[c.i + 1];
      c.i += 2;
    } else cmd += t[c.i++];
  }
  c.i++;
  return { kind: 'backtick', command: cmd, quote, span: subSpan(c, start) };
}

function parseDollar(c: Cursor, quote: Quote): WordPart[] {
  const t = c.text;
  const start = c.i;
  const next = t[c.i + 1];
  if (next === undefined) {
    c.i++;
    return [{ kind: 'text', text: '$', quote }];
  }
  if (next === '{') {
    let j = c.i + 2;
    if (!NAME_START.test(t[j] ?? '')) return badUntilBrace(c, quote, start);
    while (NAME_CHAR.test(t[j] ?? '')) j++;
    const name = t.slice(c.i + 2, j);
    if (t[j] === '}') {
      c.i = j + 1;
      return [{ kind: 'var', name, quote, op: '', alt: null, span: subSpan(c, start) }];
    }
    let op: '' | ':-' | '-' | ':+' | '+' | null = null;
    if (t.startsWith(':-', j)) op = ':-';
    else if (t.startsWith(':+', j)) op = ':+';
    else if (t[j] === '-') op = '-';
    else if (t[j] === '+') op = '+';
    if (op === null) return badUntilBrace(c, quote, start, name);
    const altStart = j + op.length;
    const altEnd = matchingBrace(t, altStart);
    const altText = t.slice(altStart, altEnd);
    const inner: Cursor = { text: altText, i: 0, span: c.span };
    // Within double quotes nested quotes stay literal (docs/procmail-semantics.md §1.3).
    const alt = quote === 'double' ? parseQuoted(inner, null) : parseWords(altText, c.span).flatMap((w, k) => (k > 0 ? [WORD_BREAK, ...w] : w));
    c.i = Math.min(t.length, altEnd + 1);
    return [{ kind: 'var', name, quote, op, alt, span: subSpan(c, start) }];
  }
  if (next === '\\' && NAME_START.test(t[c.i + 2] ?? '')) {
    let j = c.i + 2;
    while (NAME_CHAR.test(t[j] ?? '')) j++;
    const name = t.slice(c.i + 2, j);
    c.i = j;
    return [{ kind: 'regexvar', name, quote, span: subSpan(c, start) }];
  }
  if (/[1-9]/.test(next) || SPECIALS.has(next)) {
    c.i += 2;
    return [{ kind: 'special', name: next, quote, span: subSpan(c, start) }];
  }
  if (NAME_START.test(next)) {
    let j = c.i + 1;
    while (NAME_CHAR.test(t[j] ?? '')) j++;
    const name = t.slice(c.i + 1, j);
    c.i = j;
    return [{ kind: 'var', name, quote, op: '', alt: null, span: subSpan(c, start) }];
  }
  c.i++;
  return [{ kind: 'text', text: '$', quote }];
}

/**
 * `${name` followed by something else than `}` `-` `+` `:-` `:+`: procmail
 * (goodies.c) logs `Bad substitution of "name"` (the name read as letters
 * and digits), drops the character after the name (`:` and the one after
 * it) and reads on: `${A%x}y` gives `x}y` (verified). Same rule as
 * src/syntax/word.ts.
 */
function badUntilBrace(c: Cursor, quote: Quote, start: number, _name?: string): WordPart[] {
  const t = c.text;
  let j = c.i + 2;
  while (/[A-Za-z0-9_]/.test(t[j] ?? '')) j++;
  const text = t.slice(c.i + 2, j);
  if (t[j] === ':') j++;
  if (j < t.length && t[j] !== '\n') j++;
  c.i = j;
  return [{ kind: 'bad', text, quote, span: subSpan(c, start) }];
}

/** Index of the `}` closing a `${`, counting nested `${…}`. */
function matchingBrace(t: string, from: number): number {
  let depth = 0;
  for (let j = from; j < t.length; j++) {
    if (t[j] === '\\') {
      j++;
      continue;
    }
    if (t[j] === '$' && t[j + 1] === '{') {
      depth++;
      j++;
    } else if (t[j] === '}') {
      if (depth === 0) return j;
      depth--;
    }
  }
  return t.length;
}
