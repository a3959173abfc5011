/**
 * sh-like words as procmail reads them (procmailrc(5) "Environment variable
 * substitution"; docs/procmail-semantics.md §1.2, §1.3; goodies.c readparse):
 * quotes, backslashes, `$` forms and backquotes become WordParts. Nothing is
 * expanded here; src/eval does that.
 *
 * One reader serves assignments (one word, like procmail's readparse with
 * sarg=1) and action lines, forward addresses and header lockfiles (words up
 * to the end of the line, with a `#` at the start of a word beginning a
 * comment), and, at run time, command texts (parseWords) and the text of a
 * `$` condition (parseDoubleQuotedText).
 */
import { diagnostic, type Diagnostic } from '../source/diagnostic.js';
import type { Span } from '../source/span.js';
import type { Quote, Word, WordPart } from './ast.js';
import { shared } from './shared-strings.js';

/** A text the reader reads, and how an offset range in it becomes a span (source-text.ts SourceText for an rc file). */
export interface SpannedText {
  readonly text: string;
  span(start: number, end: number): Span;
}

const NAME_START = /[A-Za-z_]/;
/*
 * Runs of characters are found with sticky regexes rather than a loop over
 * the characters: a check reads a big file once, mostly before the loop's
 * code is optimized, while the regex engine runs compiled code from its
 * second use (bench/parse.mjs). Fixed character classes: linear time.
 */
const NAME_RUN = /[A-Za-z0-9_]*/y;
/** Not a blank, newline, quote, backslash, `$`, backquote or `}`: literal in every context. */
const PLAIN_RUN = /[^ \t\n\\$`'"}]*/y;

/** The end of the run of name characters (letters, digits, `_`) from `i`. */
export function nameCharsEnd(text: string, i: number): number {
  NAME_RUN.lastIndex = i;
  NAME_RUN.test(text);
  return NAME_RUN.lastIndex;
}
const SPECIALS = '#@$?=-';

export interface WordsRead {
  readonly words: Word[];
  /** Offset just past what was consumed: a newline or the end of text, or (single) the blank after the word. */
  readonly end: number;
}

/**
 * Where a run of parts stops: a word at a blank, a double-quoted text at
 * its `"`, the text of `${name:-text}` at its `}`; `text` is the unquoted
 * stretch of a `$` condition, which keeps its blanks and stops at a `"`.
 */
type Context = 'word' | 'double' | 'alt-word' | 'alt-double' | 'text';

export function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t';
}

/** Skip blanks and `\`+newline pairs (which procmail treats as nothing between words). */
export function skipBlanks(text: string, i: number): number {
  for (;;) {
    const c = text[i];
    if (isBlank(c)) i++;
    else if (c === '\\' && text[i + 1] === '\n') i += 2;
    else return i;
  }
}

/**
 * Read sh words starting at `pos`. With `single`, read exactly one word (an
 * assignment value: it may be empty, and the blank after it ends it). Without,
 * read words to the end of the line; a `#` at the start of a word comments
 * out the rest of the line.
 */
export function readWords(src: SpannedText, pos: number, single: boolean, diags: Diagnostic[]): WordsRead {
  return new WordReader(src, diags).words(pos, single);
}

/*
 * Words and parts are collected on these stacks and copied out at the end:
 * the copy has no spare capacity, whereas an array grown by push keeps room
 * for 16 more elements. The AST keeps tens of thousands of one-element
 * arrays, and allocating and then copying that slack on every young-generation
 * GC was a large part of the time to check a big rc file (bench/parse.mjs).
 * A nested scan (`"…"`, `${x:-…}`) stacks its parts above its caller's.
 */
const pendingWords: Word[] = [];
const pendingParts: WordPart[] = [];

/** Offset of the newline ending the line that contains `i` (or the text length). */
export function lineEnd(text: string, i: number): number {
  const nl = text.indexOf('\n', i);
  return nl < 0 ? text.length : nl;
}

/** The text a word would have if it contained no `$` or backquote; null when it does. */
export function literalText(word: Word): string | null {
  const parts = word.parts;
  // An index loop: no iterator, which costs while the code is not yet optimized (a check runs it per recipe).
  let s = '';
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.kind !== 'text') return null;
    s += p.text;
  }
  return s;
}

/** Reads the words of one text; the lexer keeps one for the whole file. */
export class WordReader {
  private readonly text: string;
  /** Where the last scan() stopped. */
  end = 0;
  /** Reading one word (an assignment value) rather than the words of a line. */
  private single = false;

  constructor(
    private readonly src: SpannedText,
    private readonly diags: Diagnostic[],
  ) {
    this.text = src.text;
  }

  /** readWords() from `pos`. */
  words(pos: number, single: boolean): WordsRead {
    const text = this.text;
    // Nothing is being read when we get here: clear what an exception may have left.
    if (pendingParts.length !== 0) pendingParts.length = 0;
    if (pendingWords.length !== 0) pendingWords.length = 0;
    let i = skipBlanks(text, pos);
    this.single = single;
    for (;;) {
      const c = text[i];
      if (c === undefined || c === '\n' || (c === '#' && !single)) {
        if (c === '#') i = lineEnd(text, i);
        if (single) return { words: [this.word([], pos, pos)], end: pos };
        return { words: takeFrom(pendingWords, 0), end: i };
      }
      if (c === '#' && single) return { words: [this.word([], pos, pos)], end: pos };
      const start = i;
      const parts = this.scan(i, 'word');
      const end = this.end;
      if (single) return { words: [this.word(parts, start, end)], end };
      const word = this.word(parts, start, end);
      i = skipBlanks(text, end);
      // The usual action line, one word: no stack (takeFrom() costs until the code is optimized).
      const next = text.charCodeAt(i);
      if (pendingWords.length === 0 && (next === 0x0a || i >= text.length)) return { words: [word], end: i };
      pendingWords.push(word);
    }
  }

  /**
   * parseWords(): the words of the whole text, a newline separating words as
   * a blank does, a `#` at the start of a word commenting out its line.
   */
  commandWords(): WordPart[][] {
    const text = this.text;
    this.single = false;
    const words: WordPart[][] = [];
    let i = 0;
    for (;;) {
      i = skipBlanks(text, i);
      const c = text[i];
      if (c === undefined) return words;
      if (c === '\n') i++;
      else if (c === '#') i = lineEnd(text, i);
      else {
        words.push(this.scan(i, 'word'));
        i = this.end;
      }
    }
  }

  /** parseDoubleQuotedText(): the whole text, starting inside double quotes, each `"` toggling them. */
  doubleQuotedText(): WordPart[] {
    const text = this.text;
    this.single = false;
    const out: WordPart[] = [];
    let quoted = true;
    for (let i = 0; i < text.length; quoted = !quoted) {
      const parts = this.scan(i, quoted ? 'double' : 'text');
      for (let k = 0; k < parts.length; k++) out.push(parts[k]!);
      // Past the `"` that ended this stretch.
      i = this.end + 1;
    }
    return out;
  }

  /**
   * A word that is a single part shares what it can with the part: the text
   * of plain text (the same characters, as no quote or escape was removed:
   * each would make it shorter), the span of a `$` form. The AST keeps every
   * word, and every young-generation GC copies what it keeps (bench/parse.mjs).
   */
  word(parts: WordPart[], start: number, end: number): Word {
    const only = parts.length === 1 ? parts[0]! : undefined;
    if (only !== undefined) {
      if (only.kind === 'text') {
        if (only.quote === 'none' && only.text.length === end - start) return { span: this.src.span(start, end), raw: only.text, parts };
      } else if (only.span.start === start && only.span.end === end) {
        return { span: only.span, raw: this.text.slice(start, end), parts };
      }
    }
    return { span: this.src.span(start, end), raw: this.text.slice(start, end), parts };
  }

  /**
   * Read parts from `i` until the context's terminator (not consumed; its
   * offset is left in `end`). `started`: the word already has something
   * (for the text of a `${name:-text}`, which goodies.c readparse reads
   * with the state of the word around it).
   */
  scan(i: number, ctx: Context, started = false): WordPart[] {
    const text = this.text;
    const len = text.length;
    const parts = pendingParts;
    const base = parts.length;
    const quote: Quote = ctx === 'double' || ctx === 'alt-double' ? 'double' : 'none';
    const blankEnds = ctx === 'word' || ctx === 'alt-word';
    const braceEnds = ctx === 'alt-word' || ctx === 'alt-double';
    const quoteEnds = ctx === 'double' || ctx === 'text';
    if (ctx === 'word') {
      // The usual word, all plain characters: one text part, taken as one slice.
      PLAIN_RUN.lastIndex = i;
      PLAIN_RUN.test(text);
      const j = PLAIN_RUN.lastIndex;
      const t = text.charCodeAt(j);
      if (j > i && (j >= len || t === 0x20 || t === 0x09 || t === 0x0a)) {
        this.end = j;
        return [{ kind: 'text', text: text.slice(i, j), quote: 'none' }];
      }
    }
    // Literal text not yet in `parts`, appended to the last text part of the same quoting.
    let buf = '';
    while (i < len) {
      const c = text.charCodeAt(i);
      if (ctx === 'alt-word' && (c === 0x20 || c === 0x09)) {
        // goodies.c readparse: blanks before the word's first character are
        // skipped, also inside `${name:-…}` (`${DATE:- "date"}` is `date`).
        // After it, a blank ends an assignment's value (the `}` is read as
        // the next statement), and in an action line separates two words
        // without leaving the braces (`${U:- a b}` is `a` and `b`).
        if (!started) {
          i++;
          continue;
        }
        if (this.single) break;
        buf = flushText(parts, base, buf, quote);
        while (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x09) i++;
        parts.push(WORD_BREAK);
        started = false;
        continue;
      }
      if (blankEnds && (c === 0x20 || c === 0x09 || c === 0x0a)) break;
      const before = started;
      started = true;
      if (quoteEnds && c === 0x22) break;
      if (braceEnds && c === 0x7d) break;
      if (c === 0x5c /* \ */) {
        const n = text[i + 1];
        if (n === '\n') {
          i += 2; // backslash-newline joins lines (docs/procmail-semantics.md §1.2)
        } else if (n === undefined) {
          buf += '\\';
          i++;
        } else if (quote === 'none' || '\\$`"'.includes(n)) {
          buf += n;
          i += 2;
        } else {
          buf += '\\'; // inside "…", `\x` stays `\x`
          i++;
        }
      } else if (c === 0x24 /* $ */) {
        const r = this.dollar(i, quote, before);
        if (r.part.kind === 'text') buf += r.part.text;
        else {
          buf = flushText(parts, base, buf, quote);
          parts.push(r.part);
        }
        i = r.end;
      } else if (c === 0x60 /* ` */) {
        const r = this.backtick(i, quote);
        buf = flushText(parts, base, buf, quote);
        parts.push(r.part);
        i = r.end;
      } else if (c === 0x27 /* ' */ && quote === 'none') {
        const close = text.indexOf("'", i + 1);
        const end = close < 0 ? len : close;
        buf = flushText(parts, base, buf, quote);
        appendText(parts, base, text.slice(i + 1, end), 'single');
        i = close < 0 ? end : end + 1;
      } else if (c === 0x22 /* " */ && blankEnds) {
        buf = flushText(parts, base, buf, quote);
        const inner = this.scan(i + 1, 'double');
        for (let k = 0; k < inner.length; k++) {
          const p = inner[k]!;
          if (p.kind === 'text') appendText(parts, base, p.text, p.quote);
          else parts.push(p);
        }
        // An empty "" still contributes an (empty) double-quoted part, so `A=""` keeps its quoting.
        if (ctx === 'word' && inner.length === 0) parts.push({ kind: 'text', text: '', quote: 'double' });
        i = text.charCodeAt(this.end) === 0x22 ? this.end + 1 : this.end;
      } else {
        // A run of characters that mean nothing special in any context, taken as one slice.
        PLAIN_RUN.lastIndex = i + 1;
        PLAIN_RUN.test(text);
        const j = PLAIN_RUN.lastIndex;
        buf += text.slice(i, j);
        i = j;
      }
    }
    flushText(parts, base, buf, quote);
    this.end = i;
    return takeFrom(parts, base);
  }

  /** `$…` at `i`. A `$` that starts no substitution is literal text. */
  private dollar(i: number, quote: Quote, started: boolean): { part: WordPart; end: number } {
    const text = this.text;
    const n = text[i + 1];
    if (n === '{') return this.braced(i, quote, started);
    if (n === '\\' && text[i + 2] !== undefined && NAME_START.test(text[i + 2]!)) {
      const end = nameEnd(text, i + 2);
      return { part: { kind: 'regexvar', name: shared(text.slice(i + 2, end)), quote, span: this.src.span(i, end) }, end };
    }
    // `$_` is the rcfile's name whatever follows: `$_foo` is `$_` then `foo` (goodies.c; verified).
    if (n === '_') return { part: { kind: 'special', name: '_', quote, span: this.src.span(i, i + 2) }, end: i + 2 };
    if (n !== undefined && NAME_START.test(n)) {
      const end = nameEnd(text, i + 1);
      return { part: { kind: 'var', name: shared(text.slice(i + 1, end)), quote, op: '', alt: null, span: this.src.span(i, end) }, end };
    }
    if (n !== undefined && (/[0-9]/.test(n) || SPECIALS.includes(n))) {
      return { part: { kind: 'special', name: n, quote, span: this.src.span(i, i + 2) }, end: i + 2 };
    }
    return { part: { kind: 'text', text: '$', quote }, end: i + 1 };
  }

  /** `${name}`, `${name:-alt}` and friends; anything else is a Bad substitution (docs/procmail-semantics.md §1.3). */
  private braced(i: number, quote: Quote, started: boolean): { part: WordPart; end: number } {
    const text = this.text;
    const nameStart = i + 2;
    const end = NAME_START.test(text[nameStart] ?? '') ? nameEnd(text, nameStart) : nameStart;
    const name = shared(text.slice(nameStart, end));
    let op: '' | ':-' | '-' | ':+' | '+' | null = null;
    let after = end;
    if (name !== '') {
      const two = text.slice(end, end + 2);
      if (text[end] === '}') op = '';
      else if (two === ':-' || two === ':+') {
        // The literal, not the slice: the AST would keep one string per `${x:-y}`.
        op = two === ':-' ? ':-' : ':+';
        after = end + 2;
      } else if (text[end] === '-' || text[end] === '+') {
        op = text[end] as '-' | '+';
        after = end + 1;
      }
    }
    if (op === null) {
      // procmail (goodies.c) reads the name as letters and digits, drops the
      // character after it (`:` and the one after that) and goes on with the
      // rest as text: `${A%x}y` gives `x}y`, `${10}` gives '' (verified).
      let nameStop = nameStart;
      while (/[A-Za-z0-9_]/.test(text[nameStop] ?? '')) nameStop++;
      const shown = text.slice(nameStart, nameStop);
      let stop = nameStop;
      if (text[stop] === ':') stop++;
      if (stop < text.length && text[stop] !== '\n') stop++;
      const span = this.src.span(i, stop);
      this.diags.push(diagnostic('error', 'bad-substitution', `Bad substitution of "${shown}"`, span));
      return { part: { kind: 'bad', text: shown, quote, span }, end: stop };
    }
    if (op === '') {
      return { part: { kind: 'var', name, quote, op, alt: null, span: this.src.span(i, end + 1) }, end: end + 1 };
    }
    const alt = this.scan(after, quote === 'double' ? 'alt-double' : 'alt-word', started);
    const stop = text[this.end] === '}' ? this.end + 1 : this.end;
    return { part: { kind: 'var', name, quote, op, alt, span: this.src.span(i, stop) }, end: stop };
  }

  /** `` `command` ``: the text up to the closing backquote, with sh's escapes inside resolved. */
  private backtick(i: number, quote: Quote): { part: WordPart; end: number } {
    const text = this.text;
    let j = i + 1;
    let command = '';
    while (j < text.length && text[j] !== '`') {
      const c = text[j]!;
      const n = text[j + 1];
      if (c === '\\' && n !== undefined && ('\\$`'.includes(n) || (quote === 'double' && n === '"'))) {
        command += n;
        j += 2;
      } else {
        command += c;
        j++;
      }
    }
    const end = j < text.length ? j + 1 : j;
    return { part: { kind: 'backtick', command, quote, span: this.src.span(i, end) }, end };
  }
}

/** Offsets into a text read at run time, as spans within the rc text it came from (`within`). */
class TextWithin implements SpannedText {
  constructor(
    readonly text: string,
    private readonly within: Span,
  ) {}

  span(start: number, end: number): Span {
    return { ...this.within, start: this.within.start + start, end: this.within.start + end };
  }
}

/**
 * The words of a command text, split and read at run time as procmail does
 * for a command without SHELLMETAS (pipes.c metaparse, with readparse's
 * rules): a pipe action, a `?` condition, TRAP, a backquote. `within` is
 * where the text stands in the rc file; problems are the engine's to log.
 */
export function parseWords(text: string, within: Span): WordPart[][] {
  return new WordReader(new TextWithin(text, within), []).commandWords();
}

/**
 * The text of a `$` condition, read "as if inside double quotes"
 * (docs/procmail-semantics.md §1.5; misc.c replaces the `$` with `"` and
 * reads it again): a `"` toggles quoting and is consumed, blanks are kept,
 * `\$` gives `$`.
 */
export function parseDoubleQuotedText(text: string, within: Span): WordPart[] {
  return new WordReader(new TextWithin(text, within), []).doubleQuotedText();
}

/**
 * A word break inside the text of an unquoted `${name:-text}` in an action
 * line (see WordReader.scan): blanks that separate words where the parts
 * cannot, as the braces span both words. Expansion splits there.
 */
export const WORD_BREAK: WordPart = Object.freeze({ kind: 'text', text: ' ', quote: 'none', split: true });

/**
 * The one empty list shared by every recipe without conditions, in the AST
 * and in the program (a big rc file has thousands; each list is two objects
 * for the GC to copy). Frozen: pushing to it throws.
 */
export const NONE: readonly never[] = Object.freeze([]);

/**
 * The array with no spare capacity, for lists the AST or program keeps
 * (block items, compiled steps). Why it matters: see pendingWords above.
 */
export function exact<T>(list: T[]): T[] {
  const n = list.length;
  // Literals for the usual short lists: cheaper than a call to slice() until the code is optimized.
  return n === 0 ? [] : n === 1 ? [list[0]!] : n === 2 ? [list[0]!, list[1]!] : list.slice();
}

/**
 * exact() of the elements of `stack` from `base` on, which are removed from
 * it. pop(), not `length = base`: setting length is a runtime call, and
 * usually one element goes.
 */
export function takeFrom<T>(stack: T[], base: number): T[] {
  const n = stack.length - base;
  const out = n === 0 ? [] : n === 1 ? [stack[base]!] : n === 2 ? [stack[base]!, stack[base + 1]!] : stack.slice(base);
  while (stack.length > base) stack.pop();
  return out;
}

/** Append literal text, merged into the last part (above `base`) when that is text with the same quoting. */
function appendText(parts: WordPart[], base: number, text: string, quote: Quote): void {
  const last = parts.length > base ? parts[parts.length - 1]! : undefined;
  if (last !== undefined && last.kind === 'text' && last.quote === quote && last.split !== true) {
    parts[parts.length - 1] = { kind: 'text', text: last.text + text, quote };
  } else parts.push({ kind: 'text', text, quote });
}

/** Move pending literal text into `parts`; returns the emptied buffer. */
function flushText(parts: WordPart[], base: number, buf: string, quote: Quote): string {
  if (buf !== '') appendText(parts, base, buf, quote);
  return '';
}

function nameEnd(text: string, i: number): number {
  return nameCharsEnd(text, i + 1);
}
