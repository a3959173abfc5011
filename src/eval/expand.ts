/**
 * Variable and word expansion (procmailrc(5) "Environment variable
 * substitution"; docs/procmail-semantics.md §1.2, §1.3, §1.6).
 *
 * Words come either pre-parsed from the AST (assignments, folders, forward
 * addresses) or as raw text (a `|` command without SHELLMETAS, a `$`
 * condition, TRAP), which the one word reader reads at run time
 * (src/syntax/word.ts parseWords, parseDoubleQuotedText). Backticks need the
 * world, so every expander is a generator that may yield a `capture` request.
 */
import type { Span } from '../source/span.js';
import type { WordPart, Quote } from '../syntax/ast.js';
import type { G } from './state.js';
import type { VarStore } from './vars.js';

export interface ExpandEnv {
  readonly vars: VarStore;
  /** `$1`…: the -a / -m arguments after SHIFT. */
  readonly args: readonly string[];
  /** `$$ $? $= $_ $- $0 $#` (and digits are handled from `args`). */
  special(name: string): string;
  /** Run a backtick command; the answer's output with ALL trailing newlines stripped, cut at a NUL. */
  capture(command: string, span: Span): G<string>;
  /** `${name%x}` and friends: procmail logs `Bad substitution of "name"`. */
  bad(text: string, span: Span): G<void>;
}


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
